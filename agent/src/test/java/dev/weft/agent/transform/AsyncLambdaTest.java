package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * Async lambdas: a lambda whose functional method returns Task, CompletableFuture or CompletionStage and whose body
 * calls {@code await} is rewritten like an {@code @Async} method (annotations cannot be put on lambdas).
 */
class AsyncLambdaTest {

    static final String LAMBDAS = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import java.util.concurrent.CompletableFuture;
            import java.util.concurrent.CompletionStage;
            import java.util.function.Function;
            import java.util.function.IntFunction;
            import java.util.function.Supplier;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Lambdas {
                interface AsyncFn<A, R> {
                    CompletionStage<R> apply(A a);
                }

                static Task<Integer> supplier(int base) {
                    Supplier<Task<Integer>> s = () -> {
                        int v = await(sleep(ZERO, base));
                        return Task.completed(v + 1);
                    };
                    return s.get();
                }

                static Task<Integer> expressionBody() {
                    Supplier<Task<Integer>> s = () -> Task.completed(await(sleep(ZERO, 20)) + 1);
                    return s.get();
                }

                static CompletableFuture<String> capturesLocalsOfEveryWidth(String prefix, long wide, double d) {
                    char c = '#';
                    Function<String, CompletableFuture<String>> f = x ->
                            CompletableFuture.completedFuture(prefix + await(sleep(ZERO, x)) + wide + c + d);
                    return f.apply("-");
                }

                static CompletionStage<String> customInterface(String s) {
                    AsyncFn<String, String> fn = a -> {
                        String first = await(sleep(ZERO, a));
                        String second = await(sleep(ZERO, first + first));
                        return CompletableFuture.completedFuture(second);
                    };
                    return fn.apply(s);
                }

                private final String name;

                Lambdas(String name) {
                    this.name = name;
                }

                Task<String> capturesThis() {
                    Supplier<Task<String>> s = () -> {
                        await(sleep(ZERO));
                        return Task.completed("I am " + name + " " + describe());
                    };
                    return s.get();
                }

                String describe() {
                    return "(" + name.length() + ")";
                }

                static Task<String> instance(String name) {
                    return new Lambdas(name).capturesThis();
                }

                @Async
                static Task<Integer> insideAnAsyncMethod(int k) {
                    int factor = await(sleep(ZERO, 3));
                    Supplier<Task<Integer>> times = () -> Task.completed(await(sleep(ZERO, k)) * factor);
                    return Task.completed(await(times.get()) + await(times.get()));
                }

                @Async
                static Task<String> oneLambdaCalledTwiceKeepsSeparateState() {
                    IntFunction<Task<String>> f = i -> {
                        String a = "v" + i;
                        await(sleep(ZERO));
                        return Task.completed(a);
                    };
                    Task<String> first = f.apply(1);
                    Task<String> second = f.apply(2);
                    return Task.completed(await(second) + await(first));
                }

                static Task<Integer> loopInsideALambda(int n) {
                    Supplier<Task<Integer>> s = () -> {
                        int sum = 0;
                        for (int i = 1; i <= n; i++) {
                            sum += await(sleep(ZERO, i));
                        }
                        return Task.completed(sum);
                    };
                    return s.get();
                }

                static Task<String> lambdaThatThrowsAfterResume(RuntimeException e) {
                    Supplier<Task<String>> s = () -> {
                        await(sleep(ZERO));
                        throw e;
                    };
                    return s.get();
                }

                static Task<String> nestedAsyncLambdas() {
                    Supplier<Task<String>> outer = () -> {
                        String o = await(sleep(ZERO, "outer"));
                        Supplier<Task<String>> inner = () -> Task.completed(o + "+" + await(sleep(ZERO, "inner")));
                        return Task.completed(await(inner.get()));
                    };
                    return outer.get();
                }
            }
            """;

    private static Compiled lambdas() {
        return AsyncTestSupport.transformed(LAMBDAS);
    }

    @Test
    void aSupplierLambdaCapturingALocalIsRewritten() {
        assertEquals(42, (int) lambdas().runSuspending("demo.Lambdas", "supplier", 41));
    }

    @Test
    void anExpressionBodiedLambdaIsRewritten() {
        assertEquals(21, (int) lambdas().runSuspending("demo.Lambdas", "expressionBody"));
    }

    @Test
    void aCompletableFutureLambdaCapturingWideAndNarrowLocals() {
        assertEquals("p-" + Long.MIN_VALUE + "#2.5",
                lambdas().runSuspending("demo.Lambdas", "capturesLocalsOfEveryWidth", "p", Long.MIN_VALUE, 2.5));
    }

    @Test
    void aLambdaOfAFunctionalInterfaceReturningCompletionStage() {
        assertEquals("abab", lambdas().runSuspending("demo.Lambdas", "customInterface", "ab"));
    }

    @Test
    void aLambdaCapturingThis() {
        assertEquals("I am bob (3)", lambdas().runSuspending("demo.Lambdas", "instance", "bob"));
    }

    @Test
    void anAsyncLambdaInsideAnAsyncMethodCapturingItsLocals() {
        assertEquals(12, (int) lambdas().runSuspending("demo.Lambdas", "insideAnAsyncMethod", 2));
    }

    @Test
    void eachCallOfAnAsyncLambdaIsItsOwnTask() {
        assertEquals("v2v1", lambdas().runSuspending("demo.Lambdas", "oneLambdaCalledTwiceKeepsSeparateState"));
    }

    @Test
    void aLoopInsideAnAsyncLambda() {
        assertEquals(55, (int) lambdas().runSuspending("demo.Lambdas", "loopInsideALambda", 10));
    }

    @Test
    void anAsyncLambdaThatThrowsAfterResumeFailsItsTask() {
        IllegalStateException boom = new IllegalStateException("from the lambda");
        Throwable thrown = assertThrows(IllegalStateException.class,
                () -> lambdas().runSuspending("demo.Lambdas", "lambdaThatThrowsAfterResume", boom));
        assertSame(boom, thrown);
    }

    @Test
    void anAsyncLambdaInsideAnAsyncLambda() {
        assertEquals("outer+inner", lambdas().runSuspending("demo.Lambdas", "nestedAsyncLambdas"));
    }
}
