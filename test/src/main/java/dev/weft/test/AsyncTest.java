package dev.weft.test;

import dev.weft.runtime.EventLoop;
import dev.weft.runtime.VirtualClock;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Runs a test's async body: {@link #runTest} is to a test what {@link EventLoop#run} is to a program, with the
 * checks a test wants (kotlinx-coroutines-test's {@code runTest}). In a test run by {@link WeftExtension} ({@link
 * WeftTest @WeftTest}) the body runs on that test's loop, which its {@code @BeforeEach} and {@code @AfterEach}
 * methods share; elsewhere on a fresh loop in virtual time, closed when the body is done.
 *
 * <pre>{@code
 * import static dev.weft.runtime.Await.await;
 * import static dev.weft.test.AsyncTest.runTest;
 *
 * @WeftTest
 * class CacheTest {
 *     @Test
 *     void entryExpiresAfterTenMinutes(VirtualClock clock) {
 *         runTest(() -> {                                   // an async lambda, rewritten as an @Async method
 *             Cache cache = new Cache(Duration.ofMinutes(10));
 *             await(cache.put("k", "v"));
 *             await(clock.advanceBy(Duration.ofMinutes(10)));
 *             assertNull(await(cache.get("k")));
 *             return Task.completed(null);
 *         });
 *     }
 * }
 * }</pre>
 *
 * Why a lambda and not a test method returning a Task: JUnit Jupiter runs only {@code void} test and lifecycle
 * methods (one returning a value "must not return a value. It will not be executed"); the body is the test's
 * {@code @Async} code, its test method a one-line {@code void} wrapper.
 */
public final class AsyncTest {
    private AsyncTest() {
    }

    /**
     * Runs {@code body} on the test's loop, as {@link EventLoop#run} runs its main: {@code body} is called on the
     * loop's thread while it runs, usually calls an {@code @Async} method (or is an async lambda), and may return a
     * Task, a CompletableFuture or any CompletionStage; the loop runs until that is done. Then:
     * <ul>
     *   <li>its result is returned, or its exception thrown: the original one, as the failed task had it (never a
     *       CompletionException or ExecutionException);</li>
     *   <li>in a test method, a task the body started and left pending fails the test, named with where it waits and
     *       where it was created, and is cancelled (unless {@code @WeftTest(allowPendingTasks = true)}); a task left
     *       pending by {@code @BeforeEach} lives on into the test, and must be done when the test ends;</li>
     *   <li>an exception the loop reported (a callback that threw) fails the test. A failure nobody retrieved is
     *       reported when the loop closes: at the end of the test, after the {@code @AfterEach} methods (or at the
     *       end of this call, outside the extension).</li>
     * </ul>
     * Other failures are added to the body's exception as suppressed ones.
     *
     * @throws IllegalStateException when called while a loop is running on this thread, or after the test's loop has
     *     been closed
     */
    public static <T> T runTest(Supplier<? extends CompletionStage<T>> body) {
        Objects.requireNonNull(body, "body");
        TestLoop current = TestLoop.CURRENT.get();
        if (current != null) {
            return current.run(body);
        }
        return runAlone(new TestLoop(true, false, true), body);
    }

    /** {@link #runTest} on a loop of its own, which is finished (checked and closed) at the end. */
    private static <T> T runAlone(TestLoop alone, Supplier<? extends CompletionStage<T>> body) {
        alone.inTestMethod = true;
        T value;
        try {
            value = alone.run(body);
        } catch (Throwable e) {
            try {
                alone.finish();
            } catch (Throwable more) {
                e.addSuppressed(more);
            }
            throw sneaky(e);
        }
        alone.finish();
        return value;
    }

    /**
     * Runs {@code body} {@code runs} times, each on a fresh loop {@linkplain EventLoop#exploringSchedules exploring
     * schedules} with the seeds 0, 1, ... {@code runs - 1}: the order in which completions of work done on other
     * threads (and other threads' {@code callSoonThreadsafe} calls) are taken in, and the order of channels found
     * ready together, is the seed's. Each run is checked as {@link #runTest} checks one (outside the extension: its
     * own loop, in virtual time and debug mode, no task left pending). The first run that fails stops the
     * exploration with an AssertionError naming its seed, its failure as the cause; {@link #replay} runs that seed
     * again, in the same order.
     *
     * <pre>{@code
     * @Test
     * void repliesStayInRequestOrder() {
     *     explore(100, () -> client.sendBothAndCollect());   // fails: "... with schedule seed 7 ..."
     * }
     * @Test
     * void repliesStayInRequestOrderSeed7() {
     *     replay(7, () -> client.sendBothAndCollect());      // the same order, every time
     * }
     * }</pre>
     *
     * @return the result of the last run
     */
    public static <T> T explore(int runs, Supplier<? extends CompletionStage<T>> body) {
        Objects.requireNonNull(body, "body");
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be at least 1: " + runs);
        }
        T last = null;
        for (long seed = 0; seed < runs; seed++) {
            try {
                last = replay(seed, body);
            } catch (Throwable e) {
                throw new AssertionError("Failed with schedule seed " + seed + " (run " + (seed + 1) + " of " + runs
                        + "); replay it with AsyncTest.replay(" + seed + "L, body): " + e, e);
            }
        }
        return last;
    }

    /**
     * One run of {@link #explore}: {@code body} as {@link #runTest} runs it outside the extension, on a fresh loop
     * exploring schedules with {@code seed}, so a failing seed found by {@code explore} fails again, in the same
     * order. Its exception is the body's own.
     */
    public static <T> T replay(long seed, Supplier<? extends CompletionStage<T>> body) {
        Objects.requireNonNull(body, "body");
        return runAlone(new TestLoop(EventLoop.exploringSchedules(seed), false, true), body);
    }

    /**
     * The loop of the test running on this thread (made by {@link WeftExtension}), not running between the calls of
     * {@link #runTest}; tests may also have it injected as a parameter.
     *
     * @throws IllegalStateException outside a test run by {@link WeftExtension}
     */
    public static EventLoop loop() {
        TestLoop current = TestLoop.CURRENT.get();
        if (current == null) {
            throw new IllegalStateException("No Weft test runs on thread '" + Thread.currentThread().getName()
                    + "': annotate the test class with @WeftTest (or @ExtendWith(WeftExtension.class))");
        }
        return current.loop;
    }

    /**
     * The virtual clock of the test's loop: {@code clock().now()} reads it, {@code await(clock().advanceBy(d))}
     * moves it.
     *
     * @throws IllegalStateException outside a test run by {@link WeftExtension}, or in one in real time
     */
    public static VirtualClock clock() {
        return loop().virtualClock();
    }

    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
        throw (E) e;
    }
}
