package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Contract item 11: the stack does not grow with the number of suspensions or the length of an await chain. Every
 * run here is on a fresh thread with the default stack size ({@link AsyncTestSupport#onFreshThread}).
 */
class StackDepthTest {
    /**
     * The compact shape (for methods whose rewrite would be too large to JIT-compile) calls the body for the first
     * step, a second stack frame per call: these depths are for the default shape.
     */
    @BeforeAll
    static void defaultShapeOnly() {
        Assumptions.assumeFalse(AsyncTestSupport.COMPACT, "the suite runs every method in the compact shape");
    }


    static final String DEEP = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Future;
            import dev.weft.runtime.Task;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Deep {
                @Async
                static Task<String> spin(int n) {
                    long sum = 0;
                    int depthEarly = -1;
                    int depthLate = -1;
                    for (int i = 0; i < n; i++) {
                        await(sleep(ZERO));
                        sum += i;
                        if (i == 1) {
                            depthEarly = Thread.currentThread().getStackTrace().length;
                        } else if (i == n - 1) {
                            depthLate = Thread.currentThread().getStackTrace().length;
                        }
                    }
                    return Task.completed(sum + " " + (depthEarly == depthLate) + " " + depthEarly + " " + depthLate);
                }

                @Async
                static Task<Integer> recurseAtOnce(int n) {
                    if (n == 0) {
                        return Task.completed(0);
                    }
                    int below = await(recurseAtOnce(n - 1));
                    return Task.completed(below + 1);
                }

                @Async
                static Task<Integer> recurseSuspending(int n) {
                    await(sleep(ZERO));
                    if (n == 0) {
                        return Task.completed(0);
                    }
                    int below = await(recurseSuspending(n - 1));
                    return Task.completed(below + 1);
                }

                @Async
                static Task<Integer> chain(int n, Future<Integer> root) {
                    if (n == 0) {
                        return Task.completed(await(root));
                    }
                    int below = await(chain(n - 1, root));
                    return Task.completed(below + 1);
                }
            }
            """;

    @Test
    void aLoopSuspending100000TimesKeepsTheStackFlat() {
        Compiled program = AsyncTestSupport.transformed(DEEP);
        String result = program.runSuspending("demo.Deep", "spin", 100_000);
        assertTrue(result.startsWith("4999950000 true "), () -> "sum, then equal depths expected: " + result);
    }

    /**
     * Each depth test runs twice: on cold code (interpreted), then after a warm-up of shallow runs of the same
     * method, when the JIT has compiled part of it (its profiling tier has the largest frames): a long-lived program
     * reaches the deep case in either state.
     */
    private static final int WARM_UP_RUNS = 60;

    private static void warmUp(Runnable shallowRun) {
        for (int i = 0; i < WARM_UP_RUNS; i++) {
            shallowRun.run();
        }
    }

    @Test
    void asyncRecursion2000DeepCompletingAtOnceNeedsNoLoopAndNoBigStack() {
        Compiled program = AsyncTestSupport.transformed(DEEP);
        assertRecursionCompletesAtOnce(program);
        warmUp(() -> program.call("demo.Deep", "recurseAtOnce", 50));
        assertRecursionCompletesAtOnce(program);
    }

    private static void assertRecursionCompletesAtOnce(Compiled program) {
        Task<?> task = AsyncTestSupport.onFreshThread(() -> (Task<?>) program.call("demo.Deep", "recurseAtOnce", 2000));
        assertTrue(task.isDone(), "every awaited future was done, so nothing suspended");
        assertEquals(2000, task.result(), () -> "the task " + task);
    }

    @Test
    void asyncRecursion2000DeepCompletingAtOnceOnALoop() {
        Compiled program = AsyncTestSupport.transformed(DEEP);
        assertEquals(2000, (int) program.run("demo.Deep", "recurseAtOnce", 2000));
        warmUp(() -> program.call("demo.Deep", "recurseAtOnce", 50));
        assertEquals(2000, (int) program.run("demo.Deep", "recurseAtOnce", 2000));
    }

    @Test
    void asyncRecursion2000DeepSuspendingAtEveryLevel() {
        Compiled program = AsyncTestSupport.transformed(DEEP);
        assertEquals(2000, (int) program.runSuspending("demo.Deep", "recurseSuspending", 2000));
        warmUp(() -> program.run("demo.Deep", "recurseSuspending", 50));
        assertEquals(2000, (int) program.runSuspending("demo.Deep", "recurseSuspending", 2000));
    }

    @Test
    void aChainOf2000SuspendedTasksCompletesOnTheCompletingThreadWithoutALoop() {
        Compiled program = AsyncTestSupport.transformed(DEEP);
        assertChainCompletesOnTheCompletingThread(program);
        warmUp(() -> {
            Future<Integer> root = new Future<>((EventLoop) null);
            program.call("demo.Deep", "chain", 50, root);
            root.complete(0);
        });
        assertChainCompletesOnTheCompletingThread(program);
    }

    private static void assertChainCompletesOnTheCompletingThread(Compiled program) {
        Future<Integer> root = new Future<>((EventLoop) null);
        Task<?> top = AsyncTestSupport.onFreshThread(() -> (Task<?>) program.call("demo.Deep", "chain", 2000, root));
        assertFalse(top.isDone(), () -> "every level waits for the root future, but the top task is " + top);
        AsyncTestSupport.onFreshThread(() -> {
            root.complete(7);
            return null;
        });
        assertTrue(top.isDone(), "without a loop, the chain completes on the thread that completed the root");
        assertEquals(2007, top.result());
    }
}
