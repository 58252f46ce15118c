package dev.weft.it.library.sync;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Futures;
import dev.weft.runtime.Lock;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lock, as asyncio's {@code Lock}. Each expected trace is CPython 3.13.0's for the same program, run with
 * {@code loop.set_task_factory(asyncio.eager_task_factory)} and {@code loop.run_until_complete(main())}, Python's
 * {@code True}/{@code False} lower-cased: quoted in the test's Javadoc, or, for the first tests, written the same
 * way and checked. The programs share {@code settle} and {@code ticks} (see {@link Turns}) and
 * <pre>
 * async def hold(lock, name, trace):
 *     try:
 *         async with lock:
 *             trace.append(f"{name} in")
 *             await asyncio.sleep(0)
 *         trace.append(f"{name} out")
 *     except asyncio.CancelledError:
 *         trace.append(f"{name} cancelled")
 * </pre>
 * A scenario that hangs (a waiter never woken) fails instead of stalling the build.
 */
@Timeout(10)
class LockTest {

    @Async
    static Task<Void> hold(Lock lock, String name, List<String> trace) {
        try {
            await(lock.acquire());
            try {
                trace.add(name + " in");
                await(Tasks.sleep(Duration.ZERO));
            } finally {
                lock.release();
            }
            trace.add(name + " out");
        } catch (CancellationException e) {
            trace.add(name + " cancelled");
        }
        return Task.completed(null);
    }

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
        lock.release();                       // wakes the waiter, which has not run yet
        Future<Void> late = lock.acquire();   // must queue behind it
        trace.add("late done at once: " + late.isDone());
        await(late);
        trace.add("late");
        trace.add("waiter done: " + waiter.isDone());
        lock.release();
        return Task.completed(trace);
    }

    @Test
    void aLaterCallerWaitsBehindTheWokenWaiter() {
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
    static Task<List<String>> cancelAfterWakeUp() {
        Lock lock = new Lock();
        List<String> trace = new ArrayList<>();
        await(lock.acquire());
        Task<Void> a = holdBriefly(lock, "a", trace);
        Task<Void> b = holdBriefly(lock, "b", trace);
        lock.release();   // wakes a, which has not resumed yet
        a.cancel();       // a will see a CancellationException, never the lock, and wake b
        await(b);
        trace.add("a cancelled: " + a.isCancelled());
        trace.add(lock.isLocked() ? "locked" : "unlocked");
        Future<Void> again = lock.acquire();
        trace.add("free again: " + again.isDone());
        return Task.completed(trace);
    }

    @Test
    void aWaiterWokenThenCancelledBeforeItRanWakesTheNext() {
        assertEquals(List.of("b", "a cancelled: true", "unlocked", "free again: true"),
                EventLoop.run(() -> cancelAfterWakeUp()));
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
    void aLockWhoseOnlyWaiterIsCancelledOnceWokenStaysUnlocked() {
        Lock lock = new Lock();
        EventLoop.run(() -> cancelledLastWaiter(lock));
        assertFalse(lock.isLocked());
    }

    @Async
    static Task<List<String>> wokenThenCancelled() {
        Lock lock = new Lock();
        List<String> trace = new ArrayList<>();
        await(lock.acquire());
        Task<Void> a = hold(lock, "a", trace);
        Task<Void> b = hold(lock, "b", trace);
        lock.release();   // wakes a
        a.cancel();       // before a ran: a wakes b when it runs
        trace.add("locked " + lock.isLocked());
        await(Turns.ticks(trace, 4));
        return Task.completed(trace);
    }

    /**
     * A waiter woken by a release and cancelled before it ran wakes the next one when it runs, a turn later, and
     * the next one takes the lock in the turn after; meanwhile the lock is unlocked. Python 3.13:
     * <pre>
     * async def main():
     *     lock = asyncio.Lock(); trace = []
     *     await lock.acquire()
     *     a = asyncio.create_task(hold(lock, "a", trace))
     *     b = asyncio.create_task(hold(lock, "b", trace))
     *     lock.release()          # wakes a
     *     a.cancel()              # before a ran: a wakes b when it runs
     *     trace.append(f"locked {lock.locked()}")
     *     await ticks(trace, 4)
     *     return trace
     * </pre>
     */
    @Test
    void aWokenWaiterCancelledBeforeItRanWakesTheNextWhenItRuns() {
        assertEquals(List.of("locked false", "t0", "a cancelled", "t1", "b in", "t2", "b out", "t3"),
                EventLoop.run(() -> wokenThenCancelled()));
    }

    @Async
    static Task<List<String>> cancelledFirstWaiter() {
        Lock lock = new Lock();
        List<String> trace = new ArrayList<>();
        await(lock.acquire());
        Task<Void> a = hold(lock, "a", trace);
        Task<Void> b = hold(lock, "b", trace);
        a.cancel();       // a is still first in line until it runs
        lock.release();   // wakes nobody: the first waiter is done
        await(Turns.ticks(trace, 4));
        return Task.completed(trace);
    }

    /**
     * A release wakes the first waiter only, and a cancelled one that has not run yet is still first: it wakes the
     * next one when it runs. Python 3.13:
     * <pre>
     * async def main():
     *     lock = asyncio.Lock(); trace = []
     *     await lock.acquire()
     *     a = asyncio.create_task(hold(lock, "a", trace))
     *     b = asyncio.create_task(hold(lock, "b", trace))
     *     a.cancel()              # a is still first in line until it runs
     *     lock.release()          # wakes nobody: the first waiter is done
     *     await ticks(trace, 4)
     *     return trace
     * </pre>
     */
    @Test
    void aCancelledWaiterThatHasNotRunYetPassesTheReleaseOnWhenItRuns() {
        assertEquals(List.of("t0", "a cancelled", "t1", "b in", "t2", "b out", "t3"),
                EventLoop.run(() -> cancelledFirstWaiter()));
    }

    @Async
    static Task<List<String>> newcomer() {
        Lock lock = new Lock();
        List<String> trace = new ArrayList<>();
        await(lock.acquire());
        Task<Void> a = hold(lock, "a", trace);
        lock.release();   // wakes a
        trace.add("locked " + lock.isLocked());
        Task<Void> n = hold(lock, "n", trace); // waits behind a
        await(Turns.ticks(trace, 5));
        return Task.completed(trace);
    }

    /**
     * A task that asks for the lock after a release, before the woken waiter ran, finds it unlocked but waits
     * behind that waiter. Python 3.13:
     * <pre>
     * async def main():
     *     lock = asyncio.Lock(); trace = []
     *     await lock.acquire()
     *     a = asyncio.create_task(hold(lock, "a", trace))
     *     lock.release()          # wakes a
     *     trace.append(f"locked {lock.locked()}")
     *     n = asyncio.create_task(hold(lock, "n", trace))    # waits behind a
     *     await ticks(trace, 5)
     *     return trace
     * </pre>
     */
    @Test
    void aNewcomerWaitsBehindTheWokenWaiter() {
        assertEquals(List.of("locked false", "t0", "a in", "t1", "a out", "t2", "n in", "t3", "n out", "t4"),
                EventLoop.run(() -> newcomer()));
    }

    @Async
    static Task<List<String>> newcomerAfterCancelled() {
        Lock lock = new Lock();
        List<String> trace = new ArrayList<>();
        await(lock.acquire());
        Task<Void> a = hold(lock, "a", trace);
        a.cancel();
        lock.release();
        Task<Void> n = hold(lock, "n", trace); // only a cancelled waiter: takes it at once
        await(Turns.ticks(trace, 4));
        return Task.completed(trace);
    }

    /**
     * A newcomer takes an unlocked lock at once when every waiter is cancelled, even one that has not run yet.
     * Python 3.13:
     * <pre>
     * async def main():
     *     lock = asyncio.Lock(); trace = []
     *     await lock.acquire()
     *     a = asyncio.create_task(hold(lock, "a", trace))
     *     a.cancel()
     *     lock.release()
     *     n = asyncio.create_task(hold(lock, "n", trace))    # only a cancelled waiter: takes it at once
     *     await ticks(trace, 4)
     *     return trace
     * </pre>
     */
    @Test
    void aNewcomerTakesTheLockAtOnceWhenOnlyCancelledWaitersWait() {
        assertEquals(List.of("n in", "t0", "a cancelled", "n out", "t1", "t2", "t3"),
                EventLoop.run(() -> newcomerAfterCancelled()));
    }

    @Async
    static Task<List<String>> uncancelled() {
        Lock lock = new Lock();
        List<String> trace = new ArrayList<>();
        await(lock.acquire());
        Task<Void> a = hold(lock, "a", trace);
        lock.release();
        a.cancel();
        trace.add("uncancel " + a.uncancel());
        await(Turns.ticks(trace, 4));
        return Task.completed(trace);
    }

    /**
     * A woken waiter whose cancellation is taken back before it ran takes the lock (asyncio 3.13's
     * {@code uncancel()} drops the pending cancellation). Python 3.13:
     * <pre>
     * async def main():
     *     lock = asyncio.Lock(); trace = []
     *     await lock.acquire()
     *     a = asyncio.create_task(hold(lock, "a", trace))
     *     lock.release()
     *     a.cancel()
     *     trace.append(f"uncancel {a.uncancel()}")
     *     await ticks(trace, 4)
     *     return trace
     * </pre>
     */
    @Test
    void aWokenWaiterWhoseCancellationIsTakenBackTakesTheLock() {
        assertEquals(List.of("uncancel 0", "t0", "a in", "t1", "a out", "t2", "t3"),
                EventLoop.run(() -> uncancelled()));
    }

    @Async
    static Task<Void> viaGather(Lock lock, String name, List<String> trace) {
        try {
            await(Futures.gather(lock.acquire()));
            trace.add(name + " in");
            lock.release();
        } catch (CancellationException e) {
            trace.add(name + " cancelled");
        }
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> gathered(boolean cancel) {
        Lock lock = new Lock();
        List<String> trace = new ArrayList<>();
        await(lock.acquire());
        Task<Void> g = viaGather(lock, "g", trace);
        Task<Void> b = hold(lock, "b", trace);
        lock.release();   // wakes g's acquire
        if (cancel) {
            g.cancel();   // cancels the gather, which cancels the acquire once woken
        }
        await(Turns.ticks(trace, 6));
        return Task.completed(trace);
    }

    /**
     * A wait that no task awaits directly (here a gather's) takes the lock in a callback of its own, in the turn
     * where asyncio's gather runs the task it wraps the acquire in; the gather then hears of it a turn later, as
     * from that task. Python 3.13:
     * <pre>
     * async def main():
     *     lock = asyncio.Lock(); trace = []
     *     await lock.acquire()
     *     async def via_gather(name):
     *         try:
     *             await asyncio.gather(lock.acquire())
     *             trace.append(f"{name} in")
     *             lock.release()
     *         except asyncio.CancelledError:
     *             trace.append(f"{name} cancelled")
     *     g = asyncio.create_task(via_gather("g"))
     *     b = asyncio.create_task(hold(lock, "b", trace))
     *     lock.release()          # wakes g's acquire
     *     await ticks(trace, 6)
     *     return trace
     * </pre>
     */
    @Test
    void aWaitAwaitedThroughAGatherTakesTheLockAsAsyncioWrappedInATask() {
        assertEquals(List.of("t0", "t1", "t2", "g in", "t3", "b in", "t4", "b out", "t5"),
                EventLoop.run(() -> gathered(false)));
    }

    /**
     * Cancelled once woken, such a wait passes the wake-up on, as asyncio's wrapping task does, whose cancellation
     * is then due at its next step. The trace is CPython 3.13's for the program above with
     * {@code g.cancel()} right after the release.
     */
    @Test
    void aWaitAwaitedThroughAGatherCancelledOnceWokenWakesTheNext() {
        assertEquals(List.of("t0", "t1", "b in", "t2", "b out", "g cancelled", "t3", "t4", "t5"),
                EventLoop.run(() -> gathered(true)));
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
