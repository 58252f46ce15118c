package dev.weft.maven;

import java.io.File;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.artifact.DependencyResolutionRequiredException;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * What {@code instrument} and {@code instrument-test} share: the options, and one run of {@link Instrumenter}
 * over a classes directory. The goals differ only in which directory, class path and source roots they take.
 */
public abstract class AbstractInstrumentMojo extends AbstractMojo {

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    protected MavenProject project;

    /**
     * The classes to check and rewrite, as Ant-style patterns over class names written with slashes:
     * {@code com/acme/**} (every class under com.acme), {@code com/acme/*Service} (one package level),
     * {@code com/acme/Foo} (one class; its nested classes are {@code com/acme/Foo$*}). Dots work as well as
     * slashes. The same patterns select the source files checked ({@code com/acme/Foo.java} as
     * {@code com/acme/Foo}). Empty (the default): every class.
     */
    @Parameter
    protected List<String> includes;

    /**
     * Classes to leave alone, as patterns of the same form as {@code includes}; an exclude wins over an include.
     * Empty by default.
     */
    @Parameter
    protected List<String> excludes;

    /** Skips the goal: no source checks, no rewrite. */
    @Parameter(property = "weft.skip", defaultValue = "false")
    protected boolean skip;

    /**
     * What a problem does: {@code true} (the default) prints each as an error ({@code path:[line,column]
     * message}) and fails the build before any class file is written; {@code false} prints them as warnings,
     * leaves the classes that cannot be rewritten unchanged (their {@code await} then blocks, or throws on an
     * event loop thread) and rewrites the rest. The dropped-task warnings ({@code warnDroppedTasks}) are warnings
     * either way.
     */
    @Parameter(property = "weft.failOnError", defaultValue = "true")
    protected boolean failOnError;

    /**
     * Warns of each call of an {@code @Async} method used as a statement, at its file, line and column
     * ({@code path:[line,column] the Task returned by @Async com.acme.Jobs.refresh is dropped: ...}): nothing waits
     * for that Task, and its failure is reported only when the task is garbage-collected or its loop closes (a
     * dropped {@code CompletableFuture}'s, never).
     * {@code await(...)} it or keep it; for an intended fire-and-forget, put
     * {@code @SuppressWarnings("weft:dropped-task")} on the enclosing method or class. {@code false} turns the
     * check off. A warning never fails the build, and never stops a class from being rewritten.
     *
     * <p>Calls are matched without a compiler, by name and argument count, to the {@code @Async} methods of the
     * sources (for {@code instrument-test}, of the main sources too): unqualified in the declaring class or a
     * class nested in it, on {@code this}, on the class's name, or on a variable or field whose declared type is
     * that class. When the sources do not show for certain which method a call means, there is no warning.
     */
    @Parameter(property = "weft.warnDroppedTasks", defaultValue = "true")
    protected boolean warnDroppedTasks;

    /**
     * For debugging sessions: every variable that is in scope in the source stays visible in a debugger after a
     * resume, dead or not (each await saves it), as Kotlin's {@code -Xdebug} does, at the cost of memory per
     * suspended task and of objects kept reachable longer. Classes already rewritten keep their shape: switch it
     * with {@code mvn clean}.
     */
    @Parameter(property = "weft.debugLocals", defaultValue = "false")
    protected boolean debugLocals;

    /** Lists each rewritten method ({@code weft: rewrote com.acme.Foo.fetch(java.lang.String)}). */
    @Parameter(property = "weft.verbose", defaultValue = "false")
    protected boolean verbose;

    /** The encoding of the source files read by the source checks; UTF-8 when the project sets none. */
    @Parameter(property = "weft.encoding", defaultValue = "${project.build.sourceEncoding}")
    protected String encoding;

    /**
     * Where the incremental state is kept ({@code instrument.state}, {@code instrument-test.state}): the size,
     * time and hash of each class file after the last run, so that unchanged classes are not read again.
     */
    @Parameter(defaultValue = "${project.build.directory}/weft", readonly = true, required = true)
    protected File stateDirectory;

    @Parameter(defaultValue = "${plugin.version}", readonly = true)
    protected String pluginVersion;

    /** The directory whose class files are rewritten in place. */
    protected abstract File classesDirectory();

    /** The class path the classes were compiled against (super types are read from it). */
    protected abstract List<String> classPathElements() throws DependencyResolutionRequiredException;

    /** The Java source roots checked before the rewrite. */
    protected abstract List<String> sourceRoots();

    /**
     * Source roots read only for the {@code @Async} methods they declare, so that the dropped-task check knows
     * calls of them; not checked, not rewritten. None by default.
     */
    protected List<String> declarationRoots() {
        return List.of();
    }

    /** The name of this goal, for the state file and the log. */
    protected abstract String goalName();

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("weft: skipped (weft.skip)");
            return;
        }
        Path classes = classesDirectory().toPath();
        if (!Files.isDirectory(classes)) {
            // a pom module, or no (test) sources: nothing was compiled
            getLog().debug("weft: nothing to rewrite, " + classes + " does not exist");
            return;
        }
        Instrumenter.Settings settings;
        try {
            settings = new Instrumenter.Settings(
                    classes,
                    paths(classPathElements()),
                    paths(sourceRoots()),
                    paths(declarationRoots()),
                    encoding == null || encoding.isBlank() ? StandardCharsets.UTF_8 : Charset.forName(encoding),
                    ClassFilter.of(includes, excludes),
                    failOnError,
                    warnDroppedTasks,
                    debugLocals,
                    verbose,
                    stateDirectory.toPath().resolve(goalName() + ".state"),
                    String.valueOf(pluginVersion));
        } catch (DependencyResolutionRequiredException e) {
            throw new MojoExecutionException("weft: the class path of " + project.getId() + " is not resolved", e);
        }
        try {
            new Instrumenter(settings, getLog()).run();
        } catch (Instrumenter.Failure e) {
            throw new MojoFailureException("weft: " + e.getMessage());
        } catch (IOException e) {
            throw new MojoExecutionException("weft: " + goalName() + " failed on " + classes + ": " + e, e);
        }
    }

    private static List<Path> paths(List<String> elements) {
        List<Path> paths = new ArrayList<>();
        if (elements != null) {
            for (String element : elements) {
                paths.add(Path.of(element));
            }
        }
        return paths;
    }
}
