package dev.weft.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class FutureTest {

    @Test
    void completedFutureGivesItsValue() {
        Future<String> f = new Future<>();
        assertFalse(f.isDone());
        f.complete("x");
        assertTrue(f.isDone());
        assertFalse(f.isCancelled());
        assertEquals("x", f.result());
        assertNull(f.exception());
    }

    @Test
    void secondCompletionIsAnInvalidState() {
        Future<String> f = new Future<>();
        f.complete("first");
        assertThrows(InvalidStateException.class, () -> f.complete("second"));
        assertThrows(InvalidStateException.class, () -> f.fail(new RuntimeException()));
        assertFalse(f.tryComplete("third"));
        assertFalse(f.cancel());
        assertEquals("first", f.result());
    }

    @Test
    void pendingFutureHasNoResultNorException() {
        Future<String> f = new Future<>();
        assertThrows(InvalidStateException.class, f::result);
        assertThrows(InvalidStateException.class, f::exception);
    }

    @Test
    void failedFutureThrowsTheOriginalExceptionFromResult() {
        Future<String> f = new Future<>();
        java.io.IOException boom = new java.io.IOException("boom");
        f.fail(boom);
        Throwable thrown = assertThrows(java.io.IOException.class, f::result);
        assertSame(boom, thrown);
        assertSame(boom, f.exception());
        assertTrue(f.isFailed());
    }

    @Test
    void cancelledFutureThrowsCancellationWithItsMessage() {
        Future<String> f = new Future<>();
        assertTrue(f.cancel("no longer needed"));
        assertTrue(f.isCancelled());
        assertTrue(f.isDone());
        CancellationException e = assertThrows(CancellationException.class, f::result);
        assertEquals("no longer needed", e.getMessage());
        assertThrows(CancellationException.class, f::exception);
        assertEquals("no longer needed", f.cancelMessage());
        assertThrows(InvalidStateException.class, () -> f.complete("late"));
    }

    @Test
    void callbacksRunThroughTheLoopInOrderNeverInsideComplete() {
        List<String> trace = new ArrayList<>();
        EventLoop.run(() -> {
            Future<Integer> f = new Future<>();
            f.addDoneCallback(x -> trace.add("first " + x.result()));
            f.addDoneCallback(x -> trace.add("second " + x.result()));
            EventLoop.running().callSoon(() -> trace.add("already ready"));
            f.complete(7);
            trace.add("after complete");
            return Tasks.sleep(Duration.ofMillis(1));
        });
        assertEquals(List.of("after complete", "already ready", "first 7", "second 7"), trace);
    }

    @Test
    void callbackAddedAfterDoneIsScheduledNotRunInline() {
        List<String> trace = new ArrayList<>();
        EventLoop.run(() -> {
            Future<Integer> f = new Future<>();
            f.complete(1);
            f.addDoneCallback(x -> trace.add("callback"));
            trace.add("after add");
            return Tasks.sleep(Duration.ofMillis(1));
        });
        assertEquals(List.of("after add", "callback"), trace);
    }

    @Test
    void callbackScheduledDuringADrainRunsOnTheNextTurn() {
        List<String> trace = new ArrayList<>();
        EventLoop.run(() -> {
            EventLoop loop = EventLoop.running();
            Future<Integer> f = new Future<>();
            Future<Integer> g = new Future<>();
            f.addDoneCallback(x -> {
                trace.add("f done");
                g.complete(2); // g's callback is scheduled now, so it runs on the next turn
                loop.callSoon(() -> trace.add("scheduled by f's callback"));
            });
            g.addDoneCallback(x -> trace.add("g done"));
            loop.callSoon(() -> {
                f.complete(1);
                loop.callSoon(() -> trace.add("scheduled after f completed"));
            });
            return Tasks.sleep(Duration.ofMillis(5));
        });
        assertEquals(List.of("f done", "scheduled after f completed", "g done", "scheduled by f's callback"), trace);
    }

    @Test
    void removedCallbackDoesNotRunAndRemovalCountsEachRegistration() {
        List<String> trace = new ArrayList<>();
        EventLoop.run(() -> {
            Future<Integer> f = new Future<>();
            Consumer<Future<Integer>> a = x -> trace.add("a");
            Consumer<Future<Integer>> b = x -> trace.add("b");
            f.addDoneCallback(a);
            f.addDoneCallback(b);
            f.addDoneCallback(a);
            assertEquals(2, f.removeDoneCallback(a));
            assertEquals(0, f.removeDoneCallback(a));
            f.complete(1);
            return Tasks.sleep(Duration.ofMillis(1));
        });
        assertEquals(List.of("b"), trace);
    }

    @Test
    void futureWithoutLoopRunsCallbacksOnTheCompletingThread() throws Exception {
        Future<String> f = new Future<>();
        assertNull(f.loop());
        AtomicReference<String> ranOn = new AtomicReference<>();
        f.addDoneCallback(x -> ranOn.set(Thread.currentThread().getName()));
        Thread t = new Thread(() -> f.complete("v"), "completer");
        t.start();
        t.join();
        assertEquals("completer", ranOn.get());
    }

    @Test
    void futureWithoutLoopAcceptsOneCompletionAmongRacingThreads() throws Exception {
        for (int round = 0; round < 200; round++) {
            Future<Integer> f = new Future<>();
            int[] callbacks = new int[1];
            f.addDoneCallback(x -> {
                synchronized (callbacks) {
                    callbacks[0]++;
                }
            });
            Thread[] threads = new Thread[4];
            java.util.concurrent.atomic.AtomicInteger winners = new java.util.concurrent.atomic.AtomicInteger();
            for (int i = 0; i < threads.length; i++) {
                int v = i;
                threads[i] = new Thread(() -> {
                    if (f.tryComplete(v)) {
                        winners.incrementAndGet();
                    }
                });
                threads[i].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(1, winners.get());
            synchronized (callbacks) {
                assertEquals(1, callbacks[0]);
            }
        }
    }

    @Test
    void completionFromAnotherThreadIsCarriedToTheLoopThread() {
        AtomicReference<String> callbackThread = new AtomicReference<>();
        String loopThread = Thread.currentThread().getName();
        int value = EventLoop.run(() -> {
            Future<Integer> f = new Future<>();
            f.addDoneCallback(x -> callbackThread.set(Thread.currentThread().getName()));
            new Thread(() -> f.complete(42), "other").start();
            return f;
        });
        assertEquals(42, value);
        assertEquals(loopThread, callbackThread.get());
    }

    @Test
    void toCompletableFutureFollowsValueExceptionAndCancellation() {
        Future<String> ok = new Future<>();
        CompletableFuture<String> okCf = ok.toCompletableFuture();
        ok.complete("v");
        assertEquals("v", okCf.join());

        Future<String> bad = new Future<>();
        CompletableFuture<String> badCf = bad.toCompletableFuture();
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        bad.fail(boom);
        ExecutionException e = assertThrows(ExecutionException.class, badCf::get);
        assertSame(boom, e.getCause());

        Future<String> cancelled = new Future<>();
        CompletableFuture<String> cancelledCf = cancelled.toCompletableFuture();
        cancelled.cancel();
        assertTrue(cancelledCf.isCancelled() || cancelledCf.isCompletedExceptionally());
        assertThrows(CancellationException.class, cancelledCf::join);
    }

    @Test
    void cancellingTheCompletableFutureCancelsTheFuture() {
        Future<String> f = new Future<>();
        CompletableFuture<String> cf = f.toCompletableFuture();
        cf.cancel(false);
        assertTrue(f.isCancelled());
    }

    @Test
    void fromCompletionStageFollowsValueAndUnwrapsExceptions() {
        CompletableFuture<Integer> source = new CompletableFuture<>();
        Future<Integer> f = Future.from(source.thenApply(x -> x + 1));
        source.complete(1);
        assertEquals(2, f.result());

        CompletableFuture<Integer> failing = new CompletableFuture<>();
        IllegalStateException boom = new IllegalStateException("boom");
        Future<Integer> g = Future.from(failing.thenApply(x -> {
            throw boom;
        }));
        failing.complete(1);
        assertSame(boom, g.exception());
    }

    @Test
    void cancellationCrossesFromStageToFutureAndBack() {
        CompletableFuture<Integer> source = new CompletableFuture<>();
        Future<Integer> f = Future.from(source);
        source.cancel(false);
        assertTrue(f.isCancelled());

        CompletableFuture<Integer> other = new CompletableFuture<>();
        Future<Integer> g = Future.from(other);
        g.cancel();
        assertTrue(other.isCancelled());
    }

    @Test
    void blockingGetWaitsOffTheLoopThread() throws Exception {
        Future<String> f = new Future<>();
        new Thread(() -> {
            sleepQuietly(20);
            f.complete("late");
        }).start();
        assertEquals("late", f.get());
        assertEquals("late", f.get(1, TimeUnit.SECONDS));
    }

    @Test
    void blockingGetTimesOutAndWrapsFailuresAsItsInterfaceSays() {
        Future<String> pending = new Future<>();
        assertThrows(TimeoutException.class, () -> pending.get(10, TimeUnit.MILLISECONDS));
        Future<String> failed = new Future<>();
        RuntimeException boom = new RuntimeException("boom");
        failed.fail(boom);
        ExecutionException e = assertThrows(ExecutionException.class, failed::get);
        assertSame(boom, e.getCause());
    }

    @Test
    void blockingGetOnTheLoopThreadThrowsInsteadOfDeadlocking() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> EventLoop.run(() -> {
            Future<String> f = new Future<>();
            try {
                return Task.completed(f.get());
            } catch (InterruptedException | ExecutionException ex) {
                throw new AssertionError(ex);
            }
        }));
        assertTrue(e.getMessage().contains("would block the event loop"), e.getMessage());
    }

    @Test
    void blockingGetOffTheLoopWaitsForAFutureOwnedByARunningLoop() throws Exception {
        AtomicReference<Future<String>> shared = new AtomicReference<>();
        java.util.concurrent.CountDownLatch created = new java.util.concurrent.CountDownLatch(1);
        Thread loopThread = new Thread(() -> EventLoop.run(() -> {
            Future<String> f = new Future<>();
            shared.set(f);
            created.countDown();
            EventLoop.running().callLater(Duration.ofMillis(20), () -> f.complete("from loop"));
            return f;
        }), "loop");
        loopThread.start();
        created.await();
        assertEquals("from loop", shared.get().get(5, TimeUnit.SECONDS));
        loopThread.join();
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
