package dev.weft.it.library.compose;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Futures;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/** Futures.gather, as asyncio.gather. */
class GatherTest {

    @Async
    static Task<List<String>> gatherInOrder() {
        List<String> r = await(Futures.gather(Steps.after(3, "a"), Steps.after(1, "b"), Steps.after(2, "c")));
        return Task.completed(r);
    }

    @Test
    void gatherReturnsResultsInArgumentOrderNotCompletionOrder() {
        assertEquals(List.of("a", "b", "c"), EventLoop.run(() -> gatherInOrder()));
    }

    @Test
    void gatherOfNoFuturesIsAnEmptyList() {
        assertEquals(List.of(), EventLoop.run(() -> Futures.<String>gather(List.of())));
    }

    @Async
    static Task<String> gatherFirstFailure() {
        Task<String> slow = Steps.after(5, "slow");
        Task<String> boom = Steps.failAfter(1, "boom");
        Task<String> later = Steps.failAfter(2, "later");
        try {
            await(Futures.gather(slow, boom, later));
            fail("gather did not fail");
        } catch (IllegalStateException e) {
            assertEquals("boom", e.getMessage());
        }
        assertFalse(slow.isDone(), "the others keep running");
        assertEquals("slow", await(slow));
        return Task.completed("ok");
    }

    @Test
    void gatherFailsWithTheFirstExceptionAndLeavesTheOthersRunning() {
        assertEquals("ok", EventLoop.run(() -> gatherFirstFailure()));
    }

    @Async
    static Task<List<Object>> gatherReturningExceptions() {
        Future<String> cancelled = new Future<>();
        cancelled.cancel();
        List<Object> r = await(Futures.gather(List.of(Steps.after(2, "a"), Steps.failAfter(1, "boom"), cancelled), true));
        return Task.completed(r);
    }

    @Test
    void gatherWithReturnExceptionsPutsTheExceptionsInTheList() {
        List<Object> r = EventLoop.run(() -> gatherReturningExceptions());
        assertEquals(3, r.size());
        assertEquals("a", r.get(0));
        assertInstanceOf(IllegalStateException.class, r.get(1));
        assertEquals("boom", ((Throwable) r.get(1)).getMessage());
        assertInstanceOf(CancellationException.class, r.get(2));
    }

    @Async
    static Task<List<String>> cancelGather() {
        List<String> log = new ArrayList<>();
        Task<String> done = Steps.after(0, "done");
        Task<String> a = Steps.forever(log, "a");
        Task<String> b = Steps.forever(log, "b");
        Future<List<String>> g = Futures.gather(done, a, b);
        await(Tasks.sleep(Duration.ZERO));
        assertTrue(g.cancel());
        try {
            await(g);
            fail("gather not cancelled");
        } catch (CancellationException e) {
            log.add("gather cancelled");
        }
        assertFalse(g.isCancelled(), "as asyncio 3.13, a gather fails with the CancellationException");
        assertInstanceOf(CancellationException.class, g.exception());
        assertTrue(a.isCancelled());
        assertTrue(b.isCancelled());
        return Task.completed(log);
    }

    @Test
    void cancellingTheGatherCancelsTheChildren() {
        assertEquals(List.of("a cancelled", "b cancelled", "gather cancelled"), EventLoop.run(() -> cancelGather()));
    }

    @Async
    static Task<String> awaitGather(List<String> log, Task<String> a, Task<String> b) {
        try {
            await(Futures.gather(a, b));
        } catch (CancellationException e) {
            log.add("awaiter cancelled");
            throw e;
        }
        return Task.completed("unreachable");
    }

    @Async
    static Task<List<String>> cancelTaskAwaitingGather() {
        List<String> log = new ArrayList<>();
        Task<String> a = Steps.forever(log, "a");
        Task<String> b = Steps.forever(log, "b");
        Task<String> t = awaitGather(log, a, b);
        await(Tasks.sleep(Duration.ZERO));
        t.cancel();
        try {
            await(t);
        } catch (CancellationException e) {
            log.add("task cancelled: " + t.isCancelled());
        }
        assertTrue(a.isCancelled() && b.isCancelled());
        return Task.completed(log);
    }

    @Test
    void cancellingTheTaskThatAwaitsTheGatherCancelsTheChildren() {
        assertEquals(List.of("a cancelled", "b cancelled", "awaiter cancelled", "task cancelled: true"),
                EventLoop.run(() -> cancelTaskAwaitingGather()));
    }
    @Async
    static Task<List<String>> childCancelled() {
        List<String> log = new ArrayList<>();
        Task<String> a = Steps.forever(log, "a");
        Task<String> b = Steps.forever(log, "b");
        Future<List<String>> g = Futures.gather(a, b);
        await(Tasks.sleep(Duration.ZERO));
        a.cancel();
        try {
            await(g);
        } catch (CancellationException e) {
            log.add("awaiter got CancellationException");
        }
        log.add("gather cancelled " + g.isCancelled());
        log.add("gather failed with CancellationException " + (g.exception() instanceof CancellationException));
        log.add("b done " + b.isDone());
        log.add("awaiter cancelling " + ((Task<?>) Task.current()).cancelling());
        b.cancel();
        try {
            await(b);
        } catch (CancellationException e) {
            // expected
        }
        return Task.completed(log);
    }

    /**
     * A cancelled child fails the gather with the child's CancellationException: the gather is not cancelled, and
     * the task awaiting it gets the exception without being cancelled itself (issue #12, item 6). Python 3.13,
     * under {@code asyncio.eager_task_factory}:
     * <pre>
     * async def forever(log, name):
     *     try: await asyncio.sleep(3600)
     *     except asyncio.CancelledError: log.append(name + " cancelled"); raise
     * async def child_cancelled():
     *     log = []
     *     a = asyncio.create_task(forever(log, "a"))
     *     bb = asyncio.create_task(forever(log, "b"))
     *     g = asyncio.gather(a, bb)
     *     await asyncio.sleep(0)
     *     a.cancel()
     *     try: await g
     *     except asyncio.CancelledError: log.append("awaiter got CancellationException")
     *     log.append(f"gather cancelled {g.cancelled()}")                                        # lower-cased
     *     log.append(f"gather failed with CancellationException {isinstance(g.exception(), asyncio.CancelledError)}")
     *     log.append(f"b done {bb.done()}")
     *     log.append(f"awaiter cancelling {asyncio.current_task().cancelling()}")
     *     bb.cancel()
     *     try: await bb
     *     except asyncio.CancelledError: pass
     * </pre>
     * prints
     * <pre>
     * a cancelled
     * awaiter got CancellationException
     * gather cancelled false
     * gather failed with CancellationException true
     * b done false
     * awaiter cancelling 0
     * b cancelled
     * </pre>
     */
    @Test
    void gatherWhoseChildIsCancelledFailsWithTheCancellationException() {
        assertEquals(List.of(
                "a cancelled",
                "awaiter got CancellationException",
                "gather cancelled false",
                "gather failed with CancellationException true",
                "b done false",
                "awaiter cancelling 0",
                "b cancelled"), EventLoop.run(() -> childCancelled()));
    }

    @Async
    static Task<List<String>> gatherCancelled(boolean returnExceptions) {
        List<String> log = new ArrayList<>();
        Task<String> a = Steps.forever(log, "a");
        Task<String> b = Steps.forever(log, "b");
        Future<List<Object>> g = Futures.gather(List.of(a, b), returnExceptions);
        await(Tasks.sleep(Duration.ZERO));
        log.add("cancel " + g.cancel());
        try {
            log.add("result " + await(g));
        } catch (CancellationException e) {
            log.add("awaiter got CancellationException");
        }
        log.add("gather cancelled " + g.isCancelled());
        log.add("gather failed with CancellationException " + (g.exception() instanceof CancellationException));
        return Task.completed(log);
    }

    /**
     * Cancelling the gather itself cancels its children, and the gather then fails with a CancellationException,
     * with and without {@code returnExceptions}: asyncio 3.13's {@code _GatheringFuture} never ends
     * {@code cancelled()} (it calls {@code set_exception(CancelledError)}). Python 3.13:
     * <pre>
     * async def gather_cancelled(return_exceptions):
     *     log = []
     *     a = asyncio.create_task(forever(log, "a"))
     *     bb = asyncio.create_task(forever(log, "b"))
     *     g = asyncio.gather(a, bb, return_exceptions=return_exceptions)
     *     await asyncio.sleep(0)
     *     log.append(f"cancel {g.cancel()}")                                                    # lower-cased
     *     try: log.append(f"result {await g}")
     *     except asyncio.CancelledError: log.append("awaiter got CancellationException")
     *     log.append(f"gather cancelled {g.cancelled()}")                                        # lower-cased
     *     log.append(f"gather failed with CancellationException {isinstance(g.exception(), asyncio.CancelledError)}")
     * </pre>
     * prints, for {@code return_exceptions} False and True alike,
     * <pre>
     * cancel true
     * a cancelled
     * b cancelled
     * awaiter got CancellationException
     * gather cancelled false
     * gather failed with CancellationException true
     * </pre>
     */
    @Test
    void cancellingTheGatherFailsItWithCancellationExceptionInBothModes() {
        List<String> expected = List.of(
                "cancel true",
                "a cancelled",
                "b cancelled",
                "awaiter got CancellationException",
                "gather cancelled false",
                "gather failed with CancellationException true");
        assertEquals(expected, EventLoop.run(() -> gatherCancelled(false)));
        assertEquals(expected, EventLoop.run(() -> gatherCancelled(true)));
    }

    @Async
    static Task<List<String>> cancelTooLate() {
        List<String> log = new ArrayList<>();
        Task<String> a = Steps.after(1, "a");
        Future<List<String>> g = Futures.gather(a);
        await(Tasks.sleep(Duration.ZERO));
        log.add("a done " + a.isDone() + " gather done " + g.isDone());
        log.add("cancel " + g.cancel());
        log.add("result " + await(g));
        return Task.completed(log);
    }

    /**
     * Once no child can be cancelled any more, cancelling the gather does nothing and returns false; it completes
     * with the results. Python 3.13:
     * <pre>
     * async def after(turns, value):
     *     for _ in range(turns): await asyncio.sleep(0)
     *     return value
     * async def cancel_too_late():
     *     log = []
     *     a = asyncio.create_task(after(1, "a"))
     *     g = asyncio.gather(a)
     *     await asyncio.sleep(0)
     *     log.append(f"a done {a.done()} gather done {g.done()}")      # lower-cased
     *     log.append(f"cancel {g.cancel()}")                          # lower-cased
     *     log.append(f"result {await g}")
     * </pre>
     * prints
     * <pre>
     * a done true gather done false
     * cancel false
     * result ['a']
     * </pre>
     * ({@code [a]} in Java's list notation).
     */
    @Test
    void cancellingTheGatherAfterItsChildrenAreDoneReturnsFalseAndKeepsTheResults() {
        assertEquals(List.of(
                "a done true gather done false",
                "cancel false",
                "result [a]"), EventLoop.run(() -> cancelTooLate()));
    }
    @Async
    static Task<Integer> doneAtOnce(List<String> log) {
        log.add("child");
        return Task.completed(1);
    }

    @Async
    static Task<List<String>> gatherOfDoneTasks() {
        List<String> log = new ArrayList<>();
        EventLoop.running().callSoon(() -> log.add("cb"));
        List<Integer> r = await(Futures.gather(doneAtOnce(log), doneAtOnce(log)));
        log.add("gathered " + r);
        await(Tasks.sleep(Duration.ZERO));
        return Task.completed(log);
    }

    /**
     * A gather of futures that are all done is done when it is returned, so awaiting it does not suspend (asyncio
     * 3.12+ takes done children at once; found by OrderDifferentialTest). Python 3.13, eager task factory:
     * <pre>
     * async def child():
     *     log.append("child")
     *     return 1
     * async def main():
     *     loop = asyncio.get_running_loop()
     *     loop.call_soon(lambda: log.append("cb"))
     *     r = await asyncio.gather(loop.create_task(child()), loop.create_task(child()))
     *     log.append(f"gathered {r}")
     *     await asyncio.sleep(0)
     * </pre>
     * gives {@code child, child, gathered [1, 1], cb}.
     */
    @Test
    void aGatherOfDoneFuturesIsDoneAtOnce() {
        assertEquals(List.of("child", "child", "gathered [1, 1]", "cb"), EventLoop.run(() -> gatherOfDoneTasks()));
    }
}
