package dev.weft.it.library.task;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A task without a loop steps on whatever thread completes what it awaits, and may be cancelled from any other
 * thread meanwhile. Its resume point, cancellation flags and request count share one int (issue #13's 32-byte
 * frame), so the step's writes and the canceller's must not lose each other: every request is counted once,
 * whatever the interleaving.
 */
@Timeout(60)
class LooplessTaskRaceTest {

    static final int CANCELS = 60_000; // with setLabel unsynchronized this failed 1 run in 3 at 20,000

    @Async
    static Task<Integer> worker(BlockingQueue<Future<Integer>> handoff, AtomicBoolean cancellerDone,
            AtomicInteger caught) {
        int awaited = 0;
        while (true) {
            boolean last = cancellerDone.get(); // then no request can come after this await's
            Future<Integer> f = new Future<>((EventLoop) null);
            handoff.add(f);
            try {
                awaited += await(f);
                if (last) {
                    return Task.completed(awaited);
                }
            } catch (CancellationException e) {
                caught.incrementAndGet();
                Task.current().uncancel();
            }
        }
    }

    @Test
    void cancellationsFromAnotherThreadWhileTheTaskStepsAreEachCountedOnce() throws Exception {
        BlockingQueue<Future<Integer>> handoff = new LinkedBlockingQueue<>();
        AtomicBoolean cancellerDone = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger caught = new AtomicInteger();
        Task<Integer> t = worker(handoff, cancellerDone, caught); // no loop: suspended on its first future
        Thread completer = new Thread(() -> { // the task's steps run here, inside tryComplete
            try {
                while (!stop.get()) {
                    Future<Integer> f = handoff.poll(10, TimeUnit.MILLISECONDS);
                    if (f != null) {
                        f.tryComplete(1);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "completer");
        completer.start();
        int accepted = 0;
        for (int i = 0; i < CANCELS; i++) {
            if (t.cancel()) {
                accepted++;
            }
            if ((i & 63) == 0) {
                Thread.onSpinWait();
            }
        }
        cancellerDone.set(true);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!t.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        stop.set(true);
        completer.join();
        assertTrue(t.isDone(), "the task did not finish");
        assertTrue(t.result() > 0);
        assertEquals(CANCELS, accepted, "a pending task accepts every cancel()");
        assertTrue(caught.get() > 0, "no cancellation was delivered");
        // each delivery took one request back; the rest were folded into a delivery and are still counted
        assertEquals(accepted - caught.get(), t.cancelling());
    }
}
