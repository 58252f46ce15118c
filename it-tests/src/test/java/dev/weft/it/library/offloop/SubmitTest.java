package dev.weft.it.library.offloop;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code EventLoop.submit}, asyncio's {@code run_coroutine_threadsafe} (issue #12). Each expected trace is the output
 * of the Python program in the test's Javadoc, run on CPython 3.13.0 with
 * {@code loop.set_task_factory(asyncio.eager_task_factory)} (the loops made by {@code new_loop()}); where Weft
 * differs on purpose, the Javadoc says so and why. In the programs, {@code threading} stands for Java's threads and
 * {@code asyncio.wrap_future(fut)} for awaiting the CompletableFuture.
 */
class SubmitTest {

    @Async
    static Task<Integer> addLater(int a, int b, List<String> log, Thread loopThread) {
        log.add("called on the loop thread: " + (Thread.currentThread() == loopThread));
        await(Tasks.sleep(Duration.ofMillis(10)));
        log.add("add resumed");
        return Task.completed(a + b);
    }

    @Async
    static Task<List<String>> fromAPlainThread() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        EventLoop loop = EventLoop.running();
        Thread me = Thread.currentThread();
        Task<?>[] inTask = new Task<?>[1];
        Thread worker = new Thread(() -> {
            CompletableFuture<Integer> f = loop.submit(() -> {
                inTask[0] = Task.current();
                return addLater(1, 2, log, me);
            });
            try {
                log.add("result " + f.get(5, TimeUnit.SECONDS));
            } catch (Exception e) {
                log.add("failed: " + e);
            }
        });
        worker.start();
        await(Tasks.toThread(() -> {
            worker.join();
            return null;
        }));
        assertTrue(inTask[0] != null, "the call ran in a task");
        return Task.completed(log);
    }

    /**
     * Python 3.13:
     * <pre>
     * async def add_later(a, b, log, loop_thread):
     *     log.append(f"called on the loop thread: {threading.current_thread() is loop_thread}")
     *     await asyncio.sleep(0.01)
     *     log.append("add resumed")
     *     return a + b
     *
     * async def from_plain_thread():
     *     log = []
     *     loop = asyncio.get_running_loop()
     *     me = threading.current_thread()
     *     def worker():
     *         fut = asyncio.run_coroutine_threadsafe(add_later(1, 2, log, me), loop)
     *         log.append(f"result {fut.result(timeout=5)}")
     *     t = threading.Thread(target=worker); t.start()
     *     await asyncio.to_thread(t.join)
     *     return log
     * </pre>
     * gives {@code ['called on the loop thread: True', 'add resumed', 'result 3']}.
     */
    @Test
    @Timeout(10)
    void fromAPlainThreadTheCallRunsOnTheLoopInATaskAndItsResultComesBack() {
        assertEquals(List.of("called on the loop thread: true", "add resumed", "result 3"),
                EventLoop.run(() -> fromAPlainThread()));
    }

    @Async
    static Task<String> otherLoopMain(EventLoop target, List<String> log, Thread targetThread) {
        int r = await(target.submit(() -> addLater(20, 22, log, targetThread)));
        log.add("other loop got " + r);
        return Task.completed("done");
    }

    @Async
    static Task<List<String>> fromAnotherLoop() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        EventLoop target = EventLoop.running();
        Thread me = Thread.currentThread();
        Thread other = new Thread(() -> EventLoop.run(() -> otherLoopMain(target, log, me)));
        other.start();
        await(Tasks.toThread(() -> {
            other.join();
            return null;
        }));
        return Task.completed(log);
    }

    /**
     * A task of another loop awaits the CompletableFuture. Python 3.13:
     * <pre>
     * async def from_another_loop():
     *     log = []
     *     target = asyncio.get_running_loop()
     *     me = threading.current_thread()
     *     async def other():
     *         r = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(add_later(20, 22, log, me), target))
     *         log.append(f"other loop got {r}")
     *     def other_thread():
     *         l = new_loop(); l.run_until_complete(other()); l.close()
     *     t = threading.Thread(target=other_thread); t.start()
     *     await asyncio.to_thread(t.join)
     *     return log
     * </pre>
     * gives {@code ['called on the loop thread: True', 'add resumed', 'other loop got 42']}.
     */
    @Test
    @Timeout(10)
    void aTaskOfAnotherLoopCanAwaitTheResult() {
        assertEquals(List.of("called on the loop thread: true", "add resumed", "other loop got 42"),
                EventLoop.run(() -> fromAnotherLoop()));
    }

    @Async
    static Task<String> sleeper(CountDownLatch started, CountDownLatch sawCancel) {
        started.countDown();
        try {
            await(Tasks.sleep(Duration.ofHours(1)));
        } catch (CancellationException e) {
            sawCancel.countDown();
            throw e;
        }
        return Task.completed("never");
    }

    @Async
    static Task<List<String>> startedThenCancelled() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        EventLoop loop = EventLoop.running();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch sawCancel = new CountDownLatch(1);
        Thread worker = new Thread(() -> {
            CompletableFuture<String> f = loop.submit(() -> sleeper(started, sawCancel));
            try {
                started.await(5, TimeUnit.SECONDS);
                log.add("cancel: " + f.cancel(true));
                log.add("cancelled: " + f.isCancelled());
                log.add("the task saw the cancellation: " + sawCancel.await(5, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                log.add("interrupted");
            }
        });
        worker.start();
        await(Tasks.toThread(() -> {
            worker.join();
            return null;
        }));
        return Task.completed(log);
    }

    /**
     * Cancelling the CompletableFuture while the task runs cancels the task: a CancellationException is thrown in
     * at its await. Python 3.13:
     * <pre>
     * async def started_then_cancelled():
     *     log = []
     *     loop = asyncio.get_running_loop()
     *     started, saw_cancel = threading.Event(), threading.Event()
     *     async def sleeper():
     *         started.set()
     *         try:
     *             await asyncio.sleep(3600)
     *         except asyncio.CancelledError:
     *             saw_cancel.set()
     *             raise
     *     def worker():
     *         fut = asyncio.run_coroutine_threadsafe(sleeper(), loop)
     *         started.wait(5)
     *         log.append(f"cancel: {fut.cancel()}")
     *         log.append(f"cancelled: {fut.cancelled()}")
     *         log.append(f"the task saw the cancellation: {saw_cancel.wait(5)}")
     *     t = threading.Thread(target=worker); t.start()
     *     await asyncio.to_thread(t.join)
     *     return log
     * </pre>
     * gives {@code ['cancel: True', 'cancelled: True', 'the task saw the cancellation: True']}.
     */
    @Test
    @Timeout(10)
    void cancellingTheFutureWhileTheTaskRunsCancelsTheTask() {
        assertEquals(List.of("cancel: true", "cancelled: true", "the task saw the cancellation: true"),
                EventLoop.run(() -> startedThenCancelled()));
    }

    @Async
    static Task<Void> body(List<String> log) {
        log.add("body ran");
        await(Tasks.sleep(Duration.ZERO));
        log.add("body resumed");
        return Task.completed(null);
    }

    /**
     * Cancelled before the loop runs it, the call is never made. Here Weft differs from asyncio on purpose:
     * asyncio makes the task anyway and passes the cancellation on through {@code call_soon_threadsafe}, so the
     * coroutine starts, and with the eager task factory, having nothing that waits long, even finishes:
     * <pre>
     * log = []
     * loop = new_loop()
     * async def body():
     *     log.append("body ran")
     *     await asyncio.sleep(0)
     *     log.append("body resumed")
     * fut = asyncio.run_coroutine_threadsafe(body(), loop)   # the loop is not running yet
     * log.append(f"cancel: {fut.cancel()}")
     * loop.run_until_complete(asyncio.sleep(0.01))
     * log.append(f"cancelled: {fut.cancelled()}")
     * </pre>
     * gives {@code ['cancel: True', 'body ran', 'body resumed', 'cancelled: True']} (with the default task
     * factory, {@code ['cancel: True', 'body ran', 'cancelled: True']}). Weft gives {@code cancel: true,
     * cancelled: true}: as with {@code ExecutorService.submit}, work cancelled before it starts does not start.
     */
    @Test
    @Timeout(10)
    void cancelledBeforeTheLoopRunsItTheCallIsNeverMade() {
        List<String> log = new ArrayList<>();
        EventLoop loop = new EventLoop();
        try {
            CompletableFuture<Void> f = loop.submit(() -> body(log));
            log.add("cancel: " + f.cancel(true));
            Future<Void> later = new Future<>(loop);
            loop.callLater(Duration.ofMillis(10), () -> later.complete(null));
            loop.runUntilComplete(later);
            log.add("cancelled: " + f.isCancelled());
            assertEquals(List.of(), loop.pendingTasks());
        } finally {
            loop.close();
        }
        assertEquals(List.of("cancel: true", "cancelled: true"), log);
    }

    static final IllegalArgumentException BOOM = new IllegalArgumentException("boom");

    @Async
    static Task<String> failing() {
        await(Tasks.sleep(Duration.ZERO));
        throw BOOM;
    }

    /**
     * The task's failure completes the CompletableFuture with the original exception. Python 3.13:
     * <pre>
     * loop = new_loop()
     * boom = ValueError("boom")
     * async def failing():
     *     await asyncio.sleep(0)
     *     raise boom
     * threading.Thread(target=loop.run_forever).start()
     * fut = asyncio.run_coroutine_threadsafe(failing(), loop)
     * try:
     *     fut.result(timeout=5)
     * except ValueError as e:
     *     log.append(f"the original exception: {e is boom}")
     * </pre>
     * gives {@code ['the original exception: True']}; Java's {@code get()} puts it in an ExecutionException,
     * {@code join()} in a CompletionException, and {@code await} throws it as is.
     */
    @Test
    @Timeout(10)
    void aFailureOfTheTaskCompletesTheFutureWithTheOriginalException() throws Exception {
        EventLoop loop = new EventLoop();
        Thread runner = new Thread(loop::runForever, "submit-test-loop");
        runner.start();
        try {
            CompletableFuture<String> f = loop.submit(() -> failing());
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
            assertSame(BOOM, e.getCause());
            CompletionException c = assertThrows(CompletionException.class, f::join);
            assertSame(BOOM, c.getCause());
            assertFalse(f.isCancelled());
            CompletableFuture<String> thrown = loop.submit(() -> {
                throw BOOM;
            });
            assertSame(BOOM, assertThrows(ExecutionException.class, () -> thrown.get(5, TimeUnit.SECONDS)).getCause());
        } finally {
            loop.stop();
            runner.join(5_000);
            loop.close();
        }
    }

    @Async
    static Task<Integer> add(int a, int b) {
        await(Tasks.sleep(Duration.ZERO));
        return Task.completed(a + b);
    }

    @Async
    static Task<Integer> onTheLoopThread() {
        EventLoop loop = EventLoop.running();
        return Task.completed(await(loop.submit(() -> add(40, 2))));
    }

    /**
     * On the loop's own thread it works too, as in asyncio (the call runs on a later turn; awaited, not blocked
     * on). Python 3.13:
     * <pre>
     * async def on_the_loop_thread():
     *     loop = asyncio.get_running_loop()
     *     async def add(a, b):
     *         await asyncio.sleep(0)
     *         return a + b
     *     return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(add(40, 2), loop))
     * </pre>
     * gives {@code 42}.
     */
    @Test
    @Timeout(10)
    void onTheLoopThreadItWorksWhenAwaited() {
        assertEquals(42, EventLoop.run(() -> onTheLoopThread()));
    }

    @Async
    static Task<String> forever() {
        await(Tasks.sleep(Duration.ofHours(1)));
        return Task.completed("never");
    }

    @Async
    static Task<String> leavesASubmittedTaskPending(List<CompletableFuture<String>> futures) {
        futures.add(EventLoop.running().submit(() -> forever()));
        await(Tasks.sleep(Duration.ZERO));
        await(Tasks.sleep(Duration.ZERO));
        return Task.completed("main done");
    }

    /**
     * A submitted task is a task of the loop: {@code run} cancels it at the end with the others, and the
     * CompletableFuture is cancelled. Python 3.13:
     * <pre>
     * async def left_pending():
     *     loop = asyncio.get_running_loop()
     *     async def forever():
     *         await asyncio.sleep(3600)
     *     futs.append(asyncio.run_coroutine_threadsafe(forever(), loop))
     *     await asyncio.sleep(0)
     *     await asyncio.sleep(0)
     *     return "main done"
     * </pre>
     * gives {@code main done}, and then {@code futs[0].cancelled()} is {@code True}.
     */
    @Test
    @Timeout(10)
    void runCancelsASubmittedTaskLeftPendingAndTheFutureIsCancelled() {
        List<CompletableFuture<String>> futures = new ArrayList<>();
        assertEquals("main done", EventLoop.run(() -> leavesASubmittedTaskPending(futures)));
        assertTrue(futures.get(0).isCancelled());
    }

    /**
     * A closed loop refuses the call, as asyncio's {@code run_coroutine_threadsafe} raises "Event loop is closed".
     * A loop closed after the call was handed over, before it ran or while its task is pending, fails the
     * CompletableFuture with an IllegalStateException. Here Weft differs from asyncio on purpose: there the future
     * never completes, and a thread blocked on it waits for ever:
     * <pre>
     * loop = new_loop(); loop.close()
     * asyncio.run_coroutine_threadsafe(body(), loop)   # RuntimeError: Event loop is closed
     * loop2 = new_loop()
     * fut = asyncio.run_coroutine_threadsafe(body(), loop2)
     * loop2.close()
     * fut.result(timeout=0.5)                          # concurrent.futures.TimeoutError
     * </pre>
     */
    @Test
    @Timeout(10)
    void aClosedLoopFailsTheCallClearly() {
        EventLoop closed = new EventLoop();
        closed.close();
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> closed.submit(() -> add(1, 2)));
        assertEquals("Event loop is closed", refused.getMessage());

        EventLoop notRun = new EventLoop();
        CompletableFuture<Integer> never = notRun.submit(() -> add(1, 2));
        notRun.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> never.get(5, TimeUnit.SECONDS));
        IllegalStateException cause = assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(cause.getMessage().contains("was closed before the call submitted to it ran"), cause.getMessage());

        EventLoop stopped = new EventLoop();
        CompletableFuture<String> pending = stopped.submit(() -> forever());
        Future<Void> started = new Future<>(stopped);
        stopped.callLater(Duration.ofMillis(5), () -> started.complete(null));
        stopped.runUntilComplete(started);
        assertFalse(pending.isDone());
        stopped.close();
        e = assertThrows(ExecutionException.class, () -> pending.get(5, TimeUnit.SECONDS));
        cause = assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(cause.getMessage().contains("was closed while the task of a call submitted to it was pending"),
                cause.getMessage());
    }
}
