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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A scenario that hangs (a waiter never woken) fails instead of stalling the build. */
@Timeout(10)
class SemaphoreTest {

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
        Future<Void> late = s.acquire();   // the released permit went to a: this one queues behind d
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
        s.release();                // goes to b (a is gone)
        b.cancel();                 // b is cancelled before it resumes: its permit goes to c
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
