package dev.weft.it.library.sync;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.Async;
import dev.weft.runtime.Condition;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Condition, as asyncio's ({@code waitFor} is {@code wait}, {@code signal} {@code notify}). Each expected trace is
 * CPython 3.13.0's for the same program, run with {@code loop.set_task_factory(asyncio.eager_task_factory)} and
 * {@code loop.run_until_complete(main())}, Python's {@code True}/{@code False} lower-cased: quoted in the test's
 * Javadoc, or, for the first tests, written the same way and checked. The programs share {@code settle} and
 * {@code ticks} (see {@link Turns}) and
 * <pre>
 * async def cond_wait(c, name, trace):
 *     try:
 *         async with c:
 *             await c.wait()
 *             trace.append(f"{name} woken")
 *     except asyncio.CancelledError:
 *         trace.append(f"{name} cancelled, locked {c.locked()}")
 *
 * async def hold(c, name, trace):
 *     try:
 *         async with c:
 *             trace.append(f"{name} in")
 *             await asyncio.sleep(0)
 *         trace.append(f"{name} out")
 *     except asyncio.CancelledError:
 *         trace.append(f"{name} cancelled")
 * </pre>
 * A scenario that hangs (a waiter never woken) fails instead of stalling the build.
 */
@Timeout(10)
class ConditionTest {

    @Async
    static Task<Void> condWait(Condition c, String name, List<String> trace) {
        try {
            await(c.acquire());
            try {
                await(c.waitFor());
                trace.add(name + " woken");
            } finally {
                c.release();
            }
        } catch (CancellationException e) {
            trace.add(name + " cancelled, locked " + c.isLocked());
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> hold(Condition c, String name, List<String> trace) {
        try {
            await(c.acquire());
            try {
                trace.add(name + " in");
                await(Tasks.sleep(Duration.ZERO));
            } finally {
                c.release();
            }
            trace.add(name + " out");
        } catch (CancellationException e) {
            trace.add(name + " cancelled");
        }
        return Task.completed(null);
    }

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
    static Task<List<String>> wokenThenCancelled() {
        Condition c = new Condition();
        List<String> trace = new ArrayList<>();
        Task<Void> a = condWait(c, "a", trace);
        Task<Void> b = condWait(c, "b", trace);
        await(c.acquire());
        c.signal();       // wakes a
        a.cancel();       // a passes the signal to b once it holds the lock again
        c.release();
        await(Turns.ticks(trace, 5));
        return Task.completed(trace);
    }

    /**
     * A waiter signalled and cancelled before it ran takes the lock back, passes the signal to the next waiter and
     * lets the cancellation out; the next waiter goes on in the turn after. Python 3.13:
     * <pre>
     * async def main():
     *     c = asyncio.Condition(); trace = []
     *     a = asyncio.create_task(cond_wait(c, "a", trace))
     *     b = asyncio.create_task(cond_wait(c, "b", trace))
     *     async with c:
     *         c.notify()          # wakes a
     *         a.cancel()          # a passes the signal to b once it holds the lock again
     *     await ticks(trace, 5)
     *     return trace
     * </pre>
     */
    @Test
    void aSignalledWaiterCancelledBeforeItRanPassesTheSignalWhenItRuns() {
        assertEquals(List.of("t0", "a cancelled, locked false", "t1", "b woken", "t2", "t3", "t4"),
                EventLoop.run(() -> wokenThenCancelled()));
    }

    @Async
    static Task<List<String>> newcomerToTheLock() {
        Condition c = new Condition();
        List<String> trace = new ArrayList<>();
        Task<Void> w = condWait(c, "w", trace);
        await(c.acquire());
        c.signal();       // wakes w, which will want the lock back
        Task<Void> n = hold(c, "n", trace); // waits for the lock, ahead of w
        c.release();      // wakes n
        await(Turns.ticks(trace, 6));
        return Task.completed(trace);
    }

    /**
     * A signalled waiter takes the lock back as a new {@code acquire()} would: behind a task that started waiting
     * for the lock before the waiter ran. Python 3.13:
     * <pre>
     * async def main():
     *     c = asyncio.Condition(); trace = []
     *     w = asyncio.create_task(cond_wait(c, "w", trace))
     *     await c.acquire()
     *     c.notify()              # wakes w, which will want the lock back
     *     n = asyncio.create_task(hold(c, "n", trace))    # waits for the lock, ahead of w
     *     c.release()             # wakes n
     *     await ticks(trace, 6)
     *     return trace
     * </pre>
     */
    @Test
    void aSignalledWaiterTakesTheLockBackBehindTheTasksAlreadyWaitingForIt() {
        assertEquals(List.of("t0", "n in", "t1", "n out", "t2", "w woken", "t3", "t4", "t5"),
                EventLoop.run(() -> newcomerToTheLock()));
    }

    @Async
    static Task<List<String>> cancelledWaitingForTheLock() {
        Condition c = new Condition();
        List<String> trace = new ArrayList<>();
        Task<Void> w = condWait(c, "w", trace);
        Task<Void> x = condWait(c, "x", trace);
        await(c.acquire());
        c.signal();                             // wakes w
        await(Tasks.sleep(Duration.ZERO));      // w runs: the lock is held, it waits for it
        trace.add("w waits for the lock");
        w.cancel();                             // kept; w waits on for the lock
        await(Tasks.sleep(Duration.ZERO));
        trace.add("w done " + w.isDone());
        c.release();                            // w takes the lock, raises, and passes a signal to x
        await(Turns.ticks(trace, 6));
        return Task.completed(trace);
    }

    /**
     * A waiter cancelled while it waits for the lock back keeps the cancellation and waits on; holding the lock,
     * it passes a signal on and lets the cancellation out. Python 3.13:
     * <pre>
     * async def main():
     *     c = asyncio.Condition(); trace = []
     *     w = asyncio.create_task(cond_wait(c, "w", trace))
     *     x = asyncio.create_task(cond_wait(c, "x", trace))
     *     await c.acquire()
     *     c.notify()              # wakes w
     *     await asyncio.sleep(0)  # w runs: the lock is held, it waits for it
     *     trace.append("w waits for the lock")
     *     w.cancel()              # kept; w waits on for the lock
     *     await asyncio.sleep(0)
     *     trace.append(f"w done {w.done()}")
     *     c.release()             # w takes the lock, raises, and passes a signal to x
     *     await ticks(trace, 6)
     *     return trace
     * </pre>
     */
    @Test
    void aWaiterCancelledWhileItWaitsForTheLockWaitsOnThenPassesASignal() {
        assertEquals(List.of("w waits for the lock", "w done false", "t0", "w cancelled, locked false", "t1",
                "x woken", "t2", "t3", "t4", "t5"), EventLoop.run(() -> cancelledWaitingForTheLock()));
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
