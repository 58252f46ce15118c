package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The transformer accepts class files from Java 8 (52) to the newest the JDK writes, and writes the same version
 * back (contract: "Bytecode baseline").
 */
class ClassFileVersionTest {

    /** Java 8 source: no var, no switch expressions, no List.of. */
    static final String VERSIONED = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import java.util.ArrayList;
            import java.util.List;
            import java.util.function.Supplier;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Versioned {
                static final class Box {
                    final Object value;

                    Box(Object value) {
                        this.value = value;
                    }
                }

                @Async
                static Task<String> run(long wide, String text) {
                    List<String> log = new ArrayList<String>();
                    for (int i = 0; i < 3; i++) {
                        try {
                            log.add(text + await(sleep(ZERO, i)) + "/" + wide);
                        } finally {
                            log.add("f" + i);
                        }
                    }
                    Box box = new Box(await(sleep(ZERO, "boxed")));
                    Supplier<Task<String>> lambda = () -> Task.completed("lambda " + await(sleep(ZERO, 1)));
                    log.add(String.valueOf(box.value));
                    log.add(await(lambda.get()));
                    switch (text) {
                        case "t":
                            log.add("switch " + await(sleep(ZERO, "t")));
                            break;
                        default:
                            break;
                    }
                    return Task.completed(String.join(",", log));
                }
            }
            """;

    static final String EXPECTED = "t0/-5,f0,t1/-5,f1,t2/-5,f2,boxed,lambda 1,switch t";

    static IntStream releases() {
        return IntStream.of(8, 11, 17, 21, 25, InMemoryJavac.MAX_RELEASE).filter(r -> r <= InMemoryJavac.MAX_RELEASE)
                .distinct();
    }

    @ParameterizedTest(name = "release {0}")
    @MethodSource("releases")
    void theHostClassKeepsItsClassFileVersionAndRuns(int release) {
        Compiled program = AsyncTestSupport.transformed(InMemoryJavac.Options.release(release), VERSIONED);
        TransformResult result = program.result("demo/Versioned");
        assertTrue(result.changed());
        int major = 44 + release;
        assertEquals(major, Compilation.majorVersion(program.javac().bytes("demo/Versioned")));
        assertEquals(major, Compilation.majorVersion(result.bytes()), "the rewritten class keeps its version");
        for (Map.Entry<String, byte[]> generated : result.generatedClasses().entrySet()) {
            int version = Compilation.majorVersion(generated.getValue());
            assertTrue(version >= 52 && version <= 44 + InMemoryJavac.MAX_RELEASE,
                    () -> generated.getKey() + " has class-file version " + version);
        }
        assertEquals(EXPECTED, program.runSuspending("demo.Versioned", "run", -5L, "t"));
    }

    @Test
    void java8ClassFilesAreVersion52AndTheNewestAreTheRunningJdks() {
        Compiled java8 = AsyncTestSupport.transformed(InMemoryJavac.Options.release(8), VERSIONED);
        assertEquals(52, Compilation.majorVersion(java8.result("demo/Versioned").bytes()));
        Compiled newest = AsyncTestSupport.transformed(InMemoryJavac.Options.release(InMemoryJavac.MAX_RELEASE),
                VERSIONED);
        assertEquals(44 + InMemoryJavac.MAX_RELEASE, Compilation.majorVersion(newest.result("demo/Versioned").bytes()));
    }

    @Test
    void classesCompiledWithoutDebugInfoAreRewrittenToo() {
        Compiled program = AsyncTestSupport.transformed(InMemoryJavac.Options.DEFAULT.withoutDebugInfo(), VERSIONED);
        assertFalse(program.javac().classNode("demo/Versioned").methods.stream()
                .anyMatch(m -> m.localVariables != null && !m.localVariables.isEmpty()), "compiled with -g:none");
        assertEquals(EXPECTED, program.runSuspending("demo.Versioned", "run", -5L, "t"));
    }
}
