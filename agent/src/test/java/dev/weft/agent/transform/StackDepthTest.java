package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import org.junit.jupiter.api.Test;

/**
 * Contract item 11: the stack does not grow with the number of suspensions or the length of an await chain. Every
 * run here is on a fresh thread with the default stack size ({@link AsyncTestSupport#onFreshThread}).
 */
class StackDepthTest {
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

                /** Whether a recursion n deep was done when the call returned, and its value. */
                @Async
                static Task<String> doneAtOnce(int n) {
                    Task<Integer> t = recurseAtOnce(n);
                    boolean done = t.isDone();
                    return Task.completed(done + " " + await(t));
                }

                /** Every kind of parameter, through first steps that wait once the nesting is deep. */
                @Async
                static Task<String> mixed(int n, long l, double d, boolean b, char c, byte y, short h, float f,
                                          String s, int[] arr, Object o) {
                    if (n == 0) {
                        return Task.completed(l + " " + d + " " + b + " " + c + " " + y + " " + h + " " + f + " " + s
                                + " " + arr.length + " " + o);
                    }
                    String below = await(mixed(n - 1, l + 1, d + 0.5, !b, (char) (c + 1), (byte) (y + 1),
                            (short) (h + 2), f + 1, s, new int[arr.length + 1], o));
                    return Task.completed(below);
                }

                final int step;

                Deep(int step) {
                    this.step = step;
                }

                /** An instance method: the receiver survives a first step that waits. */
                @Async
                Task<Long> sum(int n) {
                    if (n == 0) {
                        return Task.completed(0L);
                    }
                    long below = await(new Deep(step).sum(n - 1));
                    return Task.completed(below + step);
                }

                /** Calls logged() nested n deep, cancels it at once: whether it was still waiting to start, and how it ended. */
                @Async
                static Task<String> cancelBeforeStart(int n, java.util.List<String> log) {
                    if (n == 0) {
                        Task<String> t = logged(log);
                        boolean waiting = !t.isDone();
                        t.cancel();
                        String end;
                        try {
                            end = await(t);
                        } catch (java.util.concurrent.CancellationException e) {
                            end = "cancelled";
                        }
                        return Task.completed(waiting + " " + end);
                    }
                    return Task.completed(await(cancelBeforeStart(n - 1, log)));
                }

                @Async
                static Task<String> logged(java.util.List<String> log) {
                    try {
                        log.add("ran");
                        return Task.completed("ran");
                    } finally {
                        log.add("finally");
                    }
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

    // ------------------------------------------------------------------ deeper than the nesting of first steps

    @Test
    void recursion100000DeepCompletesAtOnceWithoutALoop() {
        Compiled program = AsyncTestSupport.transformed(DEEP);
        Task<?> task = AsyncTestSupport.onFreshThread(
                () -> (Task<?>) program.call("demo.Deep", "recurseAtOnce", 100_000));
        assertTrue(task.isDone(), "the first steps that waited ran when the outermost one ended, on this thread");
        assertEquals(100_000, task.result());
    }

    @Test
    void recursion100000DeepCompletesOnALoop() {
        Compiled program = AsyncTestSupport.transformed(DEEP);
        assertEquals(100_000, (int) program.run("demo.Deep", "recurseAtOnce", 100_000));
        assertEquals(2_000, (int) program.runSuspending("demo.Deep", "recurseSuspending", 2_000));
    }

    /** Contract item 2 below the limit (the body runs at once), a pending task beyond it. */
    @Test
    void firstStepsRunAtOnceUpTo512NestedAndWaitBeyond() {
        Compiled program = AsyncTestSupport.transformed(DEEP);
        // doneAtOnce is one first step, recurseAtOnce(n) nests n + 1 more
        assertEquals("true 510", program.run("demo.Deep", "doneAtOnce", 510));
        assertEquals("false 511", program.run("demo.Deep", "doneAtOnce", 511));
        assertEquals("false 5000", program.run("demo.Deep", "doneAtOnce", 5000));
    }

    @Test
    void everyKindOfParameterAndTheReceiverSurviveAFirstStepThatWaits() {
        Compiled program = AsyncTestSupport.transformed(DEEP);
        int n = 1500;
        String expected = (5L + n) + " " + (0.25 + n * 0.5) + " " + (n % 2 == 0) + " " + (char) ('a' + n) + " "
                + (byte) (3 + n) + " " + (short) (7 + 2 * n) + " " + (1.5f + n) + " s " + (2 + n) + " o";
        assertEquals(expected, program.run("demo.Deep", "mixed", n, 5L, 0.25, true, 'a', (byte) 3, (short) 7, 1.5f,
                "s", new int[2], "o"));
        Object deep = program.newInstance("demo.Deep", 3);
        assertEquals(3L * 1500, (long) AsyncTestSupport.onFreshThread(() -> EventLoop.run(
                () -> AsyncTestSupport.stage(program.invoke(deep, "sum", 1500)))));
    }

    /** Nested 511 deep, logged() is the 513th first step: it waits (a waiting step starts the count again). */
    @Test
    void aFirstStepCancelledWhileWaitingToStartNeverRuns() {
        Compiled program = AsyncTestSupport.transformed(DEEP);
        java.util.List<String> log = new java.util.ArrayList<>();
        assertEquals("true cancelled", program.run("demo.Deep", "cancelBeforeStart", 511, log));
        assertEquals(java.util.List.of(), log, "neither its body nor its finally ran");
        assertEquals("false ran", program.run("demo.Deep", "cancelBeforeStart", 10, log));
        assertEquals(java.util.List.of("ran", "finally"), log, "shallow, it ran at once, before the cancel");
    }
}
