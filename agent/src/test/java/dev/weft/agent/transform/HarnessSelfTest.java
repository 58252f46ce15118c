package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.Task;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The harness itself: what the transformer tests rely on must hold without the transformer (javac output passes
 * both verifiers, the JVM verifier is on, the untransformed reference behaviour works).
 */
class HarnessSelfTest {

    static final String PLAIN = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import java.time.Duration;
            import java.util.ArrayList;
            import java.util.List;
                        import java.util.function.Supplier;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;

            public class Plain {
                record Point(int x, int y) { }

                enum Color { RED, GREEN }

                @Async
                static Task<String> run() {
                    List<String> log = new ArrayList<>();
                    for (Color c : Color.values()) {
                        switch (c) {
                            case RED -> log.add("r" + await(sleep(Duration.ZERO, 1)));
                            default -> log.add("g");
                        }
                    }
                    try {
                        log.add(String.valueOf(new Point(1, await(sleep(Duration.ofMillis(1), 2)))));
                    } finally {
                        log.add("finally");
                    }
                    Supplier<Task<String>> lambda = () -> Task.completed("lambda " + await(sleep(Duration.ZERO, 3)));
                    log.add(await(lambda.get()));
                    return Task.completed(String.join(",", log));
                }
            }
            """;

    @Test
    void javacOutputPassesAsmsVerifierAndTheJvmsUntransformed() {
        Compiled plain = AsyncTestSupport.untransformed(PLAIN);
        assertTrue(plain.classFiles().size() >= 3, () -> "classes: " + plain.classFiles().keySet());
        for (Map.Entry<String, byte[]> e : plain.classFiles().entrySet()) {
            AsyncTestSupport.verifyWithAsm(e.getKey(), e.getValue(), plain.loader());
            plain.type(e.getKey()).getDeclaredMethods(); // links: the JVM verifies
        }
    }

    @Test
    void untransformedAwaitBlocksOffTheLoopAndGivesTheReferenceResult() {
        Compiled plain = AsyncTestSupport.untransformed(PLAIN);
        Task<?> task = AsyncTestSupport.onFreshThread(() -> (Task<?>) plain.call("demo.Plain", "run"));
        assertTrue(task.isDone(), "untransformed, the body blocks in await and returns a done task");
        assertEquals("r1,g,Point[x=1, y=2],finally,lambda 3", task.result());
    }

    @Test
    void theJvmVerifierIsOnAndRejectsBadBytecodeInTheTestLoader() {
        AsyncTestSupport.assertJvmVerifierOn();
        byte[] broken = AsyncTestSupport.brokenClass("demo/Broken");
        MapClassLoader loader = new MapClassLoader("broken", Map.of("demo/Broken", broken),
                HarnessSelfTest.class.getClassLoader());
        assertThrows(VerifyError.class, () -> loader.define("demo/Broken").getDeclaredMethods());
        assertThrows(AssertionError.class,
                () -> AsyncTestSupport.verifyWithAsm("demo/Broken", broken, loader));
    }

    @Test
    void javacWritesTheRequestedClassFileVersionAndSourceFile() {
        String source = """
                package demo;

                public class Version {
                    static int answer() {
                        return 42;
                    }
                }
                """;
        assertEquals(52, Compilation.majorVersion(
                AsyncTestSupport.javac(InMemoryJavac.Options.release(8), source).bytes("demo/Version")));
        Compilation latest = AsyncTestSupport.javac(InMemoryJavac.Options.release(InMemoryJavac.MAX_RELEASE), source);
        assertEquals(44 + InMemoryJavac.MAX_RELEASE, Compilation.majorVersion(latest.bytes("demo/Version")));
        assertEquals("Version.java", latest.classNode("demo/Version").sourceFile);
        assertEquals(4, AsyncTestSupport.lineOf(source, "static int answer"));
    }

    @Test
    void callsThrowTheOriginalExceptionNotInvocationTargetException() {
        Compiled plain = AsyncTestSupport.untransformed("""
                package demo;

                public class Thrower {
                    static Object boom(IllegalStateException e) {
                        throw e;
                    }
                }
                """);
        IllegalStateException boom = new IllegalStateException("boom");
        Throwable thrown = assertThrows(IllegalStateException.class, () -> plain.call("demo.Thrower", "boom", boom));
        assertSame(boom, thrown);
        Throwable onThread = assertThrows(IllegalStateException.class,
                () -> AsyncTestSupport.onFreshThread(() -> plain.call("demo.Thrower", "boom", boom)));
        assertSame(boom, onThread);
    }
}
