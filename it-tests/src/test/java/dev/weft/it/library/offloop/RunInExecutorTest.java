package dev.weft.it.library.offloop;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Leaving the loop for blocking work and coming back: toThread and runInExecutor, from @Async code. */
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
}
