package dev.weft.it.library.sync;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.LifoQueue;
import dev.weft.runtime.Queue;
import dev.weft.runtime.QueueEmptyException;
import dev.weft.runtime.QueueFullException;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * LifoQueue, as asyncio's {@code LifoQueue} (issue #12). Each expected trace is the output of the Python program in
 * the test's Javadoc, run on CPython 3.13.0 with {@code loop.set_task_factory(asyncio.eager_task_factory)} and
 * {@code loop.run_until_complete(main())}; Python's {@code True}/{@code False} are lower-cased. The programs share
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
class LifoQueueTest {

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
    static Task<List<String>> order() {
        LifoQueue<String> q = new LifoQueue<>();
        for (String x : List.of("a", "b", "c")) {
            q.putNow(x);
        }
        List<String> trace = new ArrayList<>();
        trace.add(await(q.get()));
        q.putNow("d");
        while (!q.isEmpty()) {
            trace.add(await(q.get()));
        }
        return Task.completed(trace);
    }

    /**
     * The newest item comes out first. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.LifoQueue()
     *     for x in "abc":
     *         q.put_nowait(x)
     *     trace = [await q.get()]
     *     q.put_nowait("d")
     *     while not q.empty():
     *         trace.append(await q.get())
     *     return trace
     * </pre>
     */
    @Test
    void theNewestItemComesOutFirst() {
        assertEquals(List.of("c", "d", "b", "a"), EventLoop.run(() -> order()));
    }

    @Async
    static Task<List<String>> bounded() {
        LifoQueue<String> q = new LifoQueue<>(2);
        List<String> trace = new ArrayList<>();
        q.putNow("a");
        q.putNow("b");
        Task<Void> pc = putAndNote(q, "c", trace);
        putAndNote(q, "d", trace);
        trace.add("waiting: size " + q.size() + ", full " + q.isFull() + ", c done " + pc.isDone());
        try {
            q.putNow("x");
        } catch (QueueFullException e) {
            trace.add("put_nowait: full");
        }
        trace.add("got " + await(q.get()));
        await(Turns.settle());          // c goes in on top
        trace.add("got " + await(q.get()));
        await(Turns.settle());          // d goes in on top
        trace.add("got " + await(q.get()));
        trace.add("got " + await(q.get()));
        try {
            q.getNow();
        } catch (QueueEmptyException e) {
            trace.add("get_nowait: empty");
        }
        return Task.completed(trace);
    }

    /**
     * A bounded LIFO queue makes put wait while full; a slot freed by a get lets the first putter in, and its
     * item goes on top. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.LifoQueue(2)
     *     trace = []
     *     q.put_nowait("a")
     *     q.put_nowait("b")
     *     pc = asyncio.create_task(put_and_note(q, "c", trace))
     *     asyncio.create_task(put_and_note(q, "d", trace))
     *     trace.append(f"waiting: size {q.qsize()}, full {q.full()}, c done {pc.done()}")   # lower-cased
     *     try:
     *         q.put_nowait("x")
     *     except asyncio.QueueFull:
     *         trace.append("put_nowait: full")
     *     trace.append(f"got {await q.get()}")
     *     await settle()                       # c goes in on top
     *     trace.append(f"got {await q.get()}")
     *     await settle()                       # d goes in on top
     *     trace.append(f"got {await q.get()}")
     *     trace.append(f"got {await q.get()}")
     *     try:
     *         q.get_nowait()
     *     except asyncio.QueueEmpty:
     *         trace.append("get_nowait: empty")
     *     return trace
     * </pre>
     */
    @Test
    void aBoundedLifoQueueMakesPutWaitWhileFull() {
        assertEquals(List.of("waiting: size 2, full true, c done false", "put_nowait: full", "got b", "put c",
                "got c", "put d", "got d", "got a", "get_nowait: empty"), EventLoop.run(() -> bounded()));
    }

    @Async
    static Task<List<String>> waitingGetters() {
        LifoQueue<String> q = new LifoQueue<>();
        List<String> trace = new ArrayList<>();
        getAndNote(q, "a", trace);
        getAndNote(q, "b", trace);
        q.putNow("x");
        await(Turns.settle());
        q.putNow("y");
        await(Turns.settle());
        return Task.completed(trace);
    }

    /**
     * get waits while the queue is empty; waiting getters are served in the order they asked. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.LifoQueue()
     *     trace = []
     *     asyncio.create_task(get_and_note(q, "a", trace))
     *     asyncio.create_task(get_and_note(q, "b", trace))
     *     q.put_nowait("x")
     *     await settle()
     *     q.put_nowait("y")
     *     await settle()
     *     return trace
     * </pre>
     */
    @Test
    void getWaitsWhileEmptyAndGettersAreServedInOrder() {
        assertEquals(List.of("a=x", "b=y"), EventLoop.run(() -> waitingGetters()));
    }

    @Async
    static Task<List<String>> twoItemsInOneTurn() {
        LifoQueue<String> q = new LifoQueue<>();
        List<String> trace = new ArrayList<>();
        getAndNote(q, "a", trace);
        getAndNote(q, "b", trace);
        q.putNow("x");
        q.putNow("y");
        await(Turns.settle());
        return Task.completed(trace);
    }

    /**
     * A put only wakes a waiting getter, which takes the top item when it runs: two items put in one turn while two
     * getters wait go to them newest first. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.LifoQueue()
     *     trace = []
     *     asyncio.create_task(get_and_note(q, "a", trace))
     *     asyncio.create_task(get_and_note(q, "b", trace))
     *     q.put_nowait("x")
     *     q.put_nowait("y")
     *     await settle()
     *     return trace
     * </pre>
     * (Until the primitives woke their waiters as asyncio's do, Weft handed x to a at once, giving
     * {@code a=x, b=y}.)
     */
    @Test
    void wokenGettersTakeTheTopItemWhenTheyRun() {
        assertEquals(List.of("a=y", "b=x"), EventLoop.run(() -> twoItemsInOneTurn()));
    }

    @Async
    static Task<List<String>> wokenThenCancelled() {
        LifoQueue<String> q = new LifoQueue<>();
        List<String> trace = new ArrayList<>();
        Task<Void> a = getAndNote(q, "a", trace);
        q.putNow("x");          // wakes a
        q.putNow("y");
        q.putNow("z");
        a.cancel();             // before a resumed: x stays in the queue, under y and z
        await(Turns.settle());
        trace.add("a cancelled " + a.isCancelled() + ", size " + q.size());
        while (!q.isEmpty()) {
            trace.add(q.getNow());
        }
        return Task.completed(trace);
    }

    /**
     * An item put for a getter cancelled before it resumed stays in the queue, under the items put after it.
     * Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.LifoQueue()
     *     trace = []
     *     a = asyncio.create_task(get_and_note(q, "a", trace))
     *     q.put_nowait("x")        # wakes a
     *     q.put_nowait("y")
     *     q.put_nowait("z")
     *     a.cancel()               # before a resumed: x stays in the queue, under y and z
     *     await settle()
     *     trace.append(f"a cancelled {a.cancelled()}, size {q.qsize()}")    # lower-cased
     *     while not q.empty():
     *         trace.append(q.get_nowait())
     *     return trace
     * </pre>
     */
    @Test
    void anItemPutForAGetterCancelledBeforeItRanStaysUnderNewerItems() {
        assertEquals(List.of("a cancelled true, size 3", "z", "y", "x"), EventLoop.run(() -> wokenThenCancelled()));
    }

    @Async
    static Task<Void> worker(LifoQueue<String> q, List<String> trace) {
        while (true) {
            String item = await(q.get());
            trace.add("work " + item);
            await(Tasks.sleep(Duration.ZERO));
            q.taskDone();
        }
    }

    @Async
    static Task<List<String>> join() {
        LifoQueue<String> q = new LifoQueue<>();
        List<String> trace = new ArrayList<>();
        for (String x : List.of("a", "b", "c")) {
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
     *     q = asyncio.LifoQueue()
     *     trace = []
     *     async def worker():
     *         while True:
     *             item = await q.get()
     *             trace.append(f"work {item}")
     *             await asyncio.sleep(0)
     *             q.task_done()
     *     for x in "abc":
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
        assertEquals(List.of("work c", "work b", "work a", "joined"), EventLoop.run(() -> join()));
    }
}
