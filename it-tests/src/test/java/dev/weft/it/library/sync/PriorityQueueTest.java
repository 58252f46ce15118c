package dev.weft.it.library.sync;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.PriorityQueue;
import dev.weft.runtime.Queue;
import dev.weft.runtime.QueueShutDownException;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PriorityQueue, as asyncio's {@code PriorityQueue} (issue #12). Each expected trace is the output of the Python
 * program in the test's Javadoc, run on CPython 3.13.0 with {@code loop.set_task_factory(asyncio.eager_task_factory)}
 * and {@code loop.run_until_complete(main())}; Python's {@code True}/{@code False} are lower-cased. The programs
 * share
 * <pre>
 * async def settle():                       # Turns.settle()
 *     for _ in range(10):
 *         await asyncio.sleep(0)
 *
 * async def get_and_note(q, name, trace):
 *     item = await q.get()
 *     trace.append(f"{name}={item}")
 *
 * async def put_and_note(q, item, trace):
 *     await q.put(item)
 *     trace.append(f"put {item}")
 * </pre>
 * A scenario that hangs (a waiter never woken) fails instead of stalling the build.
 */
@Timeout(10)
class PriorityQueueTest {

    record Job(int priority, String name) {
    }

    static final Comparator<Job> BY_PRIORITY = Comparator.comparingInt(Job::priority);

    @Async
    static <T> Task<Void> getAndNote(Queue<T> q, String name, List<String> trace) {
        T item = await(q.get());
        trace.add(name + "=" + item);
        return Task.completed(null);
    }

    @Async
    static <T> Task<Void> putAndNote(Queue<T> q, T item, List<String> trace) {
        await(q.put(item));
        trace.add("put " + item);
        return Task.completed(null);
    }

    @Async
    static Task<List<Integer>> order() {
        PriorityQueue<Integer> q = new PriorityQueue<>();
        for (int x : List.of(5, 1, 4, 2, 3)) {
            q.putNow(x);
        }
        List<Integer> trace = new ArrayList<>();
        trace.add(await(q.get()));
        trace.add(await(q.get()));
        q.putNow(0);
        while (!q.isEmpty()) {
            trace.add(await(q.get()));
        }
        return Task.completed(trace);
    }

    /**
     * The smallest item comes out first, by natural order. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.PriorityQueue()
     *     for x in [5, 1, 4, 2, 3]:
     *         q.put_nowait(x)
     *     trace = [await q.get(), await q.get()]
     *     q.put_nowait(0)
     *     while not q.empty():
     *         trace.append(await q.get())
     *     return trace
     * </pre>
     */
    @Test
    void theSmallestItemComesOutFirst() {
        assertEquals(List.of(1, 2, 0, 3, 4, 5), EventLoop.run(() -> order()));
    }

    @Async
    static Task<List<String>> withComparator() {
        PriorityQueue<String> q = new PriorityQueue<>(Comparator.reverseOrder());
        for (String x : List.of("pear", "apple", "fig")) {
            q.putNow(x);
        }
        List<String> trace = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            trace.add(await(q.get()));
        }
        return Task.completed(trace);
    }

    /**
     * A comparator gives the order. Python 3.13 (asyncio takes no comparator; the items carry the order):
     * <pre>
     * class Desc(str):                          # Comparator.reverseOrder()
     *     def __lt__(self, other):
     *         return str.__gt__(self, other)
     *
     * async def main():
     *     q = asyncio.PriorityQueue()
     *     for x in ["pear", "apple", "fig"]:
     *         q.put_nowait(Desc(x))
     *     return [await q.get() for _ in range(3)]
     * </pre>
     */
    @Test
    void aComparatorGivesTheOrder() {
        assertEquals(List.of("pear", "fig", "apple"), EventLoop.run(() -> withComparator()));
        assertEquals(Comparator.reverseOrder(), new PriorityQueue<String>(Comparator.reverseOrder()).comparator());
        assertEquals(null, new PriorityQueue<String>().comparator());
    }

    @Async
    static Task<List<String>> ties() {
        PriorityQueue<Job> q = new PriorityQueue<>(BY_PRIORITY);
        for (Job j : List.of(new Job(1, "a"), new Job(1, "b"), new Job(0, "x"), new Job(1, "c"), new Job(1, "d"))) {
            q.putNow(j);
        }
        List<String> trace = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            trace.add(await(q.get()).name());
        }
        return Task.completed(trace);
    }

    /**
     * Items of equal priority come out in the order they were put: Weft's choice. asyncio's heapq gives no such
     * order; with a dataclass whose name does not take part in the comparison,
     * <pre>
     * &#64;dataclass(order=True)
     * class Job:
     *     priority: int
     *     name: str = field(compare=False)
     *
     * async def main():
     *     q = asyncio.PriorityQueue()
     *     for p, n in [(1, "a"), (1, "b"), (0, "x"), (1, "c"), (1, "d")]:
     *         q.put_nowait(Job(p, n))
     *     return [(await q.get()).name for _ in range(5)]
     * </pre>
     * gives {@code ['x', 'a', 'd', 'b', 'c']}. With the counter the Python documentation recommends for a stable
     * order, {@code q.put_nowait((p, next(count), n))} and {@code (await q.get())[2]}, it gives
     * {@code ['x', 'a', 'b', 'c', 'd']}, which is what Weft gives without one.
     */
    @Test
    void equalPrioritiesComeOutFirstInFirstOut() {
        assertEquals(List.of("x", "a", "b", "c", "d"), EventLoop.run(() -> ties()));
    }

    @Async
    static Task<List<String>> wokenThenCancelled() {
        PriorityQueue<Job> q = new PriorityQueue<>(BY_PRIORITY);
        List<String> trace = new ArrayList<>();
        Task<Void> a = getAndNote(q, "a", trace);
        q.putNow(new Job(1, "x"));      // wakes a
        q.putNow(new Job(1, "y"));
        q.putNow(new Job(0, "z"));
        a.cancel();                     // before a resumed: x stays, before y, which was put after it
        await(Turns.settle());
        trace.add("a cancelled " + a.isCancelled() + ", size " + q.size());
        while (!q.isEmpty()) {
            trace.add(q.getNow().name());
        }
        return Task.completed(trace);
    }

    /**
     * An item put for a getter cancelled before it resumed stays in its place, before the items of equal
     * priority put after it. Python 3.13, with the counter:
     * <pre>
     * async def main():
     *     q = asyncio.PriorityQueue()
     *     count = itertools.count()
     *     trace = []
     *     async def get_and_note_name(name):
     *         item = await q.get()
     *         trace.append(f"{name}={item[2]}")
     *     a = asyncio.create_task(get_and_note_name("a"))
     *     q.put_nowait((1, next(count), "x"))      # wakes a
     *     q.put_nowait((1, next(count), "y"))
     *     q.put_nowait((0, next(count), "z"))
     *     a.cancel()
     *     await settle()
     *     trace.append(f"a cancelled {a.cancelled()}, size {q.qsize()}")    # lower-cased
     *     while not q.empty():
     *         trace.append(q.get_nowait()[2])
     *     return trace
     * </pre>
     */
    @Test
    void anItemPutForAGetterCancelledBeforeItRanKeepsItsPlace() {
        assertEquals(List.of("a cancelled true, size 3", "z", "x", "y"), EventLoop.run(() -> wokenThenCancelled()));
    }

    @Async
    static Task<List<String>> bounded() {
        PriorityQueue<Integer> q = new PriorityQueue<>(2);
        List<String> trace = new ArrayList<>();
        q.putNow(5);
        q.putNow(3);
        putAndNote(q, 1, trace);
        putAndNote(q, 9, trace);
        trace.add("waiting: size " + q.size() + ", full " + q.isFull());
        trace.add("got " + await(q.get()));
        await(Turns.settle());          // 1 goes in
        trace.add("got " + await(q.get()));
        await(Turns.settle());          // 9 goes in
        trace.add("got " + await(q.get()));
        trace.add("got " + await(q.get()));
        return Task.completed(trace);
    }

    /**
     * A bounded priority queue makes put wait while full; a slot freed by a get lets the first putter in.
     * Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.PriorityQueue(2)
     *     trace = []
     *     q.put_nowait(5)
     *     q.put_nowait(3)
     *     asyncio.create_task(put_and_note(q, 1, trace))
     *     asyncio.create_task(put_and_note(q, 9, trace))
     *     trace.append(f"waiting: size {q.qsize()}, full {q.full()}")     # lower-cased
     *     trace.append(f"got {await q.get()}")
     *     await settle()                       # 1 goes in
     *     trace.append(f"got {await q.get()}")
     *     await settle()                       # 9 goes in
     *     trace.append(f"got {await q.get()}")
     *     trace.append(f"got {await q.get()}")
     *     return trace
     * </pre>
     */
    @Test
    void aBoundedPriorityQueueMakesPutWaitWhileFull() {
        assertEquals(List.of("waiting: size 2, full true", "got 3", "put 1", "got 1", "put 9", "got 5", "got 9"),
                EventLoop.run(() -> bounded()));
    }

    @Async
    static Task<List<String>> waitingGetters() {
        PriorityQueue<Integer> q = new PriorityQueue<>();
        List<String> trace = new ArrayList<>();
        getAndNote(q, "a", trace);
        getAndNote(q, "b", trace);
        q.putNow(7);
        await(Turns.settle());
        q.putNow(2);
        await(Turns.settle());
        return Task.completed(trace);
    }

    /**
     * get waits while the queue is empty; waiting getters are served in the order they asked. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.PriorityQueue()
     *     trace = []
     *     asyncio.create_task(get_and_note(q, "a", trace))
     *     asyncio.create_task(get_and_note(q, "b", trace))
     *     q.put_nowait(7)
     *     await settle()
     *     q.put_nowait(2)
     *     await settle()
     *     return trace
     * </pre>
     */
    @Test
    void getWaitsWhileEmptyAndGettersAreServedInOrder() {
        assertEquals(List.of("a=7", "b=2"), EventLoop.run(() -> waitingGetters()));
    }

    @Async
    static Task<List<String>> twoItemsInOneTurn() {
        PriorityQueue<Integer> q = new PriorityQueue<>();
        List<String> trace = new ArrayList<>();
        getAndNote(q, "a", trace);
        getAndNote(q, "b", trace);
        q.putNow(7);
        q.putNow(2);
        await(Turns.settle());
        return Task.completed(trace);
    }

    /**
     * A put only wakes a waiting getter, which takes the least item when it runs: two items put in one turn while
     * two getters wait go to them least first. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.PriorityQueue()
     *     trace = []
     *     asyncio.create_task(get_and_note(q, "a", trace))
     *     asyncio.create_task(get_and_note(q, "b", trace))
     *     q.put_nowait(7)
     *     q.put_nowait(2)
     *     await settle()
     *     return trace
     * </pre>
     * (Until the primitives woke their waiters as asyncio's do, Weft handed 7 to a at once, giving
     * {@code a=7, b=2}.)
     */
    @Test
    void wokenGettersTakeTheLeastItemWhenTheyRun() {
        assertEquals(List.of("a=2", "b=7"), EventLoop.run(() -> twoItemsInOneTurn()));
    }

    @Async
    static Task<Void> worker(PriorityQueue<Integer> q, List<String> trace) {
        while (true) {
            int item = await(q.get());
            trace.add("work " + item);
            await(Tasks.sleep(Duration.ZERO));
            q.taskDone();
        }
    }

    @Async
    static Task<List<String>> join() {
        PriorityQueue<Integer> q = new PriorityQueue<>();
        List<String> trace = new ArrayList<>();
        for (int x : List.of(3, 1, 2)) {
            q.putNow(x);
        }
        Task<Void> w = worker(q, trace);
        await(q.join());
        trace.add("joined");
        w.cancel();
        return Task.completed(trace);
    }

    /**
     * taskDone and join count items as Queue's do. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.PriorityQueue()
     *     trace = []
     *     async def worker():
     *         while True:
     *             item = await q.get()
     *             trace.append(f"work {item}")
     *             await asyncio.sleep(0)
     *             q.task_done()
     *     for x in [3, 1, 2]:
     *         q.put_nowait(x)
     *     w = asyncio.create_task(worker())
     *     await q.join()
     *     trace.append("joined")
     *     w.cancel()
     *     return trace
     * </pre>
     */
    @Test
    void joinWaitsForEveryItemToBeDone() {
        assertEquals(List.of("work 1", "work 2", "work 3", "joined"), EventLoop.run(() -> join()));
    }

    @Async
    static Task<List<String>> shutdown() {
        PriorityQueue<Integer> q = new PriorityQueue<>();
        List<String> trace = new ArrayList<>();
        for (int x : List.of(3, 1, 2)) {
            q.putNow(x);
        }
        q.shutdown();
        try {
            q.putNow(0);
        } catch (QueueShutDownException e) {
            trace.add("put: shut down");
        }
        while (true) {
            try {
                trace.add("got " + await(q.get()));
            } catch (QueueShutDownException e) {
                trace.add("get: shut down");
                break;
            }
        }
        return Task.completed(trace);
    }

    /**
     * A shut-down priority queue still gives out what it holds, in order. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.PriorityQueue()
     *     trace = []
     *     for x in [3, 1, 2]:
     *         q.put_nowait(x)
     *     q.shutdown()
     *     try:
     *         q.put_nowait(0)
     *     except asyncio.QueueShutDown:
     *         trace.append("put: shut down")
     *     while True:
     *         try:
     *             trace.append(f"got {await q.get()}")
     *         except asyncio.QueueShutDown:
     *             trace.append("get: shut down")
     *             break
     *     return trace
     * </pre>
     */
    @Test
    void aShutDownPriorityQueueGivesOutWhatItHoldsInOrder() {
        assertEquals(List.of("put: shut down", "got 1", "got 2", "got 3", "get: shut down"),
                EventLoop.run(() -> shutdown()));
    }

    @Async
    static Task<List<String>> comparatorThrowsForAWokenPutter() {
        Comparator<Job> fragile = (x, y) -> {
            int c = Integer.compare(x.priority(), y.priority());
            if (c == 0 && (x.name().equals("boom") || y.name().equals("boom"))) {
                throw new IllegalArgumentException("cannot compare " + x + " with " + y);
            }
            return c;
        };
        PriorityQueue<Job> q = new PriorityQueue<>(2, fragile);
        List<String> trace = new ArrayList<>();
        q.putNow(new Job(1, "a"));
        q.putNow(new Job(2, "b"));
        Task<Void> putter = putBoom(q, trace);
        trace.add("got " + q.getNow().name());  // wakes the putter, which compares its item with b when it runs
        await(Turns.settle());
        return Task.completed(trace);
    }

    @Async
    static Task<Void> putBoom(PriorityQueue<Job> q, List<String> trace) {
        try {
            await(q.put(new Job(2, "boom")));   // waits: full
            trace.add("put");
        } catch (IllegalArgumentException e) {
            trace.add("put failed");
        }
        return Task.completed(null);
    }

    /**
     * A woken putter stores its item when it runs; what the comparator throws then fails its put, as asyncio's
     * put fails with heapq's TypeError. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.PriorityQueue(2)
     *     trace = []
     *     q.put_nowait((1, "a"))
     *     q.put_nowait((2, "b"))
     *     async def put_boom():
     *         try:
     *             await q.put((2, object()))    # waits: full
     *             trace.append("put")
     *         except TypeError:
     *             trace.append("put failed")
     *     asyncio.create_task(put_boom())
     *     trace.append(f"got {q.get_nowait()[1]}")   # wakes the putter, which compares its item when it runs
     *     await settle()
     *     return trace
     * </pre>
     * (asyncio's list keeps the item, as heappush appends it before it compares; this queue's heap does not. The
     * comparator must not throw: see PriorityQueue.)
     */
    @Test
    void whatTheComparatorThrowsWhenAWokenPutterStoresItsItemFailsThePut() {
        assertEquals(List.of("got a", "put failed"), EventLoop.run(() -> comparatorThrowsForAWokenPutter()));
    }

    /**
     * Without a comparator an item must be Comparable; asyncio fails at the first comparison, with
     * {@code TypeError: '<' not supported between instances of 'object' and 'object'}; here the put fails at
     * once, and the queue is unchanged.
     */
    @Test
    void withoutAComparatorAnItemThatIsNotComparableIsRefused() {
        PriorityQueue<Object> q = new PriorityQueue<>();
        assertThrows(ClassCastException.class, () -> q.putNow(new Object()));
        assertEquals(0, q.size());
        q.putNow("fine");
        assertEquals("fine", q.getNow());
    }
}
