package dev.weft.it.library.sync;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Queue;
import dev.weft.runtime.QueueShutDownException;
import dev.weft.runtime.Task;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Queue.shutdown, as asyncio 3.13's {@code Queue.shutdown} (issue #12). Each expected trace is the output of the
 * Python program in the test's Javadoc, run on CPython 3.13.0 with
 * {@code loop.set_task_factory(asyncio.eager_task_factory)} and {@code loop.run_until_complete(main())}; Python's
 * {@code True}/{@code False} are lower-cased. The programs share
 * <pre>
 * async def settle():                       # Turns.settle()
 *     for _ in range(10):
 *         await asyncio.sleep(0)
 *
 * async def get_and_note(q, who, trace):
 *     try:
 *         item = await q.get()
 *         trace.append(f"{who}={item}")
 *     except asyncio.QueueShutDown:
 *         trace.append(f"{who}: shut down")
 *
 * async def put_and_note(q, item, trace):
 *     try:
 *         await q.put(item)
 *         trace.append(f"put {item}")
 *     except asyncio.QueueShutDown:
 *         trace.append(f"put {item}: shut down")
 *
 * async def join_and_note(q, trace):
 *     await q.join()
 *     trace.append("joined")
 * </pre>
 * A scenario that hangs (a waiter never woken) fails instead of stalling the build.
 */
@Timeout(10)
class QueueShutdownTest {

    @Async
    static Task<Void> getAndNote(Queue<String> q, String who, List<String> trace) {
        try {
            String item = await(q.get());
            trace.add(who + "=" + item);
        } catch (QueueShutDownException e) {
            trace.add(who + ": shut down");
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> putAndNote(Queue<String> q, String item, List<String> trace) {
        try {
            await(q.put(item));
            trace.add("put " + item);
        } catch (QueueShutDownException e) {
            trace.add("put " + item + ": shut down");
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> joinAndNote(Queue<String> q, List<String> trace) {
        await(q.join());
        trace.add("joined");
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> drainThenStop() {
        Queue<String> q = new Queue<>();
        List<String> trace = new ArrayList<>();
        q.putNow("a");
        q.putNow("b");
        q.shutdown();
        trace.add("shut down, size " + q.size());
        try {
            q.putNow("c");
        } catch (QueueShutDownException e) {
            trace.add("put_nowait: shut down");
        }
        try {
            await(q.put("c"));
        } catch (QueueShutDownException e) {
            trace.add("put: shut down");
        }
        trace.add("got " + await(q.get()));
        trace.add("got " + q.getNow());
        try {
            await(q.get());
        } catch (QueueShutDownException e) {
            trace.add("get: shut down");
        }
        try {
            q.getNow();
        } catch (QueueShutDownException e) {
            trace.add("get_nowait: shut down");
        }
        Task<Void> j = joinAndNote(q, trace);
        await(Turns.settle());
        trace.add("join waits for the two taken: " + !j.isDone());
        q.taskDone();
        q.taskDone();
        await(j);
        return Task.completed(trace);
    }

    /**
     * shutdown(): puts fail at once; gets take what is left, then fail (getNow too, with QueueShutDownException
     * rather than QueueEmptyException); join still waits for the items taken. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.Queue()
     *     trace = []
     *     q.put_nowait("a")
     *     q.put_nowait("b")
     *     q.shutdown()
     *     trace.append(f"shut down, size {q.qsize()}")
     *     try:
     *         q.put_nowait("c")
     *     except asyncio.QueueShutDown:
     *         trace.append("put_nowait: shut down")
     *     try:
     *         await q.put("c")
     *     except asyncio.QueueShutDown:
     *         trace.append("put: shut down")
     *     trace.append("got " + await q.get())
     *     trace.append("got " + q.get_nowait())
     *     try:
     *         await q.get()
     *     except asyncio.QueueShutDown:
     *         trace.append("get: shut down")
     *     try:
     *         q.get_nowait()
     *     except asyncio.QueueShutDown:
     *         trace.append("get_nowait: shut down")
     *     j = asyncio.create_task(join_and_note(q, trace))
     *     await settle()
     *     trace.append(f"join waits for the two taken: {not j.done()}")     # lower-cased
     *     q.task_done()
     *     q.task_done()
     *     await j
     *     return trace
     * </pre>
     */
    @Test
    void afterShutdownPutsFailAndGetsFailOnceTheQueueIsEmpty() {
        assertEquals(List.of("shut down, size 2", "put_nowait: shut down", "put: shut down", "got a", "got b",
                "get: shut down", "get_nowait: shut down", "join waits for the two taken: true", "joined"),
                EventLoop.run(() -> drainThenStop()));
    }

    @Async
    static Task<List<String>> waitingGetters() {
        Queue<String> q = new Queue<>();
        List<String> trace = new ArrayList<>();
        getAndNote(q, "a", trace);
        getAndNote(q, "b", trace);
        q.shutdown();
        trace.add("shutdown");
        await(Turns.settle());
        return Task.completed(trace);
    }

    /**
     * Getters waiting at the shutdown fail, in their next turn. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.Queue()
     *     trace = []
     *     asyncio.create_task(get_and_note(q, "a", trace))
     *     asyncio.create_task(get_and_note(q, "b", trace))
     *     q.shutdown()
     *     trace.append("shutdown")
     *     await settle()
     *     return trace
     * </pre>
     */
    @Test
    void waitingGettersFail() {
        assertEquals(List.of("shutdown", "a: shut down", "b: shut down"), EventLoop.run(() -> waitingGetters()));
    }

    @Async
    static Task<List<String>> waitingPutters() {
        Queue<String> q = new Queue<>(1);
        List<String> trace = new ArrayList<>();
        q.putNow("a");
        putAndNote(q, "b", trace);
        putAndNote(q, "c", trace);
        q.shutdown();
        trace.add("shutdown");
        await(Turns.settle());
        trace.add("size " + q.size());
        trace.add("got " + await(q.get()));
        try {
            await(q.get());
        } catch (QueueShutDownException e) {
            trace.add("get: shut down");
        }
        return Task.completed(trace);
    }

    /**
     * Putters waiting at the shutdown fail and put nothing; what was in the queue can still be taken. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.Queue(1)
     *     trace = []
     *     q.put_nowait("a")
     *     asyncio.create_task(put_and_note(q, "b", trace))
     *     asyncio.create_task(put_and_note(q, "c", trace))
     *     q.shutdown()
     *     trace.append("shutdown")
     *     await settle()
     *     trace.append(f"size {q.qsize()}")
     *     trace.append("got " + await q.get())
     *     try:
     *         await q.get()
     *     except asyncio.QueueShutDown:
     *         trace.append("get: shut down")
     *     return trace
     * </pre>
     */
    @Test
    void waitingPuttersFailAndPutNothing() {
        assertEquals(List.of("shutdown", "put b: shut down", "put c: shut down", "size 1", "got a",
                "get: shut down"), EventLoop.run(() -> waitingPutters()));
    }

    @Async
    static Task<List<String>> immediate() {
        Queue<String> q = new Queue<>(3);
        List<String> trace = new ArrayList<>();
        for (String x : List.of("a", "b", "c")) {
            q.putNow(x);
        }
        trace.add("got " + await(q.get()));     // a: taken, not done yet
        putAndNote(q, "d", trace);              // goes in at once
        putAndNote(q, "e", trace);              // waits: full
        Task<Void> j = joinAndNote(q, trace);
        await(Turns.settle());
        trace.add("before: size " + q.size() + ", joined " + j.isDone());
        q.shutdown(true);
        trace.add("after: size " + q.size() + ", empty " + q.isEmpty());
        try {
            q.getNow();
        } catch (QueueShutDownException e) {
            trace.add("get_nowait: shut down");
        }
        await(Turns.settle());
        trace.add("joined while a is not done: " + j.isDone());
        q.taskDone();                           // a
        await(Turns.settle());
        try {
            q.taskDone();
        } catch (IllegalStateException e) {
            trace.add("task_done: too many");
        }
        return Task.completed(trace);
    }

    /**
     * shutdown(true) empties the queue at once, each item dropped counting as done: join waits only for the item
     * taken before, and taskDone beyond that is an error (ValueError in asyncio, IllegalStateException here). A
     * waiting putter fails. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.Queue(3)
     *     trace = []
     *     for x in "abc":
     *         q.put_nowait(x)
     *     trace.append("got " + await q.get())     # a: taken, not done yet
     *     asyncio.create_task(put_and_note(q, "d", trace))   # goes in at once
     *     asyncio.create_task(put_and_note(q, "e", trace))   # waits: full
     *     j = asyncio.create_task(join_and_note(q, trace))
     *     await settle()
     *     trace.append(f"before: size {q.qsize()}, joined {j.done()}")          # lower-cased
     *     q.shutdown(immediate=True)
     *     trace.append(f"after: size {q.qsize()}, empty {q.empty()}")           # lower-cased
     *     try:
     *         q.get_nowait()
     *     except asyncio.QueueShutDown:
     *         trace.append("get_nowait: shut down")
     *     await settle()
     *     trace.append(f"joined while a is not done: {j.done()}")               # lower-cased
     *     q.task_done()                            # a
     *     await settle()
     *     try:
     *         q.task_done()
     *     except ValueError as e:
     *         trace.append("task_done: too many")  # str(e): task_done() called too many times
     *     return trace
     * </pre>
     */
    @Test
    void shutdownImmediateEmptiesTheQueueCountingEachItemDone() {
        assertEquals(List.of("got a", "put d", "before: size 3, joined false", "after: size 0, empty true",
                "get_nowait: shut down", "put e: shut down", "joined while a is not done: false", "joined",
                "task_done: too many"), EventLoop.run(() -> immediate()));
    }

    @Async
    static Task<List<String>> immediateReleasesJoin() {
        Queue<String> q = new Queue<>();
        List<String> trace = new ArrayList<>();
        q.putNow("x");
        q.putNow("y");
        joinAndNote(q, trace);
        getAndNote(q, "g", trace);              // takes x at once
        q.taskDone();                           // x
        await(Turns.settle());
        trace.add("y left: size " + q.size());
        q.shutdown(true);
        trace.add("shutdown(true)");
        await(Turns.settle());
        return Task.completed(trace);
    }

    /**
     * A join waiting only for items still in the queue returns after shutdown(true). Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.Queue()
     *     trace = []
     *     q.put_nowait("x")
     *     q.put_nowait("y")
     *     asyncio.create_task(join_and_note(q, trace))
     *     asyncio.create_task(get_and_note(q, "g", trace))   # takes x at once
     *     q.task_done()                            # x
     *     await settle()
     *     trace.append(f"y left: size {q.qsize()}")
     *     q.shutdown(True)
     *     trace.append("shutdown(true)")           # lower-cased
     *     await settle()
     *     return trace
     * </pre>
     */
    @Test
    void shutdownImmediateReleasesJoin() {
        assertEquals(List.of("g=x", "y left: size 1", "shutdown(true)", "joined"),
                EventLoop.run(() -> immediateReleasesJoin()));
    }

    @Async
    static Task<List<String>> immediateWithWaiters() {
        Queue<String> q = new Queue<>();
        List<String> trace = new ArrayList<>();
        getAndNote(q, "a", trace);
        getAndNote(q, "b", trace);
        q.shutdown(true);
        trace.add("shutdown(true)");
        await(Turns.settle());
        try {
            await(q.put("late"));
        } catch (QueueShutDownException e) {
            trace.add("put: shut down");
        }
        return Task.completed(trace);
    }

    /**
     * shutdown(true) fails the waiting getters too. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.Queue()
     *     trace = []
     *     asyncio.create_task(get_and_note(q, "a", trace))
     *     asyncio.create_task(get_and_note(q, "b", trace))
     *     q.shutdown(immediate=True)
     *     trace.append("shutdown(true)")           # lower-cased
     *     await settle()
     *     try:
     *         await q.put("late")
     *     except asyncio.QueueShutDown:
     *         trace.append("put: shut down")
     *     return trace
     * </pre>
     */
    @Test
    void shutdownImmediateFailsWaitingGetters() {
        assertEquals(List.of("shutdown(true)", "a: shut down", "b: shut down", "put: shut down"),
                EventLoop.run(() -> immediateWithWaiters()));
    }

    @Async
    static Task<List<String>> immediateAfterShutdown() {
        Queue<String> q = new Queue<>();
        List<String> trace = new ArrayList<>();
        q.putNow("a");
        q.putNow("b");
        q.shutdown();
        trace.add("got " + q.getNow());
        q.shutdown(true);
        trace.add("size " + q.size());
        try {
            q.getNow();
        } catch (QueueShutDownException e) {
            trace.add("get_nowait: shut down");
        }
        q.taskDone();                           // a
        await(q.join());
        trace.add("joined");
        return Task.completed(trace);
    }

    /**
     * shutdown(true) after shutdown() empties what is left. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.Queue()
     *     trace = []
     *     q.put_nowait("a")
     *     q.put_nowait("b")
     *     q.shutdown()
     *     trace.append("got " + q.get_nowait())
     *     q.shutdown(True)
     *     trace.append(f"size {q.qsize()}")
     *     try:
     *         q.get_nowait()
     *     except asyncio.QueueShutDown:
     *         trace.append("get_nowait: shut down")
     *     q.task_done()                            # a
     *     await q.join()
     *     trace.append("joined")
     *     return trace
     * </pre>
     */
    @Test
    void shutdownImmediateAfterShutdownEmptiesWhatIsLeft() {
        assertEquals(List.of("got a", "size 0", "get_nowait: shut down", "joined"),
                EventLoop.run(() -> immediateAfterShutdown()));
        Queue<String> q = new Queue<>();
        assertEquals(false, q.isShutDown());
        q.shutdown();
        assertEquals(true, q.isShutDown());
    }

    @Async
    static Task<List<String>> wokenThenCancelled() {
        Queue<String> q = new Queue<>();
        List<String> trace = new ArrayList<>();
        Task<Void> a = getAndNote(q, "a", trace);
        q.putNow("x");                          // wakes a, which has not run yet
        q.shutdown(true);                       // drops x, counted done
        a.cancel();
        Task<Void> j = joinAndNote(q, trace);
        await(Turns.settle());
        trace.add("a cancelled " + a.isCancelled() + ", size " + q.size() + ", joined " + j.isDone());
        return Task.completed(trace);
    }

    /**
     * An item put for a getter that has not run yet is still in the queue, so shutdown(true) drops it and counts
     * it done; the getter, cancelled, takes nothing. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.Queue()
     *     trace = []
     *     a = asyncio.create_task(get_and_note(q, "a", trace))
     *     q.put_nowait("x")                        # wakes a, which has not run yet
     *     q.shutdown(True)
     *     a.cancel()
     *     j = asyncio.create_task(join_and_note(q, trace))
     *     await settle()
     *     trace.append(f"a cancelled {a.cancelled()}, size {q.qsize()}, joined {j.done()}")    # lower-cased
     *     return trace
     * </pre>
     */
    @Test
    void anItemPutForAGetterThatHasNotRunIsDroppedByShutdownImmediate() {
        assertEquals(List.of("joined", "a cancelled true, size 0, joined true"),
                EventLoop.run(() -> wokenThenCancelled()));
    }

    @Async
    static Task<List<String>> turnCameBeforeShutdown() {
        Queue<String> q = new Queue<>(1);
        List<String> trace = new ArrayList<>();
        getAndNote(q, "a", trace);
        q.putNow("x");                          // wakes a, which has not run yet
        q.shutdown(true);
        await(Turns.settle());
        Queue<String> r = new Queue<>(1);
        r.putNow("a");
        putAndNote(r, "b", trace);
        trace.add("got " + r.getNow());         // frees the slot for b, which has not run yet
        r.shutdown();
        await(Turns.settle());
        trace.add("size " + r.size());
        return Task.completed(trace);
    }

    /**
     * A getter woken by a put, or a putter by a get, before the shutdown, whose task runs after it, sees the queue
     * as it is then: the getter fails when shutdown(true) has emptied the queue, the putter fails in any case, its
     * item not put. Python 3.13:
     * <pre>
     * async def main():
     *     q = asyncio.Queue(1)
     *     trace = []
     *     asyncio.create_task(get_and_note(q, "a", trace))
     *     q.put_nowait("x")                        # wakes a, which has not run yet
     *     q.shutdown(True)
     *     await settle()
     *     r = asyncio.Queue(1)
     *     r.put_nowait("a")
     *     asyncio.create_task(put_and_note(r, "b", trace))
     *     trace.append("got " + r.get_nowait())    # frees the slot for b, which has not run yet
     *     r.shutdown()
     *     await settle()
     *     trace.append(f"size {r.qsize()}")
     *     return trace
     * </pre>
     * (Until the primitives woke their waiters as asyncio's do, Weft handed x to a and let b's item in at once,
     * and both finished normally: {@code a=x, got a, put b, size 1}.)
     */
    @Test
    void aWaiterWokenBeforeTheShutdownSeesTheShutdownWhenItRuns() {
        assertEquals(List.of("a: shut down", "got a", "put b: shut down", "size 0"),
                EventLoop.run(() -> turnCameBeforeShutdown()));
    }
}
