package dev.weft.it.library.sync;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Lock;
import dev.weft.runtime.Task;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A scenario that hangs (a waiter never woken) fails instead of stalling the build. */
@Timeout(10)
class LockTest {

    @Async
    static Task<Void> holdBriefly(Lock lock, String name, List<String> trace) {
        await(lock.acquire());
        try {
            trace.add(name);
            await(Turns.settle());
        } finally {
            lock.release();
        }
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> threeWaiters() {
        Lock lock = new Lock();
        List<String> trace = new ArrayList<>();
        await(lock.acquire());
        Task<Void> a = holdBriefly(lock, "a", trace);
        Task<Void> b = holdBriefly(lock, "b", trace);
        Task<Void> c = holdBriefly(lock, "c", trace);
        lock.release();
        await(a);
        await(b);
        await(c);
        trace.add(lock.isLocked() ? "locked" : "unlocked");
        return Task.completed(trace);
    }

    @Test
    void waitersGetTheLockInTheOrderTheyAsked() {
        assertEquals(List.of("a", "b", "c", "unlocked"), EventLoop.run(() -> threeWaiters()));
    }

    @Async
    static Task<List<String>> latecomer() {
        Lock lock = new Lock();
        List<String> trace = new ArrayList<>();
        await(lock.acquire());
        Task<Void> waiter = holdBriefly(lock, "waiter", trace);
        lock.release();                       // handed to the waiter, which has not run yet
        Future<Void> late = lock.acquire();   // must queue behind it
        trace.add("late done at once: " + late.isDone());
        await(late);
        trace.add("late");
        trace.add("waiter done: " + waiter.isDone());
        lock.release();
        return Task.completed(trace);
    }

    @Test
    void releaseHandsTheLockToTheFirstWaiterNotToALaterCaller() {
        assertEquals(List.of("late done at once: false", "waiter", "late", "waiter done: true"),
                EventLoop.run(() -> latecomer()));
    }

    @Async
    static Task<List<String>> cancelWhileWaiting() {
        Lock lock = new Lock();
        List<String> trace = new ArrayList<>();
        await(lock.acquire());
        Task<Void> a = holdBriefly(lock, "a", trace);
        Task<Void> b = holdBriefly(lock, "b", trace);
        a.cancel();
        await(Turns.settle());
        lock.release();
        await(b);
        trace.add("a cancelled: " + a.isCancelled());
        trace.add(lock.isLocked() ? "locked" : "unlocked");
        return Task.completed(trace);
    }

    @Test
    void aWaiterCancelledWhileWaitingNeverTakesTheLock() {
        assertEquals(List.of("b", "a cancelled: true", "unlocked"), EventLoop.run(() -> cancelWhileWaiting()));
    }

    @Async
    static Task<List<String>> cancelAfterHandOff() {
        Lock lock = new Lock();
        List<String> trace = new ArrayList<>();
        await(lock.acquire());
        Task<Void> a = holdBriefly(lock, "a", trace);
        Task<Void> b = holdBriefly(lock, "b", trace);
        lock.release();   // the lock now belongs to a, which has not resumed yet
        a.cancel();       // a will see a CancellationException, never the lock
        await(b);
        trace.add("a cancelled: " + a.isCancelled());
        trace.add(lock.isLocked() ? "locked" : "unlocked");
        Future<Void> again = lock.acquire();
        trace.add("free again: " + again.isDone());
        return Task.completed(trace);
    }

    @Test
    void aLockHandedToAWaiterCancelledBeforeItRanGoesToTheNext() {
        assertEquals(List.of("b", "a cancelled: true", "unlocked", "free again: true"),
                EventLoop.run(() -> cancelAfterHandOff()));
    }

    @Async
    static Task<Void> cancelledLastWaiter(Lock lock) {
        await(lock.acquire());
        Task<Void> a = holdBriefly(lock, "a", new ArrayList<>());
        lock.release();
        a.cancel();
        await(Turns.settle());
        return Task.completed(null);
    }

    @Test
    void aLockHandedToTheOnlyWaiterCancelledBeforeItRanIsUnlocked() {
        Lock lock = new Lock();
        EventLoop.run(() -> cancelledLastWaiter(lock));
        assertFalse(lock.isLocked());
    }

    @Test
    void releasingAnUnlockedLockThrows() {
        assertThrows(IllegalStateException.class, () -> new Lock().release());
    }

    @Async
    static Task<List<String>> guarded() {
        Lock lock = new Lock();
        List<String> trace = new ArrayList<>();
        try (Lock.Guard held = await(lock.acquireGuard())) {
            trace.add("inside locked: " + lock.isLocked());
            await(Turns.settle());
        }
        trace.add("after locked: " + lock.isLocked());
        return Task.completed(trace);
    }

    @Test
    void aGuardReleasesTheLockAtTheEndOfTryWithResources() {
        assertEquals(List.of("inside locked: true", "after locked: false"), EventLoop.run(() -> guarded()));
    }

    @Async
    static Task<Boolean> guardClosedTwice() {
        Lock lock = new Lock();
        Lock.Guard g = await(lock.acquireGuard());
        g.close();
        await(lock.acquire());   // someone else holds it now
        g.close();               // must not release their hold
        return Task.completed(lock.isLocked());
    }

    @Test
    void closingAGuardTwiceReleasesOnce() {
        assertTrue(EventLoop.run(() -> guardClosedTwice()));
    }
}
