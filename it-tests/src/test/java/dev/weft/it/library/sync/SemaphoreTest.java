package dev.weft.it.library.sync;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.Async;
import dev.weft.runtime.BoundedSemaphore;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Semaphore;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Semaphore and BoundedSemaphore, as asyncio's. Each expected trace is CPython 3.13.0's for the same program, run
 * with {@code loop.set_task_factory(asyncio.eager_task_factory)} and {@code loop.run_until_complete(main())},
 * Python's {@code True}/{@code False} lower-cased, {@code availablePermits()} read as {@code _value}: quoted in the
 * test's Javadoc, or, for the first tests, written the same way and checked. The programs share {@code settle} and
 * {@code ticks} (see {@link Turns}) and
 * <pre>
 * async def hold(s, name, trace):
 *     try:
 *         async with s:
 *             trace.append(f"{name} in")
 *             await asyncio.sleep(0)
 *         trace.append(f"{name} out")
 *     except asyncio.CancelledError:
 *         trace.append(f"{name} cancelled")
 * </pre>
 * A scenario that hangs (a waiter never woken) fails instead of stalling the build.
 */
@Timeout(10)
class SemaphoreTest {

    @Async
    static Task<Void> hold(Semaphore s, String name, List<String> trace) {
        try {
            await(s.acquire());
            try {
                trace.add(name + " in");
                await(Tasks.sleep(Duration.ZERO));
            } finally {
                s.release();
            }
            trace.add(name + " out");
        } catch (CancellationException e) {
            trace.add(name + " cancelled");
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> holdBriefly(Semaphore s, String name, List<String> trace) {
        await(s.acquire());
        try {
            trace.add(name);
            await(Turns.settle());
        } finally {
            s.release();
        }
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> fourWaiters() {
        Semaphore s = new Semaphore(2);
        List<String> trace = new ArrayList<>();
        await(s.acquire());
        await(s.acquire());
        List<Task<Void>> tasks = new ArrayList<>();
        for (String name : List.of("a", "b", "c", "d")) {
            tasks.add(holdBriefly(s, name, trace));
        }
        s.release();
        Future<Void> late = s.acquire();   // the released permit is set aside for a: this one queues behind d
        trace.add("late done at once: " + late.isDone());
        s.release();
        for (Task<Void> t : tasks) {
            await(t);
        }
        await(late);
        s.release();
        trace.add("permits: " + s.availablePermits());
        return Task.completed(trace);
    }

    @Test
    void waitersGetPermitsInTheOrderTheyAsked() {
        assertEquals(List.of("late done at once: false", "a", "b", "c", "d", "permits: 2"),
                EventLoop.run(() -> fourWaiters()));
    }

    @Async
    static Task<List<String>> cancelledWaiters() {
        Semaphore s = new Semaphore(1);
        List<String> trace = new ArrayList<>();
        await(s.acquire());
        Task<Void> a = holdBriefly(s, "a", trace);
        Task<Void> b = holdBriefly(s, "b", trace);
        Task<Void> c = holdBriefly(s, "c", trace);
        a.cancel();                 // cancelled while waiting
        await(Turns.settle());
        s.release();                // wakes b (a is gone)
        b.cancel();                 // b is cancelled before it resumes: it gives its permit back and wakes c
        await(c);
        trace.add("a cancelled: " + a.isCancelled() + ", b cancelled: " + b.isCancelled());
        trace.add("permits: " + s.availablePermits());
        return Task.completed(trace);
    }

    @Test
    void aCancelledWaiterLosesNoPermit() {
        assertEquals(List.of("c", "a cancelled: true, b cancelled: true", "permits: 1"),
                EventLoop.run(() -> cancelledWaiters()));
    }

    @Async
    static Task<List<String>> wokenThenCancelled() {
        Semaphore s = new Semaphore(1);
        List<String> trace = new ArrayList<>();
        await(s.acquire());
        Task<Void> a = hold(s, "a", trace);
        Task<Void> b = hold(s, "b", trace);
        s.release();      // wakes a, its permit set aside
        a.cancel();
        trace.add("value " + s.availablePermits() + ", locked " + s.isLocked());
        await(Turns.ticks(trace, 4));
        trace.add("value " + s.availablePermits());
        return Task.completed(trace);
    }

    /**
     * A release sets a permit aside for the waiter it wakes; cancelled before it ran, the waiter gives it back
     * when it runs and wakes the next one with it. Python 3.13:
     * <pre>
     * async def main():
     *     s = asyncio.Semaphore(1); trace = []
     *     await s.acquire()
     *     a = asyncio.create_task(hold(s, "a", trace))
     *     b = asyncio.create_task(hold(s, "b", trace))
     *     s.release()             # wakes a, its permit set aside
     *     a.cancel()
     *     trace.append(f"value {s._value}, locked {s.locked()}")
     *     await ticks(trace, 4)
     *     trace.append(f"value {s._value}")
     *     return trace
     * </pre>
     */
    @Test
    void aWokenWaiterCancelledBeforeItRanGivesThePermitToTheNextWhenItRuns() {
        assertEquals(List.of("value 0, locked true", "t0", "a cancelled", "t1", "b in", "t2", "b out", "t3",
                "value 1"), EventLoop.run(() -> wokenThenCancelled()));
    }

    @Async
    static Task<List<String>> newcomer() {
        Semaphore s = new Semaphore(2);
        List<String> trace = new ArrayList<>();
        await(s.acquire());
        await(s.acquire());
        Task<Void> a = hold(s, "a", trace);
        s.release();      // wakes a
        s.release();      // a free permit, no one left to wake
        trace.add("value " + s.availablePermits() + ", locked " + s.isLocked());
        Task<Void> n = hold(s, "n", trace); // waits behind a although a permit is free
        await(Turns.ticks(trace, 4));
        trace.add("value " + s.availablePermits());
        return Task.completed(trace);
    }

    /**
     * While a woken waiter has not run, a newcomer waits behind it even with a permit free; the waiter, when it
     * runs, wakes as many waiters as there are free permits. Python 3.13:
     * <pre>
     * async def main():
     *     s = asyncio.Semaphore(2); trace = []
     *     await s.acquire(); await s.acquire()
     *     a = asyncio.create_task(hold(s, "a", trace))
     *     s.release()             # wakes a
     *     s.release()             # a free permit, no one left to wake
     *     trace.append(f"value {s._value}, locked {s.locked()}")
     *     n = asyncio.create_task(hold(s, "n", trace))    # waits behind a although a permit is free
     *     await ticks(trace, 4)
     *     trace.append(f"value {s._value}")
     *     return trace
     * </pre>
     */
    @Test
    void aNewcomerWaitsBehindTheWokenWaiterAndIsWokenByIt() {
        assertEquals(List.of("value 1, locked true", "t0", "a in", "t1", "n in", "a out", "t2", "n out", "t3",
                "value 2"), EventLoop.run(() -> newcomer()));
    }

    @Async
    static Task<Void> releaseLate(BoundedSemaphore s, List<String> trace) {
        await(s.acquire());
        trace.add("a in");
        await(Tasks.sleep(Duration.ZERO));
        try {
            s.release();
            trace.add("a released");
        } catch (IllegalStateException e) {
            trace.add("a: released too many times");
        }
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> boundedWindow() {
        BoundedSemaphore s = new BoundedSemaphore(1);
        List<String> trace = new ArrayList<>();
        await(s.acquire());
        Task<Void> a = releaseLate(s, trace);
        s.release();      // wakes a, its permit set aside
        s.release();      // accepted: the count is 0
        trace.add("value " + s.availablePermits());
        await(Turns.ticks(trace, 4));
        trace.add("value " + s.availablePermits());
        return Task.completed(trace);
    }

    /**
     * A BoundedSemaphore checks its count, as asyncio's, and the permit set aside for a woken waiter is not in it:
     * an extra release in that window is accepted, and the waiter's own release then is the one refused
     * (asyncio's ValueError). Python 3.13:
     * <pre>
     * async def main():
     *     s = asyncio.BoundedSemaphore(1); trace = []
     *     await s.acquire()
     *     async def holder():
     *         await s.acquire()
     *         trace.append("a in")
     *         await asyncio.sleep(0)
     *         try:
     *             s.release()
     *             trace.append("a released")
     *         except ValueError:
     *             trace.append("a: released too many times")
     *     a = asyncio.create_task(holder())
     *     s.release()             # wakes a, its permit set aside
     *     s.release()             # accepted: the count is 0
     *     trace.append(f"value {s._value}")
     *     await ticks(trace, 4)
     *     trace.append(f"value {s._value}")
     *     return trace
     * </pre>
     */
    @Test
    void aBoundedSemaphoreCountsThePermitSetAsideForAWokenWaiterAsTaken() {
        assertEquals(List.of("value 1", "t0", "a in", "t1", "a: released too many times", "t2", "t3", "value 1"),
                EventLoop.run(() -> boundedWindow()));
    }

    @Async
    static Task<Integer> overRelease(Semaphore s) {
        await(s.acquire());
        s.release();
        s.release();
        return Task.completed(s.availablePermits());
    }

    @Test
    void aBoundedSemaphoreReleasedTooOftenThrows() {
        BoundedSemaphore s = new BoundedSemaphore(1);
        assertThrows(IllegalStateException.class, () -> EventLoop.run(() -> overRelease(s)));
        assertEquals(1, s.availablePermits());
    }

    @Test
    void aPlainSemaphoreReleasedTooOftenGrows() {
        assertEquals(2, EventLoop.run(() -> overRelease(new Semaphore(1))));
    }
}
