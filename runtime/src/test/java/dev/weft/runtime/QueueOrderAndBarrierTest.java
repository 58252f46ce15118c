package dev.weft.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The parts of LifoQueue, PriorityQueue, Queue.shutdown and Barrier that need no {@code @Async} code: the store
 * orders through the non-waiting methods, the states shown by toString, and a barrier future that is not awaited
 * by a task. Their behaviour with waiting tasks is tested against CPython 3.13 in it-tests (library/sync).
 */
@Timeout(10)
class QueueOrderAndBarrierTest {

    private static <T> List<T> drain(Queue<T> q) {
        List<T> out = new ArrayList<>();
        while (!q.isEmpty()) {
            out.add(q.getNow());
        }
        return out;
    }

    @Test
    void eachQueueClassKeepsItsOrder() {
        Queue<Integer> fifo = new Queue<>();
        LifoQueue<Integer> lifo = new LifoQueue<>();
        PriorityQueue<Integer> least = new PriorityQueue<>();
        PriorityQueue<Integer> most = new PriorityQueue<>(Comparator.reverseOrder());
        for (Queue<Integer> q : List.of(fifo, lifo, least, most)) {
            for (int x : List.of(3, 1, 4, 1, 5)) {
                q.putNow(x);
            }
            assertEquals(5, q.size());
        }
        assertEquals(List.of(3, 1, 4, 1, 5), drain(fifo));
        assertEquals(List.of(5, 1, 4, 1, 3), drain(lifo));
        assertEquals(List.of(1, 1, 3, 4, 5), drain(least));
        assertEquals(List.of(5, 4, 3, 1, 1), drain(most));
    }

    @Test
    void equalItemsLeaveAPriorityQueueInTheOrderTheyWerePut() {
        PriorityQueue<String> q = new PriorityQueue<>(Comparator.comparingInt(String::length));
        for (String s : List.of("bb", "a1", "ccc", "a2", "z", "a3")) {
            q.putNow(s);
        }
        assertEquals(List.of("z", "bb", "a1", "a2", "a3", "ccc"), drain(q));
    }

    @Test
    void aBoundedSubclassIsFullAtItsBound() {
        LifoQueue<String> q = new LifoQueue<>(2);
        q.putNow("a");
        q.putNow("b");
        assertTrue(q.isFull());
        assertThrows(QueueFullException.class, () -> q.putNow("c"));
        assertEquals("b", q.getNow());
        assertThrows(NullPointerException.class, () -> new PriorityQueue<Object>().putNow(null));
    }

    @Test
    void shutdownImmediateCountsTheDroppedItemsDone() {
        PriorityQueue<Integer> q = new PriorityQueue<>();
        q.putNow(2);
        q.putNow(1);
        q.putNow(3);
        assertEquals(1, q.getNow());
        q.shutdown(true);
        assertEquals(0, q.size());
        assertThrows(QueueShutDownException.class, q::getNow);
        assertThrows(QueueShutDownException.class, () -> q.putNow(4));
        q.taskDone();                            // the one taken; the two dropped count as done
        assertThrows(IllegalStateException.class, q::taskDone);
        assertTrue(q.join().isDone());
        assertTrue(q.toString().startsWith("PriorityQueue@"), q.toString());
        assertTrue(q.toString().endsWith(", unfinished:0, shut down]"), q.toString());
    }

    @Test
    void aShutDownQueueFailsTheFutureOfAPut() {
        Queue<String> q = new Queue<>();
        q.shutdown();
        Future<Void> put = q.put("x");
        assertTrue(put.isDone());
        assertInstanceOf(QueueShutDownException.class, put.exception());
    }

    @Test
    void aBarrierFutureAwaitedByACallbackCompletesAsAnyFuture() {
        List<String> trace = new ArrayList<>();
        EventLoop.run(() -> {
            Barrier b = new Barrier(2);
            Future<Integer> first = b.waitFor();
            Future<Void> done = new Future<>();
            first.addDoneCallback(f -> {
                trace.add("first " + f.result());
                done.complete(null);
            });
            trace.add(b.toString().replaceAll("@[0-9a-f]+", ""));
            Future<Integer> second = b.waitFor();
            trace.add("second " + second.result() + " at once");
            trace.add(b.toString().replaceAll("@[0-9a-f]+", ""));
            Barrier broken = new Barrier(2);
            broken.abort();
            trace.add(broken.toString().replaceAll("@[0-9a-f]+", ""));
            Future<Integer> late = broken.waitFor();
            trace.add("late " + late.exception().getClass().getSimpleName() + ": " + late.exception().getMessage());
            return done;
        });
        assertEquals(List.of("Barrier[filling, waiters:1/2]", "second 1 at once", "Barrier[draining, waiters:0/2]",
                "Barrier[broken]", "late BrokenBarrierException: Barrier aborted", "first 0"), trace);
    }

    @Test
    void aBarrierThatWouldWaitWithoutALoopRefusesAndChangesNothing() {
        Barrier b = new Barrier(2);
        assertThrows(IllegalStateException.class, b::waitFor);
        assertEquals(0, b.nWaiting());
        Barrier one = new Barrier(1);
        assertEquals(0, one.waitFor().result());
        one.abort();
        assertTrue(one.isBroken());
        assertInstanceOf(BrokenBarrierException.class, one.waitFor().exception());
        one.reset();
        assertFalse(one.isBroken());
    }

    @Test
    void cancellingABarrierFutureFromAnotherThreadIsForwardedToTheLoop() throws Exception {
        List<String> trace = new ArrayList<>();
        EventLoop.run(() -> {
            Barrier b = new Barrier(2);
            Future<Integer> w = b.waitFor();
            Thread other = new Thread(() -> trace.add("cancel from another thread: " + w.cancel()));
            other.start();
            try {
                other.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            trace.add("still waiting: " + b.nWaiting());
            Future<Void> done = new Future<>();
            w.addDoneCallback(f -> {
                trace.add("cancelled " + f.isCancelled() + ", waiting " + b.nWaiting());
                done.complete(null);
            });
            return done;
        });
        assertEquals(List.of("cancel from another thread: true", "still waiting: 1", "cancelled true, waiting 0"),
                trace);
    }
}
