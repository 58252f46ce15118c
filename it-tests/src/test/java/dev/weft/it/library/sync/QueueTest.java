package dev.weft.it.library.sync;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Queue;
import dev.weft.runtime.QueueEmptyException;
import dev.weft.runtime.QueueFullException;
import dev.weft.runtime.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Queue, as asyncio's. Each expected trace is CPython 3.13.0's for the same program, run with
 * {@code loop.set_task_factory(asyncio.eager_task_factory)} and {@code loop.run_until_complete(main())}, Python's
 * {@code True}/{@code False} lower-cased: quoted in the test's Javadoc, or, for the other tests, written the same
 * way and checked. The programs share {@code settle} and {@code ticks} (see {@link Turns}) and
 * <pre>
 * async def get_and_note(q, name, trace):
 *     item = await q.get()
 *     trace.append(f"{name}={item}")
 *
 * async def put_and_note(q, item, trace):
 *     await q.put(item)
 *     trace.append(f"put {item}")
 *
 * async def get_note(q, name, trace):
 *     try:
 *         trace.append(f"{name}={await q.get()}")
 *     except asyncio.CancelledError:
 *         trace.append(f"{name} cancelled")
 *
 * async def put_note(q, item, trace):
 *     try:
 *         await q.put(item)
 *         trace.append(f"put {item}")
 *     except asyncio.CancelledError:
 *         trace.append(f"put {item} cancelled")
 * </pre>
 * A scenario that hangs (a waiter never woken) fails instead of stalling the build.
 */
@Timeout(10)
class QueueTest {

    @Async
    static Task<Void> getNote(Queue<String> q, String name, List<String> trace) {
        try {
            trace.add(name + "=" + await(q.get()));
        } catch (CancellationException e) {
            trace.add(name + " cancelled");
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> putNote(Queue<String> q, String item, List<String> trace) {
        try {
            await(q.put(item));
            trace.add("put " + item);
        } catch (CancellationException e) {
            trace.add("put " + item + " cancelled");
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> getAndNote(Queue<String> q, String name, List<String> trace) {
        String item = await(q.get());
        trace.add(name + "=" + item);
        return Task.completed(null);
    }

    @Async
    static Task<Void> putAndNote(Queue<String> q, String item, List<String> trace) {
        await(q.put(item));
        trace.add("put " + item);
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> threeGetters() {
        Queue<String> q = new Queue<>();
        List<String> trace = new ArrayList<>();
        Task<Void> a = getAndNote(q, "a", trace);
        Task<Void> b = getAndNote(q, "b", trace);
        Task<Void> c = getAndNote(q, "c", trace);
        q.putNow("x");
        await(q.put("y"));
        q.putNow("z");
        await(a);
        await(b);
        await(c);
        trace.add("size " + q.size());
        return Task.completed(trace);
    }

    @Test
    void waitingGettersReceiveItemsInTheOrderTheyAsked() {
        assertEquals(List.of("a=x", "b=y", "c=z", "size 0"), EventLoop.run(() -> threeGetters()));
    }

    @Async
    static Task<List<String>> fullQueue() {
        Queue<String> q = new Queue<>(1);
        List<String> trace = new ArrayList<>();
        q.putNow("a");
        Task<Void> pb = putAndNote(q, "b", trace);
        Task<Void> pc = putAndNote(q, "c", trace);
        await(Turns.settle());
        trace.add("waiting: b done " + pb.isDone() + ", size " + q.size() + ", full " + q.isFull());
        trace.add("got " + await(q.get()));
        trace.add("got " + await(q.get()));
        trace.add("got " + await(q.get()));
        await(pb);
        await(pc);
        return Task.completed(trace);
    }

    /**
     * A bounded queue's put waits while it is full; a get wakes the first putter, which puts its item when it runs,
     * so a get right after waits for it. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.Queue(1); trace = []
     *     q.put_nowait("a")
     *     pb = asyncio.create_task(put_and_note(q, "b", trace))
     *     pc = asyncio.create_task(put_and_note(q, "c", trace))
     *     await settle()
     *     trace.append(f"waiting: b done {pb.done()}, size {q.qsize()}, full {q.full()}")
     *     trace.append(f"got {await q.get()}")
     *     trace.append(f"got {await q.get()}")
     *     trace.append(f"got {await q.get()}")
     *     await pb; await pc
     *     return trace
     * </pre>
     * (Until the primitives woke their waiters as asyncio's do, Weft let b's item in at the first get, so the
     * gets did not wait: {@code got a, got b, got c, put b, put c}.)
     */
    @Test
    void aBoundedQueuePutWaitsWhileFullAndPuttersGoInInOrder() {
        assertEquals(List.of("waiting: b done false, size 1, full true", "got a", "put b", "got b", "put c", "got c"),
                EventLoop.run(() -> fullQueue()));
    }

    @Async
    static Task<List<String>> cancelledGetters() {
        Queue<String> q = new Queue<>();
        List<String> trace = new ArrayList<>();
        Task<Void> a = getAndNote(q, "a", trace);
        Task<Void> b = getAndNote(q, "b", trace);
        Task<Void> c = getAndNote(q, "c", trace);
        a.cancel();                 // cancelled while waiting: takes nothing
        await(Turns.settle());
        q.putNow("x");              // wakes b ...
        b.cancel();                 // ... cancelled before it resumed: b wakes c
        q.putNow("y");
        await(c);
        await(Turns.settle());
        trace.add("a " + a.isCancelled() + ", b " + b.isCancelled());
        trace.add("left " + q.getNow() + ", size " + q.size());
        return Task.completed(trace);
    }

    @Test
    void aCancelledGetterLosesNoItem() {
        assertEquals(List.of("c=x", "a true, b true", "left y, size 0"), EventLoop.run(() -> cancelledGetters()));
    }

    @Async
    static Task<List<String>> itemBackToHead() {
        Queue<String> q = new Queue<>();
        List<String> trace = new ArrayList<>();
        Task<Void> a = getAndNote(q, "a", trace);
        q.putNow("x");              // wakes a
        q.putNow("y");
        a.cancel();                 // a never takes x: it stays at the head
        await(Turns.settle());
        trace.add("a cancelled " + a.isCancelled());
        trace.add(q.getNow());
        trace.add(q.getNow());
        return Task.completed(trace);
    }

    @Test
    void anItemPutForAGetterCancelledBeforeItRanStaysAtTheHead() {
        assertEquals(List.of("a cancelled true", "x", "y"), EventLoop.run(() -> itemBackToHead()));
    }

    @Async
    static Task<List<String>> cancelledPutter() {
        Queue<String> q = new Queue<>(1);
        List<String> trace = new ArrayList<>();
        q.putNow("a");
        Task<Void> pb = putAndNote(q, "b", trace);
        Task<Void> pc = putAndNote(q, "c", trace);
        pb.cancel();
        await(Turns.settle());
        trace.add("got " + q.getNow());
        await(pc);
        trace.add("got " + q.getNow() + ", b cancelled " + pb.isCancelled() + ", empty " + q.isEmpty());
        return Task.completed(trace);
    }

    @Test
    void aPutterCancelledWhileWaitingPutsNothing() {
        assertEquals(List.of("got a", "put c", "got c, b cancelled true, empty true"),
                EventLoop.run(() -> cancelledPutter()));
    }

    @Async
    static Task<List<String>> getterWokenThenCancelled() {
        Queue<String> q = new Queue<>();
        List<String> trace = new ArrayList<>();
        Task<Void> a = getNote(q, "a", trace);
        Task<Void> b = getNote(q, "b", trace);
        q.putNow("x");    // wakes a
        a.cancel();       // a wakes b when it runs
        await(Turns.ticks(trace, 4));
        trace.add("size " + q.size());
        return Task.completed(trace);
    }

    /**
     * A put wakes the first getter; cancelled before it ran, the getter wakes the next one when it runs, and that
     * one takes the item in the turn after. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.Queue(); trace = []
     *     a = asyncio.create_task(get_note(q, "a", trace))
     *     b = asyncio.create_task(get_note(q, "b", trace))
     *     q.put_nowait("x")       # wakes a
     *     a.cancel()              # a wakes b when it runs
     *     await ticks(trace, 4)
     *     trace.append(f"size {q.qsize()}")
     *     return trace
     * </pre>
     */
    @Test
    void aWokenGetterCancelledBeforeItRanWakesTheNextWhenItRuns() {
        assertEquals(List.of("t0", "a cancelled", "t1", "b=x", "t2", "t3", "size 0"),
                EventLoop.run(() -> getterWokenThenCancelled()));
    }

    @Async
    static Task<List<String>> getterNewcomer() {
        Queue<String> q = new Queue<>();
        List<String> trace = new ArrayList<>();
        Task<Void> a = getNote(q, "a", trace);
        Task<Void> b = getNote(q, "b", trace);
        q.putNow("x");                      // wakes a
        trace.add("main=" + q.getNow());    // takes x before a ran: a waits again, behind b
        await(Turns.ticks(trace, 3));
        q.putNow("y");
        await(Turns.ticks(trace, 2));
        q.putNow("z");
        await(Turns.ticks(trace, 2));
        return Task.completed(trace);
    }

    /**
     * A put only wakes a getter: a get before the getter ran takes the item, and the getter, finding the queue
     * empty, waits again, behind the getters that were already waiting. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.Queue(); trace = []
     *     a = asyncio.create_task(get_note(q, "a", trace))
     *     b = asyncio.create_task(get_note(q, "b", trace))
     *     q.put_nowait("x")       # wakes a
     *     trace.append(f"main={q.get_nowait()}")   # takes x before a ran: a waits again, behind b
     *     await ticks(trace, 3)
     *     q.put_nowait("y")
     *     await ticks(trace, 2)
     *     q.put_nowait("z")
     *     await ticks(trace, 2)
     *     return trace
     * </pre>
     */
    @Test
    void aGetterWhoseItemWasTakenBeforeItRanWaitsAgainAtTheEnd() {
        assertEquals(List.of("main=x", "t0", "t1", "t2", "t0", "b=y", "t1", "t0", "a=z", "t1"),
                EventLoop.run(() -> getterNewcomer()));
    }

    @Async
    static Task<List<String>> putterWokenThenCancelled() {
        Queue<String> q = new Queue<>(1);
        List<String> trace = new ArrayList<>();
        q.putNow("a");
        Task<Void> pb = putNote(q, "b", trace);
        Task<Void> pc = putNote(q, "c", trace);
        trace.add("got " + q.getNow());   // wakes pb
        pb.cancel();                       // pb wakes pc when it runs
        await(Turns.ticks(trace, 4));
        trace.add("size " + q.size());
        return Task.completed(trace);
    }

    /**
     * A get wakes the first putter; cancelled before it ran, the putter puts nothing and wakes the next one when
     * it runs. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.Queue(1); trace = []
     *     q.put_nowait("a")
     *     pb = asyncio.create_task(put_note(q, "b", trace))
     *     pc = asyncio.create_task(put_note(q, "c", trace))
     *     trace.append(f"got {q.get_nowait()}")  # wakes pb
     *     pb.cancel()             # pb wakes pc when it runs
     *     await ticks(trace, 4)
     *     trace.append(f"size {q.qsize()}")
     *     return trace
     * </pre>
     */
    @Test
    void aWokenPutterCancelledBeforeItRanWakesTheNextWhenItRuns() {
        assertEquals(List.of("got a", "t0", "put b cancelled", "t1", "put c", "t2", "t3", "size 1"),
                EventLoop.run(() -> putterWokenThenCancelled()));
    }

    @Async
    static Task<List<String>> putterNewcomer() {
        Queue<String> q = new Queue<>(1);
        List<String> trace = new ArrayList<>();
        q.putNow("a");
        Task<Void> pb = putNote(q, "b", trace);
        trace.add("got " + q.getNow());   // wakes pb
        q.putNow("c");                     // takes the free slot before pb ran: pb waits again
        trace.add("size " + q.size());
        await(Turns.ticks(trace, 2));
        trace.add("got " + q.getNow());
        await(Turns.ticks(trace, 2));
        trace.add("got " + q.getNow());
        return Task.completed(trace);
    }

    /**
     * A get only wakes a putter: a put before the putter ran takes the free slot, and the putter, finding the
     * queue full, waits again. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.Queue(1); trace = []
     *     q.put_nowait("a")
     *     pb = asyncio.create_task(put_note(q, "b", trace))
     *     trace.append(f"got {q.get_nowait()}")  # wakes pb
     *     q.put_nowait("c")       # takes the free slot before pb ran: pb waits again
     *     trace.append(f"size {q.qsize()}")
     *     await ticks(trace, 2)
     *     trace.append(f"got {q.get_nowait()}")
     *     await ticks(trace, 2)
     *     trace.append(f"got {q.get_nowait()}")
     *     return trace
     * </pre>
     */
    @Test
    void aPutterWhoseSlotWasTakenBeforeItRanWaitsAgain() {
        assertEquals(List.of("got a", "size 1", "t0", "t1", "got c", "t0", "put b", "t1", "got b"),
                EventLoop.run(() -> putterNewcomer()));
    }

    @Async
    static Task<Void> joinAndNote(Queue<String> q, List<String> trace) {
        await(q.join());
        trace.add("joined");
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> joinScenario() {
        Queue<String> q = new Queue<>();
        List<String> trace = new ArrayList<>();
        q.putNow("x");
        q.putNow("y");
        Task<Void> joiner = joinAndNote(q, trace);
        await(q.get());
        await(q.get());
        await(Turns.settle());
        trace.add("all taken, joined: " + joiner.isDone());
        q.taskDone();
        await(Turns.settle());
        trace.add("one done, joined: " + joiner.isDone());
        q.taskDone();
        await(joiner);
        trace.add("join done at once now: " + q.join().isDone());
        return Task.completed(trace);
    }

    @Test
    void joinWaitsUntilEveryItemIsMarkedDone() {
        assertEquals(List.of("all taken, joined: false", "one done, joined: false", "joined",
                "join done at once now: true"), EventLoop.run(() -> joinScenario()));
    }

    @Test
    void nowVariantsThrowInsteadOfWaiting() {
        Queue<String> q = new Queue<>(1);
        assertThrows(QueueEmptyException.class, q::getNow);
        q.putNow("a");
        assertThrows(QueueFullException.class, () -> q.putNow("b"));
        assertEquals("a", q.getNow());
        q.taskDone();
        assertThrows(IllegalStateException.class, q::taskDone);
    }

    @Async
    static Task<Boolean> unboundedNeverWaits() {
        Queue<Integer> q = new Queue<>();
        boolean allAtOnce = true;
        for (int i = 0; i < 1000; i++) {
            Future<Void> put = q.put(i);
            allAtOnce &= put.isDone();
        }
        return Task.completed(allAtOnce && q.size() == 1000 && !q.isFull());
    }

    @Test
    void anUnboundedQueueNeverMakesPutWait() {
        assertEquals(true, EventLoop.run(() -> unboundedNeverWaits()));
    }
}
