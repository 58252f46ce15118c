package dev.weft.it.library.offloop;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.it.library.LogCapture;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Leaving the loop for blocking work and coming back: toThread and runInExecutor, from @Async code; the default
 * executor (setDefaultExecutor, shutdownDefaultExecutor, and run waiting for it). The traces of the default-executor
 * tests (issue #12) are the output of the Python program in each test's Javadoc, run on CPython 3.13.0 with
 * {@code loop.set_task_factory(asyncio.eager_task_factory)} ({@code new_loop()} makes such a loop).
 */
class RunInExecutorTest {

    @Async
    static Task<List<String>> offAndBack() {
        List<String> threads = new ArrayList<>();
        threads.add(Thread.currentThread().getName());
        String worker = await(Tasks.toThread(() -> Thread.currentThread().getName()));
        threads.add(worker);
        threads.add(Thread.currentThread().getName());
        return Task.completed(threads);
    }

    @Test
    void blockingWorkRunsOnAnotherThreadAndTheTaskResumesOnTheLoop() {
        List<String> threads = EventLoop.run(RunInExecutorTest::offAndBack);
        assertNotEquals(threads.get(0), threads.get(1), "the work ran on another thread");
        assertTrue(threads.get(1).startsWith("weft-executor-"), threads.get(1));
        assertEquals(threads.get(0), threads.get(2), "the task came back to the loop thread");
    }

    static final IllegalArgumentException BOOM = new IllegalArgumentException("boom");

    @Async
    static Task<String> failingWork() {
        try {
            await(Tasks.toThread(() -> {
                throw BOOM;
            }));
            return Task.completed("not reached");
        } catch (IllegalArgumentException e) {
            return Task.completed(e == BOOM ? "original exception" : "a wrapper: " + e);
        }
    }

    @Test
    void anExceptionOfTheWorkArrivesAsItselfAtTheAwait() {
        assertEquals("original exception", EventLoop.run(RunInExecutorTest::failingWork));
    }

    @Async
    static Task<String> cancelWhileWorking(CountDownLatch started, CountDownLatch interrupted) {
        Future<String> work = Tasks.toThread(() -> {
            started.countDown();
            try {
                Thread.sleep(60_000);
                return "slept";
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
        });
        Task<String> waiter = waitFor(work);
        await(Tasks.toThread(() -> {
            started.await();
            return null;
        }));
        waiter.cancel();
        try {
            await(waiter);
            return Task.completed("not cancelled");
        } catch (CancellationException e) {
            return Task.completed("cancelled: " + work.isCancelled());
        }
    }

    @Async
    static Task<String> waitFor(Future<String> work) {
        return Task.completed(await(work));
    }

    @Test
    void cancellingTheAwaitingTaskInterruptsTheWork() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        assertEquals("cancelled: true", EventLoop.run(() -> cancelWhileWorking(started, interrupted)));
        assertTrue(interrupted.await(5, TimeUnit.SECONDS), "the blocked work was interrupted");
    }

    @Async
    static Task<Integer> onGivenExecutor(ExecutorService pool) {
        int a = await(EventLoop.running().runInExecutor(pool, () -> 20));
        int b = await(EventLoop.running().runInExecutor(pool, () -> 22));
        return Task.completed(a + b);
    }

    @Test
    void workCanRunOnAnExecutorOfOnesOwn() {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            assertEquals(42, (int) EventLoop.run(() -> onGivenExecutor(pool)));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void withoutALoopToThreadStillRunsTheWorkElsewhere() throws Exception {
        String caller = Thread.currentThread().getName();
        String worker = Tasks.toThread(() -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS);
        assertNotEquals(caller, worker);
        Future<String> failing = Tasks.toThread(() -> {
            throw BOOM;
        });
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> failing.get(5, TimeUnit.SECONDS));
        assertSame(BOOM, e.getCause());
    }

    @Test
    void aClosedLoopTakesNoMoreWork() {
        EventLoop loop = new EventLoop();
        loop.close();
        assertThrows(IllegalStateException.class, () -> loop.runInExecutor(() -> 1));
    }

    // ------------------------------------------------------------------------------------------ default executor

    /** A pool whose threads are named {@code prefix-N}. */
    static ExecutorService namedPool(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return Executors.newCachedThreadPool(r -> new Thread(r, prefix + "-" + n.incrementAndGet()));
    }

    static String threadPrefix() {
        return Thread.currentThread().getName().split("-")[0];
    }

    @Async
    static Task<List<String>> setTwoDefaults(ExecutorService a, ExecutorService b) {
        List<String> log = new ArrayList<>();
        EventLoop loop = EventLoop.running();
        loop.setDefaultExecutor(a);
        log.add(await(loop.runInExecutor(RunInExecutorTest::threadPrefix)));
        loop.setDefaultExecutor(b);
        log.add(await(loop.runInExecutor(RunInExecutorTest::threadPrefix)));
        log.add("a shut down: " + a.isShutdown());
        return Task.completed(log);
    }

    /**
     * The default executor can be set; as in asyncio, the one it replaces is not shut down, and the loop shuts
     * down the one it has when it ends. Python 3.13:
     * <pre>
     * def thread_prefix():
     *     return threading.current_thread().name.split("_")[0]
     *
     * a = ThreadPoolExecutor(thread_name_prefix="a")
     * b = ThreadPoolExecutor(thread_name_prefix="b")
     * async def main():
     *     loop = asyncio.get_running_loop()
     *     loop.set_default_executor(a)
     *     log.append(await loop.run_in_executor(None, thread_prefix))
     *     loop.set_default_executor(b)
     *     log.append(await loop.run_in_executor(None, thread_prefix))
     *     log.append(f"a shut down: {a._shutdown}")
     * asyncio.run(main(), loop_factory=new_loop)
     * log.append(f"after run: a shut down: {a._shutdown}, b shut down: {b._shutdown}")
     * </pre>
     * gives {@code ['a', 'b', 'a shut down: False', 'after run: a shut down: False, b shut down: True']}.
     */
    @Test
    @Timeout(10)
    void setDefaultExecutorReplacesTheDefaultWithoutShuttingTheOldOneDown() {
        ExecutorService a = namedPool("a");
        ExecutorService b = namedPool("b");
        try {
            List<String> log = new ArrayList<>(EventLoop.run(() -> setTwoDefaults(a, b)));
            log.add("after run: a shut down: " + a.isShutdown() + ", b shut down: " + b.isShutdown());
            assertEquals(List.of("a", "b", "a shut down: false", "after run: a shut down: false, b shut down: true"),
                    log);
        } finally {
            a.shutdownNow();
            b.shutdownNow();
        }
    }

    @Async
    static Task<List<String>> shutdownWhileWorkRuns() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        EventLoop loop = EventLoop.running();
        CountDownLatch release = new CountDownLatch(1);
        Future<Object> work = loop.runInExecutor(() -> {
            release.await(5, TimeUnit.SECONDS);
            log.add("job done");
            return null;
        });
        Future<Void> shutdown = loop.shutdownDefaultExecutor();
        log.add("the loop still runs");
        release.countDown();
        await(shutdown);
        log.add("shutdown done");
        await(work);
        try {
            loop.runInExecutor(RunInExecutorTest::threadPrefix);
        } catch (IllegalStateException e) {
            log.add("IllegalStateException: " + e.getMessage().contains("has been shut down"));
        }
        try {
            Tasks.toThread(RunInExecutorTest::threadPrefix);
        } catch (IllegalStateException e) {
            log.add("toThread too: " + e.getMessage().contains("has been shut down"));
        }
        ExecutorService mine = Executors.newSingleThreadExecutor();
        try {
            log.add("own executor: " + await(loop.runInExecutor(mine, () -> "still works")));
        } finally {
            mine.shutdown();
        }
        return Task.completed(log);
    }

    /**
     * {@code shutdownDefaultExecutor} waits for the work on a thread of its own, so the loop goes on (the work
     * here waits for the loop); afterwards the default executor takes no more work. Python 3.13:
     * <pre>
     * async def main():
     *     loop = asyncio.get_running_loop()
     *     release = threading.Event()
     *     def job():
     *         release.wait(5)
     *         log.append("job done")
     *     work = loop.run_in_executor(None, job)
     *     shutdown = asyncio.ensure_future(loop.shutdown_default_executor())
     *     log.append("the loop still runs")
     *     release.set()
     *     await shutdown
     *     log.append("shutdown done")
     *     await work
     *     try:
     *         loop.run_in_executor(None, thread_prefix)
     *     except RuntimeError as e:
     *         log.append(f"RuntimeError: {e}")
     *     with ThreadPoolExecutor() as mine:
     *         log.append(f"own executor: {await loop.run_in_executor(mine, lambda: 'still works')}")
     * </pre>
     * gives {@code ['the loop still runs', 'job done', 'shutdown done', 'RuntimeError: Executor shutdown has been
     * called', 'own executor: still works']} ({@code to_thread} runs on the default executor, so it fails the same
     * way).
     */
    @Test
    @Timeout(10)
    void shutdownDefaultExecutorWaitsOffTheLoopAndThenRefusesWork() {
        assertEquals(List.of("the loop still runs", "job done", "shutdown done", "IllegalStateException: true",
                        "toThread too: true", "own executor: still works"),
                EventLoop.run(() -> shutdownWhileWorkRuns()));
    }

    @Async
    static Task<List<String>> shutdownTimesOut(CountDownLatch release, LogCapture logs) {
        List<String> log = new ArrayList<>();
        EventLoop loop = EventLoop.running();
        loop.runInExecutor(() -> release.await(5, TimeUnit.SECONDS));
        await(loop.shutdownDefaultExecutor(Duration.ofMillis(50)));
        for (java.util.logging.LogRecord r : logs.containing("did not finish joining its threads")) {
            String message = r.getMessage().replaceFirst(" \\(the default executor of EventLoop@.*\\)$", "");
            log.add(r.getLevel() + ": " + message);
        }
        log.add("shutdown done");
        release.countDown();
        return Task.completed(log);
    }

    /**
     * Work that outlasts the timeout: a warning (asyncio's RuntimeWarning, here a WARNING of System.Logger
     * "dev.weft.runtime"), and the future completes all the same. Python 3.13:
     * <pre>
     * release = threading.Event()
     * async def main():
     *     loop = asyncio.get_running_loop()
     *     loop.run_in_executor(None, lambda: release.wait(5))
     *     with warnings.catch_warnings(record=True) as caught:
     *         warnings.simplefilter("always")
     *         await loop.shutdown_default_executor(timeout=0.05)
     *     for w in caught:
     *         log.append(f"{w.category.__name__}: {w.message}")
     *     log.append("shutdown done")
     *     release.set()
     * </pre>
     * gives {@code ['RuntimeWarning: The executor did not finishing joining its threads within 0.05 seconds.',
     * 'shutdown done']} (the grammar mended in Weft's message).
     */
    @Test
    @Timeout(10)
    void workOutlastingTheTimeoutIsWarnedAboutAndNotWaitedFor() {
        CountDownLatch release = new CountDownLatch(1);
        try (LogCapture logs = new LogCapture()) {
            assertEquals(List.of("WARNING: The executor did not finish joining its threads within 0.05 seconds",
                            "shutdown done"),
                    EventLoop.run(() -> shutdownTimesOut(release, logs)));
        } finally {
            release.countDown();
        }
    }

    @Async
    static Task<String> leavesWorkRunning(List<String> log) {
        EventLoop.running().runInExecutor(() -> {
            Thread.sleep(100);
            log.add("job finished");
            return null;
        });
        return Task.completed("main done");
    }

    /**
     * {@code run} waits for the default executor's work before it returns, as {@code asyncio.run} does (with
     * {@code shutdown_default_executor(300)}). Python 3.13:
     * <pre>
     * async def main():
     *     loop = asyncio.get_running_loop()
     *     def job():
     *         time.sleep(0.1)
     *         log.append("job finished")
     *     loop.run_in_executor(None, job)
     *     return "main done"
     * log.append(asyncio.run(main(), loop_factory=new_loop))
     * log.append("run returned")
     * </pre>
     * gives {@code ['job finished', 'main done', 'run returned']}.
     */
    @Test
    @Timeout(10)
    void runWaitsForTheDefaultExecutorsWork() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        log.add(EventLoop.run(() -> leavesWorkRunning(log)));
        log.add("run returned");
        assertEquals(List.of("job finished", "main done", "run returned"), log);
    }

    /** {@code close()} shuts the default executor down without waiting, as asyncio's {@code close()}. */
    @Test
    @Timeout(10)
    void closeDoesNotWaitForTheDefaultExecutor() throws Exception {
        EventLoop loop = new EventLoop();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        loop.runInExecutor(() -> {
            release.await(5, TimeUnit.SECONDS);
            finished.countDown();
            return null;
        });
        loop.close();
        assertEquals(1, finished.getCount(), "close returned while the work still ran");
        release.countDown();
        assertTrue(finished.await(5, TimeUnit.SECONDS), "the work went on to its end");
        assertThrows(IllegalStateException.class, () -> loop.shutdownDefaultExecutor());
    }
}
