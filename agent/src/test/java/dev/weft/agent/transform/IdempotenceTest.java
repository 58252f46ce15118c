package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A class is rewritten once: the agent and the Maven plugin may both see it, and an unchanged class must cost
 * nothing (the same array comes back).
 */
class IdempotenceTest {

    static final String ASYNC = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import java.util.function.Supplier;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Twice {
                @Async
                static Task<Integer> once(int x) {
                    int y = await(sleep(ZERO, x));
                    return Task.completed(y + 1);
                }

                static Task<Integer> lambda(int x) {
                    Supplier<Task<Integer>> s = () -> Task.completed(await(sleep(ZERO, x)) * 2);
                    return s.get();
                }
            }
            """;

    @Test
    void transformingATransformedClassAgainChangesNothing() {
        Compilation javac = AsyncTestSupport.javac(ASYNC);
        Map<String, TransformResult> first = AsyncTestSupport.transformAll(javac);
        TransformResult twice = first.get("demo/Twice");
        assertTrue(twice.changed());
        assertEquals(2, twice.rewrittenMethods().size(), () -> "rewritten: " + twice.rewrittenMethods());

        Map<String, byte[]> output = new HashMap<>(twice.generatedClasses());
        output.put("demo/Twice", twice.bytes());
        AsyncTransformer again = new AsyncTransformer(
                ClassHierarchy.of(IdempotenceTest.class.getClassLoader()).withClasses(output));
        for (Map.Entry<String, byte[]> e : output.entrySet()) {
            byte[] input = e.getValue().clone();
            TransformResult second = again.transform(input);
            assertFalse(second.changed(), () -> e.getKey() + " was rewritten again: " + second.rewrittenMethods());
            assertEquals(e.getKey(), second.className());
            assertArrayEquals(e.getValue(), second.bytes(), () -> e.getKey() + " changed on the second pass");
            assertEquals(Map.of(), second.generatedClasses());
            assertEquals(List.of(), second.rewrittenMethods());
        }
        // and the twice-offered class still works
        Compiled program = AsyncTestSupport.transformed(javac);
        assertEquals(4, (int) program.runSuspending("demo.Twice", "once", 3));
        assertEquals(6, (int) program.runSuspending("demo.Twice", "lambda", 3));
    }

    @Test
    void aClassWithoutAsyncMethodsOrAwaitComesBackAsTheSameArray() {
        Compilation javac = AsyncTestSupport.javac("""
                package demo;

                import dev.weft.runtime.Task;
                import java.util.concurrent.CompletableFuture;
                import java.util.function.Supplier;

                public class Untouched {
                    static Task<Integer> notAsync() {
                        return Task.completed(1);
                    }

                    static CompletableFuture<String> alsoNotAsync() {
                        Supplier<CompletableFuture<String>> s = () -> CompletableFuture.completedFuture("no await");
                        return s.get();
                    }

                    int plain(int x) {
                        synchronized (this) {
                            return x + 1;
                        }
                    }
                }
                """);
        AsyncTransformer transformer = new AsyncTransformer(AsyncTestSupport.hierarchy(javac));
        byte[] input = javac.copyOf("demo/Untouched");
        TransformResult result = transformer.transform(input);
        assertFalse(result.changed());
        assertSame(input, result.bytes(), "an unchanged class comes back as the very array given");
        assertEquals("demo/Untouched", result.className());
        assertEquals(Map.of(), result.generatedClasses());
        assertEquals(List.of(), result.rewrittenMethods());
    }
}
