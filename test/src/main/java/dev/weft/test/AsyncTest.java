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
        TestLoop alone = new TestLoop(true, false, true);
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
