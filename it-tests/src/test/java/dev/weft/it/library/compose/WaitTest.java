package dev.weft.it.library.compose;

import static dev.weft.runtime.Await.await;
import static dev.weft.test.AsyncTest.runTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Futures;
import dev.weft.runtime.Futures.DoneAndPending;
import dev.weft.runtime.Futures.ReturnWhen;
import dev.weft.runtime.Task;
import dev.weft.test.WeftTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Futures.wait and Futures.asCompleted, as asyncio.wait and as_completed. */
@WeftTest // virtual time: each timer fires as soon as nothing else can happen first, in its real-time order
class WaitTest {

    @Async
    static Task<String> waitModes() {
        List<String> log = new ArrayList<>();
        Task<String> fast = Steps.after(1, "fast");
        Task<String> failing = Steps.failAfter(2, "boom");
        Task<String> slow = Steps.after(4, "slow");
        List<Task<String>> all = List.of(slow, failing, fast);

        // the sets are taken when this task resumes, as asyncio's: failing finished in the turn between fast's
        // completion and the resumption, and slow before the second resumption (CPython 3.13, eager tasks:
        // FIRST_COMPLETED 2 done 1 pending, then FIRST_EXCEPTION 3 done 0 pending)
        DoneAndPending<Task<String>> first = await(Futures.wait(all, ReturnWhen.FIRST_COMPLETED));
        assertEquals(List.of(failing, fast), List.copyOf(first.done()));
        assertEquals(Set.of(slow), first.pending());

        DoneAndPending<Task<String>> firstException = await(Futures.wait(all, ReturnWhen.FIRST_EXCEPTION));
        assertEquals(List.of(slow, failing, fast), List.copyOf(firstException.done()));
        assertEquals(Set.of(), firstException.pending());

        DoneAndPending<Task<String>> allDone = await(Futures.wait(all, ReturnWhen.ALL_COMPLETED));
        assertEquals(List.of(slow, failing, fast), List.copyOf(allDone.done()));
        assertEquals(Set.of(), allDone.pending());
        return Task.completed("ok");
    }

    @Test
    void waitReturnsDoneAndPendingForEachReturnWhen() {
        assertEquals("ok", runTest(() -> waitModes()));
    }

    @Async
    static Task<String> waitTimesOut() {
        List<String> log = new ArrayList<>();
        Task<String> forever = Steps.forever(log, "forever");
        DoneAndPending<Task<String>> r = await(Futures.wait(List.of(forever), ReturnWhen.ALL_COMPLETED,
                Duration.ofMillis(20)));
        assertEquals(Set.of(forever), r.pending());
        assertFalse(forever.isDone(), "wait cancels nothing");
        forever.cancel();
        return Task.completed("ok");
    }

    @Test
    void waitWithATimeoutReturnsThePendingFuturesWithoutCancellingThem() {
        assertEquals("ok", runTest(() -> waitTimesOut()));
    }

    @Async
    static Task<List<String>> inCompletionOrder() {
        List<String> order = new ArrayList<>();
        for (Future<String> next : Futures.asCompleted(
                List.of(Steps.after(3, "c"), Steps.after(1, "a"), Steps.after(2, "b")))) {
            order.add(await(next));
        }
        return Task.completed(order);
    }

    @Test
    void asCompletedGivesTheResultsInCompletionOrder() {
        assertEquals(List.of("a", "b", "c"), runTest(() -> inCompletionOrder()));
    }

    @Async
    static Task<List<String>> asCompletedTimesOut() {
        List<String> log = new ArrayList<>();
        Task<String> forever = Steps.forever(new ArrayList<>(), "forever");
        // the timeout only has to be longer than one turn of the loop; 20 ms was not, once, on a loaded machine
        for (Future<String> next : Futures.asCompleted(List.of(forever, Steps.after(1, "quick")),
                Duration.ofSeconds(1))) {
            try {
                log.add(await(next));
            } catch (Exception e) {
                assertInstanceOf(TimeoutException.class, e);
                log.add("timeout");
            }
        }
        if (forever.isDone()) {
            fail("asCompleted cancelled a future");
        }
        forever.cancel();
        return Task.completed(log);
    }

    @Test
    void asCompletedFailsTheRestWithTimeoutException() {
        assertEquals(List.of("quick", "timeout"), runTest(() -> asCompletedTimesOut()));
    }

    @Async
    static Task<String> firstCompletedSortsWhenTheWaiterResumes() {
        EventLoop loop = EventLoop.running();
        Future<String> a = new Future<>();
        Future<String> b = new Future<>();
        loop.callSoon(() -> a.complete("a"));
        loop.callSoon(() -> b.complete("b"));
        DoneAndPending<Future<String>> first = await(Futures.wait(List.of(a, b), ReturnWhen.FIRST_COMPLETED));
        String one = first.done().size() + " done, " + first.pending().size() + " pending";
        Future<String> c = new Future<>();
        Future<String> d = new Future<>();
        loop.callSoon(() -> c.complete("c"));
        DoneAndPending<Future<String>> second = await(Futures.wait(List.of(c, d), ReturnWhen.FIRST_COMPLETED));
        d.complete("d"); // after the resume: the sets were fixed then
        String two = second.done().size() + " done, " + second.pending().size() + " pending";
        return Task.completed(one + "; " + two);
    }

    /**
     * asyncio's wait sorts its futures into done and pending when the waiting coroutine resumes, not in the first
     * completion callback. CPython 3.13:
     * <pre>
     * loop.call_soon(a.set_result, 'a'); loop.call_soon(b.set_result, 'b')
     * done, pending = await asyncio.wait([a, b], return_when=asyncio.FIRST_COMPLETED)   # 2 done, 0 pending
     * loop.call_soon(c.set_result, 'c')
     * r = await asyncio.wait([c, d], return_when=asyncio.FIRST_COMPLETED)
     * d.set_result('d')
     * print(len(r[0]), len(r[1]))                                                      # 1 done, 1 pending
     * </pre>
     */
    @Test
    void firstCompletedCountsWhatFinishedBeforeTheWaitingTaskResumed() {
        assertEquals("2 done, 0 pending; 1 done, 1 pending", runTest(() -> firstCompletedSortsWhenTheWaiterResumes()));
    }
}
