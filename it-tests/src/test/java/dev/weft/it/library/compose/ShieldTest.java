package dev.weft.it.library.compose;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
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

/** Futures.shield, as asyncio.shield. */
class ShieldTest {

    @Async
    static Task<String> awaitShielded(List<String> log, Task<String> inner) {
        try {
            return Task.completed(await(Futures.shield(inner)));
        } catch (CancellationException e) {
            log.add("awaiter cancelled");
            throw e;
        }
    }

    @Async
    static Task<List<String>> shieldKeepsInnerAlive() {
        List<String> log = new ArrayList<>();
        Task<String> inner = Steps.after(10, "saved");
        Task<String> awaiter = awaitShielded(log, inner);
        await(Tasks.sleep(Duration.ZERO));
        awaiter.cancel();
        try {
            await(awaiter);
            fail("not cancelled");
        } catch (CancellationException e) {
            log.add("inner done: " + inner.isDone());
        }
        log.add("inner: " + await(inner));
        assertFalse(inner.isCancelled());
        return Task.completed(log);
    }

    @Test
    void shieldKeepsTheInnerTaskAliveWhenTheAwaiterIsCancelled() {
        assertEquals(List.of("awaiter cancelled", "inner done: false", "inner: saved"),
                EventLoop.run(() -> shieldKeepsInnerAlive()));
    }

    @Async
    static Task<String> shieldPassesOutcomes() {
        Future<String> shielded = Futures.shield(Steps.after(1, "value"));
        assertEquals("value", await(shielded));
        try {
            await(Futures.shield(Steps.failAfter(1, "boom")));
            fail("no failure");
        } catch (IllegalStateException e) {
            assertEquals("boom", e.getMessage());
        }
        Task<String> done = Steps.after(0, "done");
        assertSame(done, Futures.shield(done));
        Future<String> inner = new Future<>();
        Future<String> s = Futures.shield(inner);
        assertTrue(s.cancel());
        assertFalse(inner.isCancelled());
        inner.complete("later");
        await(Tasks.sleep(Duration.ZERO));
        assertTrue(s.isCancelled());
        return Task.completed("ok");
    }

    @Test
    void shieldPassesTheInnerOutcomeOnAndItsCancellationDoesNotReachTheInner() {
        assertEquals("ok", EventLoop.run(() -> shieldPassesOutcomes()));
    }
}
