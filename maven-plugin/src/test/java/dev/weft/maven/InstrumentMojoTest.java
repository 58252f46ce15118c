package dev.weft.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.Task;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.tools.ToolProvider;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.artifact.DefaultArtifact;
import org.apache.maven.artifact.handler.DefaultArtifactHandler;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.project.MavenProject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The goals as Maven runs them, on a project laid out as Maven lays it out: what their parameters and source roots
 * make of the dropped-task warning, and that it reaches Maven's log as a warning, never failing the build.
 */
class InstrumentMojoTest {
    private static final String GREETER = String.join("\n",
            "package com.acme;",
            "import dev.weft.Async;",
            "import dev.weft.runtime.Task;",
            "public class Greeter {",
            "    @Async",
            "    public static Task<String> greet(String name) {",
            "        return Task.completed(\"hello \" + name);",
            "    }",
            "}");
    private static final String NIGHTLY = String.join("\n",
            "package com.acme;",
            "public class Nightly {",
            "    public static void run() {",
            "        Greeter.greet(\"nobody\");",
            "    }",
            "}");

    @TempDir
    Path dir;
    private Path main;
    private Path test;
    private Path classes;
    private Path testClasses;
    private final InstrumenterTest.RecordingLog log = new InstrumenterTest.RecordingLog();

    @BeforeEach
    void layout() throws IOException {
        main = Files.createDirectories(dir.resolve("src/main/java"));
        test = Files.createDirectories(dir.resolve("src/test/java"));
        classes = Files.createDirectories(dir.resolve("target/classes"));
        testClasses = Files.createDirectories(dir.resolve("target/test-classes"));
    }

    @Test
    void instrumentWarnsOfADroppedTaskInMavensLogAndTheBuildGoesOn() throws Exception {
        write(main, "com/acme/Greeter.java", GREETER);
        write(main, "com/acme/Nightly.java", NIGHTLY);
        compile(main, classes, List.of());
        InstrumentMojo mojo = configure(new InstrumentMojo(), "classesDirectory", classes);

        mojo.execute();   // failOnError is on: a warning does not fail the build

        assertEquals(List.of(), log.errors);
        assertEquals(1, log.warnings.size(), log.warnings.toString());
        assertTrue(log.warnings.get(0).startsWith(main.resolve("com/acme/Nightly.java") + ":[4,17] the Task returned "
                + "by @Async com.acme.Greeter.greet is dropped: "), log.warnings.get(0));
        assertTrue(Files.exists(classes.resolve("com/acme/Greeter$async$greet$0.class")), "rewritten all the same");
    }

    @Test
    void warnDroppedTasksFalseTurnsTheWarningOff() throws Exception {
        write(main, "com/acme/Greeter.java", GREETER);
        write(main, "com/acme/Nightly.java", NIGHTLY);
        compile(main, classes, List.of());
        InstrumentMojo mojo = configure(new InstrumentMojo(), "classesDirectory", classes);
        mojo.warnDroppedTasks = false;

        mojo.execute();

        assertEquals(List.of(), log.warnings);
        assertTrue(Files.exists(classes.resolve("com/acme/Greeter$async$greet$0.class")));
    }

    @Test
    void instrumentTestWarnsOfATestThatDropsATaskOfTheMainCodeAndLeavesTheMainCodeToInstrument() throws Exception {
        write(main, "com/acme/Greeter.java", GREETER);
        write(main, "com/acme/Nightly.java", NIGHTLY);   // dropped too, but not this goal's to check
        write(test, "com/acme/GreeterTest.java", String.join("\n",
                "package com.acme;",
                "class GreeterTest {",
                "    void greets() {",
                "        Greeter.greet(\"test\");",
                "    }",
                "}"));
        compile(main, classes, List.of());
        compile(test, testClasses, List.of(classes));
        InstrumentTestMojo mojo = configure(new InstrumentTestMojo(), "testClassesDirectory", testClasses);

        mojo.execute();

        assertEquals(List.of(), log.errors);
        assertEquals(1, log.warnings.size(), log.warnings.toString());
        assertTrue(log.warnings.get(0).startsWith(test.resolve("com/acme/GreeterTest.java") + ":[4,17] the Task "
                + "returned by @Async com.acme.Greeter.greet is dropped: "), log.warnings.get(0));
    }

    // --- helpers ---

    /** The goal with the defaults Maven would inject, over a project of this layout with Weft as its dependency. */
    private <M extends AbstractInstrumentMojo> M configure(M mojo, String directoryField, Path directory)
            throws Exception {
        MavenProject project = new MavenProject();
        project.getBuild().setOutputDirectory(classes.toString());
        project.getBuild().setTestOutputDirectory(testClasses.toString());
        project.addCompileSourceRoot(main.toString());
        project.addTestCompileSourceRoot(test.toString());
        Set<Artifact> artifacts = new LinkedHashSet<>();
        artifacts.add(artifact("async-runtime", jarOf(Task.class)));
        artifacts.add(artifact("async-annotations", jarOf(Async.class)));
        project.setArtifacts(artifacts);

        mojo.project = project;
        mojo.failOnError = true;
        mojo.warnDroppedTasks = true;
        mojo.encoding = "UTF-8";
        mojo.stateDirectory = dir.resolve("target/weft").toFile();
        mojo.pluginVersion = "test";
        var field = mojo.getClass().getDeclaredField(directoryField);
        field.setAccessible(true);
        field.set(mojo, directory.toFile());
        ((AbstractMojo) mojo).setLog(log);
        return mojo;
    }

    private static Artifact artifact(String artifactId, Path jar) {
        DefaultArtifactHandler handler = new DefaultArtifactHandler("jar");
        handler.setAddedToClasspath(true);
        DefaultArtifact artifact = new DefaultArtifact("dev.weft", artifactId, "0.1.0-SNAPSHOT", Artifact.SCOPE_COMPILE,
                "jar", null, handler);
        artifact.setFile(jar.toFile());
        return artifact;
    }

    private static void write(Path root, String path, String text) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static void compile(Path sources, Path output, List<Path> extraClassPath) throws IOException {
        List<String> classPath = new ArrayList<>(List.of(jarOf(Task.class).toString(), jarOf(Async.class).toString()));
        extraClassPath.forEach(p -> classPath.add(p.toString()));
        List<String> args = new ArrayList<>(List.of("-d", output.toString(), "-proc:none", "-classpath",
                String.join(File.pathSeparator, classPath)));
        try (var walk = Files.walk(sources)) {
            walk.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
        }
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(new String[0])),
                "javac failed");
    }

    private static Path jarOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
