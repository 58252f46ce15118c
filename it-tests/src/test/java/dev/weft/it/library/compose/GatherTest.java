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
        assertTrue(g.isCancelled());
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
}
