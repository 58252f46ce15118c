package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Contract item 7: what cannot be transformed is refused with the class, method, source file and line (of the
 * offending await, or of the method for a return-type error), in the message {@code Foo.java:12: pkg.Foo.m: why}.
 */
class RefusalTest {

    private static void assertLocated(AsyncTransformException e, String className, String methodName,
                                      String sourceFile, int line) {
        assertEquals(className, e.className(), e::getMessage);
        if (methodName != null) {
            assertEquals(methodName, e.methodName(), e::getMessage);
        }
        assertEquals(sourceFile, e.sourceFile(), e::getMessage);
        assertEquals(line, e.line(), e::getMessage);
        assertFalse(e.reason() == null || e.reason().isBlank(), "a refusal says why");
        assertEquals(sourceFile + ":" + line + ": " + className + (e.methodName() == null ? "" : "." + e.methodName())
                + ": " + e.reason(), e.getMessage());
    }

    @Test
    void awaitInsideSynchronizedIsRefusedAtTheLineOfTheAwait() {
        String source = """
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Future;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;

                public class Locked {
                    @Async
                    static Task<Integer> locked(Object lock, Future<Integer> f) {
                        int before = 1;
                        synchronized (lock) {
                            int v = await(f); // AWAIT IN SYNCHRONIZED
                            return Task.completed(v + before);
                        }
                    }
                }
                """;
        AsyncTransformException e = AsyncTestSupport.refusal(source);
        assertLocated(e, "demo.Locked", "locked", "Locked.java", AsyncTestSupport.lineOf(source, "// AWAIT IN SYNCHRONIZED"));
        assertTrue(e.reason().contains("synchronized"), e::getMessage);
    }

    @Test
    void awaitInAMethodThatIsNotAsyncIsRefusedAtTheLineOfTheAwait() {
        String source = """
                package demo;

                import dev.weft.runtime.Future;
                import static dev.weft.runtime.Await.await;

                public class NotAsync {
                    static int plain(Future<Integer> f) {
                        int start = 2;
                        int doubled = start * await(f); // AWAIT IN PLAIN METHOD
                        return doubled;
                    }
                }
                """;
        AsyncTransformException e = AsyncTestSupport.refusal(source);
        assertLocated(e, "demo.NotAsync", "plain", "NotAsync.java", AsyncTestSupport.lineOf(source, "// AWAIT IN PLAIN METHOD"));
    }

    @Test
    void awaitInALambdaThatDoesNotReturnAFutureIsRefusedAtTheLineOfTheAwait() {
        String source = """
                package demo;

                import dev.weft.runtime.Future;
                import java.util.function.Supplier;
                import static dev.weft.runtime.Await.await;

                public class NotAsyncLambda {
                    static Supplier<Integer> make(Future<Integer> f) {
                        return () -> await(f) + 1; // AWAIT IN PLAIN LAMBDA
                    }
                }
                """;
        AsyncTransformException e = AsyncTestSupport.refusal(source);
        // the method is the lambda's synthetic method; its name is javac's to choose
        assertLocated(e, "demo.NotAsyncLambda", null, "NotAsyncLambda.java",
                AsyncTestSupport.lineOf(source, "// AWAIT IN PLAIN LAMBDA"));
    }

    @Test
    void asyncOnAMethodReturningIntIsRefusedAtTheLineOfTheMethod() {
        String source = """
                package demo;

                import dev.weft.Async;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class ReturnsInt {
                    @Async
                    static int answer() { return await(sleep(ZERO, 42)); } // ASYNC RETURNING INT
                }
                """;
        AsyncTransformException e = AsyncTestSupport.refusal(source);
        assertLocated(e, "demo.ReturnsInt", "answer", "ReturnsInt.java", AsyncTestSupport.lineOf(source, "// ASYNC RETURNING INT"));
    }

    @Test
    void asyncOnAMethodReturningStringIsRefusedAtTheLineOfTheMethod() {
        String source = """
                package demo;

                import dev.weft.Async;

                public class ReturnsString {
                    static String other() {
                        return "other";
                    }

                    @Async
                    static String name() { return "n" + other(); } // ASYNC RETURNING STRING
                }
                """;
        AsyncTransformException e = AsyncTestSupport.refusal(source);
        assertLocated(e, "demo.ReturnsString", "name", "ReturnsString.java",
                AsyncTestSupport.lineOf(source, "// ASYNC RETURNING STRING"));
    }

    @Test
    void awaitInAConstructorIsRefusedAtTheLineOfTheAwait() {
        String source = """
                package demo;

                import dev.weft.runtime.Future;
                import static dev.weft.runtime.Await.await;

                public class InConstructor {
                    final int value;

                    InConstructor(Future<Integer> f) {
                        value = await(f); // AWAIT IN CONSTRUCTOR
                    }
                }
                """;
        AsyncTransformException e = AsyncTestSupport.refusal(source);
        assertLocated(e, "demo.InConstructor", null, "InConstructor.java",
                AsyncTestSupport.lineOf(source, "// AWAIT IN CONSTRUCTOR"));
    }

    @Test
    void everyRefusalOfAClassIsReportedEachWithItsOwnLocation() {
        String source = """
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Future;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;

                public class Several {
                    static int notAsync(Future<Integer> f) {
                        return await(f); // FIRST
                    }

                    @Async
                    static Task<Integer> fine(Future<Integer> f) {
                        return Task.completed(await(f));
                    }

                    @Async
                    static Task<Integer> locked(Object lock, Future<Integer> f) {
                        synchronized (lock) {
                            return Task.completed(await(f)); // SECOND
                        }
                    }

                    @Async
                    static String wrongType() { // THIRD
                        return "x";
                    }
                }
                """;
        AsyncTransformException e = AsyncTestSupport.refusal(source);
        assertEquals(3, e.all().size(), e::getMessage);
        assertLocated(e.all().get(0), "demo.Several", "notAsync", "Several.java", AsyncTestSupport.lineOf(source, "// FIRST"));
        assertLocated(e.all().get(1), "demo.Several", "locked", "Several.java", AsyncTestSupport.lineOf(source, "// SECOND"));
        assertLocated(e.all().get(2), "demo.Several", "wrongType", "Several.java",
                AsyncTestSupport.lineOf(source, "// THIRD") + 1);
        assertEquals(e.all().get(0).getMessage() + "\n" + e.all().get(1).getMessage() + "\n" + e.all().get(2).getMessage(),
                e.getMessage());
        assertEquals(e.all().get(0).line(), e.line(), "the exception itself is located at the first refusal");
    }
}
