package dev.weft.it.library.compose;

import static dev.weft.runtime.Await.await;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Futures.wait and Futures.asCompleted, as asyncio.wait and as_completed. */
class WaitTest {

    @Async
    static Task<String> waitModes() {
        List<String> log = new ArrayList<>();
        Task<String> fast = Steps.after(1, "fast");
        Task<String> failing = Steps.failAfter(2, "boom");
        Task<String> slow = Steps.after(4, "slow");
        List<Task<String>> all = List.of(slow, failing, fast);

        DoneAndPending<Task<String>> first = await(Futures.wait(all, ReturnWhen.FIRST_COMPLETED));
        assertEquals(Set.of(fast), first.done());
        assertEquals(List.of(slow, failing), List.copyOf(first.pending()));

        DoneAndPending<Task<String>> firstException = await(Futures.wait(all, ReturnWhen.FIRST_EXCEPTION));
        assertEquals(List.of(failing, fast), List.copyOf(firstException.done()));
        assertEquals(Set.of(slow), firstException.pending());

        DoneAndPending<Task<String>> allDone = await(Futures.wait(all, ReturnWhen.ALL_COMPLETED));
        assertEquals(List.of(slow, failing, fast), List.copyOf(allDone.done()));
        assertEquals(Set.of(), allDone.pending());
        return Task.completed("ok");
    }

    @Test
    void waitReturnsDoneAndPendingForEachReturnWhen() {
        assertEquals("ok", EventLoop.run(() -> waitModes()));
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
        assertEquals("ok", EventLoop.run(() -> waitTimesOut()));
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
        assertEquals(List.of("a", "b", "c"), EventLoop.run(() -> inCompletionOrder()));
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
        assertEquals(List.of("quick", "timeout"), EventLoop.run(() -> asCompletedTimesOut()));
    }
}
