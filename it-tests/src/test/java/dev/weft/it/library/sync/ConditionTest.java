package dev.weft.it.library.sync;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.Async;
import dev.weft.runtime.Condition;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A scenario that hangs (a waiter never woken) fails instead of stalling the build. */
@Timeout(10)
class ConditionTest {

    @Async
    static Task<Void> waitOnce(Condition c, String name, List<String> trace) {
        await(c.acquire());
        try {
            await(c.waitFor());
            trace.add(name + " woken, locked=" + c.isLocked());
        } catch (CancellationException e) {
            trace.add(name + " cancelled, locked=" + c.isLocked());
            throw e;
        } finally {
            c.release();
        }
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> cancelWhileAnotherHoldsTheLock() {
        Condition c = new Condition();
        List<String> trace = new ArrayList<>();
        Task<Void> w = waitOnce(c, "w", trace);
        await(Turns.settle());
        await(c.acquire());          // w released the lock in waitFor
        w.cancel();
        await(Turns.settle());
        trace.add("main holds the lock; w done: " + w.isDone());
        c.release();
        await(Turns.settle());
        trace.add("w cancelled: " + w.isCancelled() + ", locked=" + c.isLocked());
        return Task.completed(trace);
    }

    @Test
    void waitTakesTheLockBackBeforeACancellationReachesTheWaiter() {
        assertEquals(List.of("main holds the lock; w done: false", "w cancelled, locked=true",
                "w cancelled: true, locked=false"), EventLoop.run(() -> cancelWhileAnotherHoldsTheLock()));
    }

    @Async
    static Task<List<String>> signalOrder() {
        Condition c = new Condition();
        List<String> trace = new ArrayList<>();
        Task<Void> a = waitOnce(c, "a", trace);
        Task<Void> b = waitOnce(c, "b", trace);
        Task<Void> d = waitOnce(c, "d", trace);
        await(Turns.settle());
        await(c.acquire());
        c.signal();
        c.release();
        await(a);
        trace.add("b done: " + b.isDone());
        await(c.acquire());
        c.signalAll();
        c.release();
        await(b);
        await(d);
        return Task.completed(trace);
    }

    @Test
    void signalWakesOneWaiterAndSignalAllTheRestInOrder() {
        assertEquals(List.of("a woken, locked=true", "b done: false", "b woken, locked=true", "d woken, locked=true"),
                EventLoop.run(() -> signalOrder()));
    }

    @Async
    static Task<List<String>> signalledThenCancelled() {
        Condition c = new Condition();
        List<String> trace = new ArrayList<>();
        Task<Void> a = waitOnce(c, "a", trace);
        Task<Void> b = waitOnce(c, "b", trace);
        await(Turns.settle());
        await(c.acquire());
        c.signal();                  // meant for a ...
        a.cancel();                  // ... which is cancelled before it could use it
        c.release();
        await(Turns.settle());
        trace.add("b done: " + b.isDone());
        return Task.completed(trace);
    }

    @Test
    void aSignalToAWaiterCancelledBeforeItRanGoesToTheNext() {
        assertEquals(List.of("a cancelled, locked=true", "b woken, locked=true", "b done: true"),
                EventLoop.run(() -> signalledThenCancelled()));
    }

    @Async
    static Task<Void> consume(Condition c, List<Integer> box, List<String> trace) {
        await(c.acquire());
        try {
            await(c.waitFor(() -> box.size() >= 2));
            trace.add("consumer sees " + box);
        } finally {
            c.release();
        }
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> predicateWait() {
        Condition c = new Condition();
        List<Integer> box = new ArrayList<>();
        List<String> trace = new ArrayList<>();
        Task<Void> consumer = consume(c, box, trace);
        for (int i = 1; i <= 2; i++) {
            await(c.acquire());
            box.add(i);
            c.signalAll();
            c.release();
            await(Turns.settle());
            trace.add("after " + i + ": consumer done " + consumer.isDone());
        }
        return Task.completed(trace);
    }

    @Test
    void waitForPredicateReturnsOnlyOnceThePredicateHolds() {
        assertEquals(List.of("after 1: consumer done false", "consumer sees [1, 2]", "after 2: consumer done true"),
                EventLoop.run(() -> predicateWait()));
    }
}
