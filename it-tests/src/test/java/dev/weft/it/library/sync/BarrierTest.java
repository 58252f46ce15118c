package dev.weft.it.library.sync;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.Async;
import dev.weft.runtime.Barrier;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Barrier, as asyncio's {@code Barrier} (issue #12). Each expected trace is the output of the Python program in
 * the test's Javadoc, run on CPython 3.13.0 with {@code loop.set_task_factory(asyncio.eager_task_factory)} and
 * {@code loop.run_until_complete(main())}; Python's {@code True}/{@code False} are lower-cased. The programs share
 * <pre>
 * async def settle():                       # Turns.settle()
 *     for _ in range(10):
 *         await asyncio.sleep(0)
 *
 * async def party(b, name, trace):          # party(b, name, trace)
 *     try:
 *         i = await b.wait()
 *         trace.append(f"{name}:{i}")
 *     except asyncio.BrokenBarrierError as e:
 *         trace.append(f"{name}: broken ({e})")
 *     except asyncio.CancelledError:
 *         trace.append(f"{name}: cancelled")
 *         raise
 * </pre>
 * A scenario that hangs (a waiter never released) fails instead of stalling the build.
 */
@Timeout(10)
class BarrierTest {

    @Async
    static Task<Void> party(Barrier b, String name, List<String> trace) {
        try {
            int i = await(b.waitFor(), BrokenBarrierException.class);
            trace.add(name + ":" + i);
        } catch (BrokenBarrierException e) {
            trace.add(name + ": broken (" + e.getMessage() + ")");
        } catch (CancellationException e) {
            trace.add(name + ": cancelled");
            throw e;
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> worker(Barrier b, String name, List<String> trace) {
        for (int c = 0; c < 2; c++) {
            trace.add(name + " arrives " + c + ", waiting " + b.nWaiting());
            int i = await(b.waitFor());
            trace.add(name + " passes " + c + " as " + i);
            await(Tasks.sleep(Duration.ZERO));
        }
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> twoCycles() {
        Barrier b = new Barrier(3);
        List<String> trace = new ArrayList<>();
        List<Task<Void>> ts = new ArrayList<>();
        for (String n : List.of("A", "B", "C")) {
            ts.add(worker(b, n, trace));
        }
        for (Task<Void> t : ts) {
            await(t);
        }
        trace.add("end: waiting " + b.nWaiting() + ", broken " + b.isBroken());
        return Task.completed(trace);
    }

    /**
     * Three tasks pass a barrier of 3 twice. The task that completes the count passes first, with index 2; the
     * others follow in the order they arrived. Python 3.13:
     * <pre>
     * async def worker(b, name, trace):
     *     for c in range(2):
     *         trace.append(f"{name} arrives {c}, waiting {b.n_waiting}")
     *         i = await b.wait()
     *         trace.append(f"{name} passes {c} as {i}")
     *         await asyncio.sleep(0)
     *
     * async def main():
     *     b = asyncio.Barrier(3)
     *     trace = []
     *     ts = [asyncio.create_task(worker(b, n, trace)) for n in "ABC"]
     *     for t in ts:
     *         await t
     *     trace.append(f"end: waiting {b.n_waiting}, broken {b.broken}")    # lower-cased
     *     return trace
     * </pre>
     */
    @Test
    void threePartiesPassTwoCycles() {
        assertEquals(List.of("A arrives 0, waiting 0", "B arrives 0, waiting 1", "C arrives 0, waiting 2",
                "C passes 0 as 2", "A passes 0 as 0", "B passes 0 as 1",
                "C arrives 1, waiting 0", "A arrives 1, waiting 1", "B arrives 1, waiting 2",
                "B passes 1 as 2", "C passes 1 as 0", "A passes 1 as 1",
                "end: waiting 0, broken false"), EventLoop.run(() -> twoCycles()));
    }

    @Async
    static Task<List<String>> draining() {
        Barrier b = new Barrier(2);
        List<String> trace = new ArrayList<>();
        party(b, "A", trace);
        party(b, "B", trace);       // completes the count: B passes, A is released
        party(b, "C", trace);       // arrives while the barrier drains: next cycle
        trace.add("waiting " + b.nWaiting());
        await(Turns.settle());
        trace.add("drained: waiting " + b.nWaiting());
        party(b, "D", trace);
        await(Turns.settle());
        return Task.completed(trace);
    }

    /**
     * A task arriving while the barrier drains waits for the next cycle, and is counted in it once the drain is
     * over. Python 3.13:
     * <pre>
     * async def main():
     *     b = asyncio.Barrier(2)
     *     trace = []
     *     asyncio.create_task(party(b, "A", trace))
     *     asyncio.create_task(party(b, "B", trace))   # completes the count: B passes, A is released
     *     asyncio.create_task(party(b, "C", trace))   # arrives while the barrier drains: next cycle
     *     trace.append(f"waiting {b.n_waiting}")
     *     await settle()
     *     trace.append(f"drained: waiting {b.n_waiting}")
     *     asyncio.create_task(party(b, "D", trace))
     *     await settle()
     *     return trace
     * </pre>
     */
    @Test
    void aTaskArrivingWhileTheBarrierDrainsWaitsForTheNextCycle() {
        assertEquals(List.of("B:1", "waiting 0", "A:0", "drained: waiting 1", "D:1", "C:0"),
                EventLoop.run(() -> draining()));
    }

    @Async
    static Task<List<String>> abortScenario() {
        Barrier b = new Barrier(3);
        List<String> trace = new ArrayList<>();
        party(b, "A", trace);
        party(b, "B", trace);
        trace.add("waiting " + b.nWaiting());
        b.abort();
        trace.add("aborted: broken " + b.isBroken() + ", waiting " + b.nWaiting());
        await(Turns.settle());
        party(b, "late", trace);
        b.reset();
        trace.add("reset: broken " + b.isBroken() + ", waiting " + b.nWaiting());
        for (String n : List.of("X", "Y", "Z")) {
            party(b, n, trace);
        }
        await(Turns.settle());
        return Task.completed(trace);
    }

    /**
     * abort() breaks the barrier for the waiting tasks and for every later wait, until reset(). Python 3.13:
     * <pre>
     * async def main():
     *     b = asyncio.Barrier(3)
     *     trace = []
     *     asyncio.create_task(party(b, "A", trace))
     *     asyncio.create_task(party(b, "B", trace))
     *     trace.append(f"waiting {b.n_waiting}")
     *     await b.abort()
     *     trace.append(f"aborted: broken {b.broken}, waiting {b.n_waiting}")   # lower-cased
     *     await settle()
     *     asyncio.create_task(party(b, "late", trace))
     *     await b.reset()
     *     trace.append(f"reset: broken {b.broken}, waiting {b.n_waiting}")     # lower-cased
     *     for n in "XYZ":
     *         asyncio.create_task(party(b, n, trace))
     *     await settle()
     *     return trace
     * </pre>
     */
    @Test
    void abortBreaksTheBarrierUntilReset() {
        assertEquals(List.of("waiting 2", "aborted: broken true, waiting 0",
                "A: broken (Abort or reset of barrier)", "B: broken (Abort or reset of barrier)",
                "late: broken (Barrier aborted)", "reset: broken false, waiting 0", "Z:2", "X:0", "Y:1"),
                EventLoop.run(() -> abortScenario()));
    }

    @Async
    static Task<List<String>> resetWhileWaiting() {
        Barrier b = new Barrier(3);
        List<String> trace = new ArrayList<>();
        party(b, "A", trace);
        party(b, "B", trace);
        b.reset();
        trace.add("reset: waiting " + b.nWaiting() + ", broken " + b.isBroken());
        party(b, "C", trace);       // A and B have not left yet: C waits for them
        trace.add("C arrived: waiting " + b.nWaiting());
        await(Turns.settle());
        trace.add("A and B left: waiting " + b.nWaiting());
        party(b, "D", trace);
        party(b, "E", trace);
        await(Turns.settle());
        return Task.completed(trace);
    }

    /**
     * reset() fails the waiting tasks; a task arriving before they have left waits for them, then counts in the
     * new cycle. Python 3.13:
     * <pre>
     * async def main():
     *     b = asyncio.Barrier(3)
     *     trace = []
     *     asyncio.create_task(party(b, "A", trace))
     *     asyncio.create_task(party(b, "B", trace))
     *     await b.reset()
     *     trace.append(f"reset: waiting {b.n_waiting}, broken {b.broken}")    # lower-cased
     *     asyncio.create_task(party(b, "C", trace))     # A and B have not left yet: C waits for them
     *     trace.append(f"C arrived: waiting {b.n_waiting}")
     *     await settle()
     *     trace.append(f"A and B left: waiting {b.n_waiting}")
     *     asyncio.create_task(party(b, "D", trace))
     *     asyncio.create_task(party(b, "E", trace))
     *     await settle()
     *     return trace
     * </pre>
     */
    @Test
    void resetFailsTheWaitingTasksAndStartsANewCycle() {
        assertEquals(List.of("reset: waiting 0, broken false", "C arrived: waiting 0",
                "A: broken (Abort or reset of barrier)", "B: broken (Abort or reset of barrier)",
                "A and B left: waiting 1", "E:2", "C:0", "D:1"), EventLoop.run(() -> resetWhileWaiting()));
    }

    @Async
    static Task<List<String>> resetAfterRelease() {
        Barrier b = new Barrier(3);
        List<String> trace = new ArrayList<>();
        party(b, "A", trace);
        party(b, "B", trace);
        trace.add("main:" + await(b.waitFor()));      // completes the count: A and B released
        b.reset();                                    // before they resumed: they see it
        trace.add("reset: waiting " + b.nWaiting());
        await(Turns.settle());
        trace.add("waiting " + b.nWaiting() + ", broken " + b.isBroken());
        return Task.completed(trace);
    }

    /**
     * The released tasks look at the barrier when they resume, as asyncio's: a reset between the release and
     * their turn fails them. Python 3.13:
     * <pre>
     * async def main():
     *     b = asyncio.Barrier(3)
     *     trace = []
     *     asyncio.create_task(party(b, "A", trace))
     *     asyncio.create_task(party(b, "B", trace))
     *     trace.append(f"main:{await b.wait()}")        # completes the count: A and B released
     *     await b.reset()                               # before they resumed: they see it
     *     trace.append(f"reset: waiting {b.n_waiting}")
     *     await settle()
     *     trace.append(f"waiting {b.n_waiting}, broken {b.broken}")    # lower-cased
     *     return trace
     * </pre>
     */
    @Test
    void releasedTasksSeeAResetMadeBeforeTheyResume() {
        assertEquals(List.of("main:2", "reset: waiting 0", "A: broken (Abort or reset of barrier)",
                "B: broken (Abort or reset of barrier)", "waiting 0, broken false"),
                EventLoop.run(() -> resetAfterRelease()));
    }

    @Async
    static Task<List<String>> cancelWhileFilling() {
        Barrier b = new Barrier(3);
        List<String> trace = new ArrayList<>();
        Task<Void> a = party(b, "A", trace);
        party(b, "B", trace);
        trace.add("waiting " + b.nWaiting());
        a.cancel();
        trace.add("A cancel requested: waiting " + b.nWaiting());
        await(Turns.settle());
        trace.add("A left: waiting " + b.nWaiting());
        party(b, "C", trace);       // counted as 1, as B is
        party(b, "D", trace);       // completes the count
        await(Turns.settle());
        return Task.completed(trace);
    }

    /**
     * A task cancelled while the barrier fills leaves it in its next turn: the count goes down, and the next task
     * gets the same index as one still waiting (asyncio's index is the count). Python 3.13:
     * <pre>
     * async def main():
     *     b = asyncio.Barrier(3)
     *     trace = []
     *     a = asyncio.create_task(party(b, "A", trace))
     *     asyncio.create_task(party(b, "B", trace))
     *     trace.append(f"waiting {b.n_waiting}")
     *     a.cancel()
     *     trace.append(f"A cancel requested: waiting {b.n_waiting}")
     *     await settle()
     *     trace.append(f"A left: waiting {b.n_waiting}")
     *     asyncio.create_task(party(b, "C", trace))     # counted as 1, as B is
     *     asyncio.create_task(party(b, "D", trace))     # completes the count
     *     await settle()
     *     return trace
     * </pre>
     */
    @Test
    void aTaskCancelledWhileTheBarrierFillsLeavesIt() {
        assertEquals(List.of("waiting 2", "A cancel requested: waiting 2", "A: cancelled", "A left: waiting 1",
                "D:2", "B:1", "C:1"), EventLoop.run(() -> cancelWhileFilling()));
    }

    @Async
    static Task<List<String>> cancelWhileDraining() {
        Barrier b = new Barrier(3);
        List<String> trace = new ArrayList<>();
        party(b, "A", trace);
        Task<Void> bt = party(b, "B", trace);
        party(b, "C", trace);       // completes the count: A and B released
        party(b, "D", trace);       // next cycle
        bt.cancel();                // released, not resumed yet
        await(Turns.settle());
        trace.add("B cancelled " + bt.isCancelled() + ", waiting " + b.nWaiting() + ", broken " + b.isBroken());
        party(b, "E", trace);
        party(b, "F", trace);
        await(Turns.settle());
        return Task.completed(trace);
    }

    /**
     * A task cancelled after the barrier released it, before it resumed, gets the cancellation and still counts
     * as having left: the barrier is not broken, and refills for the next cycle. Python 3.13:
     * <pre>
     * async def main():
     *     b = asyncio.Barrier(3)
     *     trace = []
     *     asyncio.create_task(party(b, "A", trace))
     *     bt = asyncio.create_task(party(b, "B", trace))
     *     asyncio.create_task(party(b, "C", trace))     # completes the count: A and B released
     *     asyncio.create_task(party(b, "D", trace))     # next cycle
     *     bt.cancel()                                   # released, not resumed yet
     *     await settle()
     *     trace.append(f"B cancelled {bt.cancelled()}, waiting {b.n_waiting}, broken {b.broken}")  # lower-cased
     *     asyncio.create_task(party(b, "E", trace))
     *     asyncio.create_task(party(b, "F", trace))
     *     await settle()
     *     return trace
     * </pre>
     */
    @Test
    void aTaskCancelledWhileTheBarrierDrainsStillLeavesTheCycle() {
        assertEquals(List.of("C:2", "A:0", "B: cancelled", "B cancelled true, waiting 1, broken false", "F:2",
                "D:0", "E:1"), EventLoop.run(() -> cancelWhileDraining()));
    }

    @Async
    static Task<List<String>> cancelWhileBlocked() {
        Barrier b = new Barrier(2);
        List<String> trace = new ArrayList<>();
        party(b, "A", trace);
        party(b, "B", trace);       // completes the count
        Task<Void> ct = party(b, "C", trace);      // waits for the next cycle
        party(b, "D", trace);       // so does D
        ct.cancel();
        await(Turns.settle());
        trace.add("waiting " + b.nWaiting());
        party(b, "E", trace);
        await(Turns.settle());
        return Task.completed(trace);
    }

    /**
     * A task cancelled while it waits for a draining barrier to refill was never counted. Python 3.13:
     * <pre>
     * async def main():
     *     b = asyncio.Barrier(2)
     *     trace = []
     *     asyncio.create_task(party(b, "A", trace))
     *     asyncio.create_task(party(b, "B", trace))     # completes the count
     *     ct = asyncio.create_task(party(b, "C", trace))  # waits for the next cycle
     *     asyncio.create_task(party(b, "D", trace))     # so does D
     *     ct.cancel()
     *     await settle()
     *     trace.append(f"waiting {b.n_waiting}")
     *     asyncio.create_task(party(b, "E", trace))
     *     await settle()
     *     return trace
     * </pre>
     */
    @Test
    void aTaskCancelledWhileWaitingForTheNextCycleWasNeverCounted() {
        assertEquals(List.of("B:1", "A:0", "C: cancelled", "waiting 1", "E:1", "D:0"),
                EventLoop.run(() -> cancelWhileBlocked()));
    }

    @Async
    static Task<List<Object>> oneParty() {
        Barrier b = new Barrier(1);
        List<Object> r = new ArrayList<>();
        r.add(await(b.waitFor()));
        r.add(await(b.waitFor()));
        r.add(b.nWaiting());
        r.add(b.parties());
        return Task.completed(r);
    }

    /**
     * A barrier of one never waits. Python 3.13: {@code b = asyncio.Barrier(1); return [await b.wait(), await
     * b.wait(), b.n_waiting, b.parties]} gives {@code [0, 0, 0, 1]}; {@code asyncio.Barrier(0)} raises
     * {@code ValueError: parties must be > 0}.
     */
    @Test
    void aBarrierOfOneNeverWaitsAndZeroPartiesAreRefused() {
        assertEquals(List.of(0, 0, 0, 1), EventLoop.run(() -> oneParty()));
        assertThrows(IllegalArgumentException.class, () -> new Barrier(0));
    }
}
