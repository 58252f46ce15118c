package dev.weft.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The waits of Lock, Semaphore, Condition and Queue ({@link PrimitiveWait}) when no task awaits them: a callback
 * waits, or no loop runs. With a task, they are tested against CPython 3.13 in it-tests (library/sync).
 */
@Timeout(10)
class PrimitiveWaitTest {

    @Test
    void aWaitWithACallbackTakesTheLockInACallbackOfItsOwnAndTellsTheCallbackATurnLater() {
        List<String> trace = new ArrayList<>();
        EventLoop.run(() -> {
            EventLoop loop = EventLoop.running();
            Lock lock = new Lock();
            lock.acquire();
            Future<Void> w = lock.acquire();
            Future<Void> told = new Future<>();
            w.addDoneCallback(f -> {
                trace.add("callback: locked " + lock.isLocked());
                told.complete(null);
            });
            lock.release();
            trace.add("released: done " + w.isDone() + ", locked " + lock.isLocked());
            loop.callSoon(() -> trace.add("next turn: done " + w.isDone() + ", locked " + lock.isLocked()));
            return told;
        });
        assertEquals(List.of("released: done false, locked false", "next turn: done true, locked true",
                "callback: locked true"), trace);
    }

    @Test
    void aWaitWithACallbackCancelledOnceWokenPassesTheWakeUpOn() {
        List<String> trace = new ArrayList<>();
        EventLoop.run(() -> {
            Queue<String> q = new Queue<>();
            Future<String> a = q.get();
            Future<String> b = q.get();
            Future<Void> told = new Future<>();
            a.addDoneCallback(f -> trace.add("a cancelled " + f.isCancelled()));
            b.addDoneCallback(f -> {
                trace.add("b=" + f.result());
                told.complete(null);
            });
            q.putNow("x");                            // wakes a
            trace.add("cancel a: " + a.cancel());     // a, not a task's, takes the cancellation once woken
            return told;
        });
        assertEquals(List.of("cancel a: true", "a cancelled true", "b=x"), trace);
    }

    @Test
    void withoutALoopAWaitClaimsAtOnce() {
        Lock lock = new Lock();
        assertTrue(lock.acquire().isDone());
        Future<Void> w = lock.acquire();
        List<String> trace = new ArrayList<>();
        w.addDoneCallback(f -> trace.add("callback: locked " + lock.isLocked()));
        lock.release();
        assertEquals(List.of("callback: locked true"), trace);
        assertTrue(w.isDone());

        Queue<String> q = new Queue<>();
        Future<String> g = q.get();
        q.putNow("x");
        assertEquals("x", g.result());
        Future<String> cancelled = q.get();
        assertTrue(cancelled.cancel());
        assertTrue(cancelled.isCancelled());
        q.putNow("y");
        assertEquals(1, q.size());

        Semaphore s = new Semaphore(0);
        Future<Void> permit = s.acquire();
        s.release();
        assertTrue(permit.isDone());
        assertEquals(0, s.availablePermits());
    }

    @Test
    void onlyThePrimitiveFinishesItsWaits() {
        Lock lock = new Lock();
        lock.acquire();
        Future<Void> w = lock.acquire();
        assertThrows(UnsupportedOperationException.class, () -> w.complete(null));
        assertThrows(UnsupportedOperationException.class, () -> w.tryComplete(null));
        assertThrows(UnsupportedOperationException.class, () -> w.fail(new RuntimeException()));
        assertThrows(UnsupportedOperationException.class, () -> w.tryFail(new RuntimeException()));
        assertFalse(w.isDone());
        lock.release();
        assertTrue(w.isDone());
        assertTrue(w.toString().startsWith("Lock.acquire@"), w.toString());
    }

    @Test
    void cancellingAWaitFromAnotherThreadIsForwardedToTheLoop() {
        List<String> trace = new ArrayList<>();
        EventLoop.run(() -> {
            Lock lock = new Lock();
            lock.acquire();
            Future<Void> w = lock.acquire();
            Future<Void> told = new Future<>();
            w.addDoneCallback(f -> {
                trace.add("cancelled " + f.isCancelled() + ", locked " + lock.isLocked());
                lock.release();
                trace.add("then free: " + lock.acquire().isDone());
                told.complete(null);
            });
            Thread other = new Thread(() -> trace.add("cancel from another thread: " + w.cancel()));
            other.start();
            try {
                other.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return told;
        });
        assertEquals(List.of("cancel from another thread: true", "cancelled true, locked true", "then free: true"),
                trace);
    }
}
