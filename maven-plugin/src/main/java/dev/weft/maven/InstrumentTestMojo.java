package dev.weft.maven;

import java.io.File;
import java.util.List;
import org.apache.maven.artifact.DependencyResolutionRequiredException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

/**
 * Rewrites the {@code @Async} methods and async lambdas of the test classes
 * ({@code ${project.build.testOutputDirectory}}) in place, so tests can be written with {@code await}; the
 * source checks run first, over the test source roots. Same options as {@code instrument}; see it for the
 * plugin declaration. Does nothing when there are no test classes.
 */
@Mojo(name = "instrument-test", defaultPhase = LifecyclePhase.PROCESS_TEST_CLASSES, threadSafe = true,
        requiresDependencyResolution = ResolutionScope.TEST)
public class InstrumentTestMojo extends AbstractInstrumentMojo {

    /** The directory of the compiled test classes, rewritten in place. */
    @Parameter(defaultValue = "${project.build.testOutputDirectory}", required = true)
    private File testClassesDirectory;

    @Override
    protected File classesDirectory() {
        return testClassesDirectory;
    }

    @Override
    protected List<String> classPathElements() throws DependencyResolutionRequiredException {
        return project.getTestClasspathElements();
    }

    @Override
    protected List<String> sourceRoots() {
        return project.getTestCompileSourceRoots();
    }

    /** The main sources: a test that drops the Task of an {@code @Async} method of the main code is warned of. */
    @Override
    protected List<String> declarationRoots() {
        return project.getCompileSourceRoots();
    }

    @Override
    protected String goalName() {
        return "instrument-test";
    }
}
