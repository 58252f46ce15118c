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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A scenario that hangs (a waiter never woken) fails instead of stalling the build. */
@Timeout(10)
class QueueTest {

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

    @Test
    void aBoundedQueuePutWaitsWhileFullAndPuttersGoInInOrder() {
        assertEquals(List.of("waiting: b done false, size 1, full true", "got a", "got b", "got c", "put b", "put c"),
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
        q.putNow("x");              // handed to b ...
        b.cancel();                 // ... cancelled before it resumed: x goes on to c
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
        q.putNow("x");              // handed to a
        q.putNow("y");              // no getter waits: queued
        a.cancel();                 // a never sees x: it goes back in front of y
        await(Turns.settle());
        trace.add("a cancelled " + a.isCancelled());
        trace.add(q.getNow());
        trace.add(q.getNow());
        return Task.completed(trace);
    }

    @Test
    void anItemHandedToACancelledGetterGoesBackToTheHead() {
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
