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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EventLoopTest {

    @Test
    void callSoonRunsCallbacksInCallOrder() {
        List<Integer> trace = new ArrayList<>();
        EventLoop.run(() -> {
            EventLoop loop = EventLoop.running();
            for (int i = 0; i < 300; i++) { // more than the ready queue's first size, to cross a resize
                int n = i;
                loop.callSoon(() -> trace.add(n));
            }
            return Tasks.sleep(Duration.ofMillis(1));
        });
        assertEquals(300, trace.size());
        for (int i = 0; i < 300; i++) {
            assertEquals(i, trace.get(i));
        }
    }

    @Test
    void timersFireInDeadlineOrderWithTiesInCallOrder() {
        List<String> trace = new ArrayList<>();
        EventLoop.run(() -> {
            EventLoop loop = EventLoop.running();
            long base = loop.time() + Duration.ofMillis(5).toNanos();
            loop.callAt(base + 2_000_000, () -> trace.add("late"));
            loop.callAt(base, () -> trace.add("tie 1"));
            loop.callAt(base - 1_000_000, () -> trace.add("early"));
            loop.callAt(base, () -> trace.add("tie 2"));
            loop.callAt(base, () -> trace.add("tie 3"));
            return Tasks.sleep(Duration.ofMillis(15));
        });
        assertEquals(List.of("early", "tie 1", "tie 2", "tie 3", "late"), trace);
    }

    @Test
    void timerWaitsForItsDelay() {
        long[] elapsed = new long[1];
        EventLoop.run(() -> {
            EventLoop loop = EventLoop.running();
            long start = System.nanoTime();
            Future<Void> done = new Future<>();
            loop.callLater(Duration.ofMillis(30), () -> {
                elapsed[0] = System.nanoTime() - start;
                done.complete(null);
            });
            return done;
        });
        assertTrue(elapsed[0] >= Duration.ofMillis(30).toNanos(), "fired after " + elapsed[0] + " ns");
    }

    @Test
    void cancelledTimerDoesNotRun() {
        List<String> trace = new ArrayList<>();
        EventLoop.run(() -> {
            EventLoop loop = EventLoop.running();
            TimerHandle h = loop.callLater(Duration.ofMillis(1), () -> trace.add("cancelled one"));
            loop.callLater(Duration.ofMillis(2), () -> trace.add("kept"));
            h.cancel();
            assertTrue(h.isCancelled());
            return Tasks.sleep(Duration.ofMillis(10));
        });
        assertEquals(List.of("kept"), trace);
    }

    @Test
    void cancelledTimersDoNotPileUp() {
        EventLoop.run(() -> {
            EventLoop loop = EventLoop.running();
            for (int i = 0; i < 10_000; i++) {
                loop.callLater(Duration.ofHours(1), () -> { }).cancel();
            }
            return Script.<Integer>plain(
                    (tk, sent) -> tk.suspendOn(Tasks.sleep(Duration.ZERO)),
                    (tk, sent) -> {
                        assertTrue(loop.scheduledTimerCount() < 100,
                                "cancelled timers left in the heap: " + loop.scheduledTimerCount());
                        return 0;
                    }).start();
        });
    }

    @Test
    void callSoonThreadsafeFromFourThreadsRunsEachCallbackExactlyOnce() throws Exception {
        int perThread = 25_000;
        int threads = 4;
        AtomicIntegerArray runs = new AtomicIntegerArray(perThread * threads);
        int[] ranOnLoop = new int[1];
        int[] outOfOrder = new int[1];
        EventLoop.run(() -> {
            EventLoop loop = EventLoop.running();
            Thread loopThread = Thread.currentThread();
            Future<Void> allDone = new Future<>();
            int[] lastSeen = new int[threads];
            java.util.Arrays.fill(lastSeen, -1);
            int[] count = new int[1];
            for (int t = 0; t < threads; t++) {
                int producer = t;
                new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        int n = i;
                        loop.callSoonThreadsafe(() -> {
                            runs.incrementAndGet(producer * perThread + n);
                            if (Thread.currentThread() == loopThread) {
                                ranOnLoop[0]++;
                            }
                            if (lastSeen[producer] != n - 1) {
                                outOfOrder[0]++;
                            }
                            lastSeen[producer] = n;
                            if (++count[0] == perThread * threads) {
                                allDone.complete(null);
                            }
                        });
                    }
                }, "producer-" + t).start();
            }
            return allDone;
        });
        for (int i = 0; i < runs.length(); i++) {
            assertEquals(1, runs.get(i), "callback " + i);
        }
        assertEquals(perThread * threads, ranOnLoop[0]);
        assertEquals(0, outOfOrder[0], "callbacks from one thread keep that thread's order");
    }

    @Test
    void callSoonThreadsafeWakesALoopThatSleepsWithNothingToDo() throws Exception {
        EventLoop loop = new EventLoop();
        CountDownLatch ran = new CountDownLatch(1);
        Thread t = new Thread(loop::runForever, "sleeper");
        t.start();
        while (!loop.isRunning()) {
            Thread.onSpinWait();
        }
        Thread.sleep(20); // let it park with no timer
        loop.callSoonThreadsafe(ran::countDown);
        assertTrue(ran.await(5, java.util.concurrent.TimeUnit.SECONDS));
        loop.stop();
        t.join(5000);
        assertFalse(t.isAlive());
        loop.close();
    }

    /**
     * No lost wake-up: another thread hands the loop 20,000 callbacks one at a time, each only after the previous
     * one ran, so the loop goes to sleep with nothing to do before nearly every one (its first sleep, where it makes
     * its waiter, included). A waiter that failed to wake a sleeping loop would stop the hand-overs here (each
     * waits 10 s for its callback to run).
     */
    @Test
    void aLoopThatSleepsBetweenEveryHandOverIsWokenEachTime() throws Exception {
        for (int round = 0; round < 3; round++) {
            EventLoop loop = new EventLoop();
            Thread t = new Thread(loop::runForever, "ping-pong loop");
            t.start();
            java.util.concurrent.SynchronousQueue<Integer> back = new java.util.concurrent.SynchronousQueue<>();
            int n = 20_000;
            for (int i = 0; i < n; i++) {
                int sent = i;
                loop.callSoonThreadsafe(() -> {
                    try {
                        back.put(sent);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                Integer got = back.poll(10, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(Integer.valueOf(i), got, "hand-over " + i + " of round " + round + " was not run");
            }
            loop.stop();
            t.join(5000);
            assertFalse(t.isAlive());
            loop.close();
        }
    }

    @Test
    void anExceptionInOneCallbackDoesNotStopTheNext() {
        List<String> trace = new ArrayList<>();
        List<LoopError> errors = new ArrayList<>();
        RuntimeException boom = new RuntimeException("boom");
        EventLoop.run(() -> {
            EventLoop loop = EventLoop.running();
            loop.setExceptionHandler((l, e) -> errors.add(e));
            loop.callSoon(() -> {
                throw boom;
            });
            loop.callSoon(() -> trace.add("next one ran"));
            return Tasks.sleep(Duration.ofMillis(1));
        });
        assertEquals(List.of("next one ran"), trace);
        assertEquals(1, errors.size());
        assertSame(boom, errors.get(0).exception());
    }

    @Test
    void theDefaultExceptionHandlerLogsThroughSystemLoggerAndTheLoopGoesOn() {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.weft.runtime");
        List<java.util.logging.LogRecord> records = new ArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        boolean useParent = jul.getUseParentHandlers();
        jul.addHandler(capture);
        jul.setUseParentHandlers(false);
        RuntimeException boom = new RuntimeException("logged by the default handler");
        try {
            int r = EventLoop.run(() -> {
                EventLoop.running().callSoon(() -> {
                    throw boom;
                });
                return Tasks.sleep(Duration.ofMillis(1), 5);
            });
            assertEquals(5, r);
        } finally {
            jul.removeHandler(capture);
            jul.setUseParentHandlers(useParent);
        }
        assertEquals(1, records.size());
        assertEquals(java.util.logging.Level.SEVERE, records.get(0).getLevel());
        assertSame(boom, records.get(0).getThrown());
    }

    @Test
    void runReturnsWhatMainsFutureResultsIn() {
        assertEquals(3, (int) EventLoop.run(() -> Task.completed(3)));
        assertEquals("cf", EventLoop.run(() -> CompletableFuture.supplyAsync(() -> "cf")));
        assertNull(EventLoop.<Object>run(() -> null));
    }

    @Test
    void runThrowsTheOriginalExceptionOfMain() {
        java.io.IOException boom = new java.io.IOException("boom");
        Throwable thrown = assertThrows(java.io.IOException.class,
                () -> EventLoop.run(() -> Future.failed(boom)));
        assertSame(boom, thrown);
        IllegalStateException direct = new IllegalStateException("direct");
        assertSame(direct, assertThrows(IllegalStateException.class, () -> EventLoop.run(() -> {
            throw direct;
        })));
    }

    @Test
    void mainRunsOnTheLoopWhileItRuns() {
        AtomicReference<EventLoop> seen = new AtomicReference<>();
        EventLoop.run(() -> {
            seen.set(EventLoop.running());
            assertTrue(EventLoop.running().isRunning());
            return null;
        });
        assertTrue(seen.get().isClosed());
        assertThrows(IllegalStateException.class, EventLoop::running);
        assertNull(EventLoop.runningOrNull());
    }

    @Test
    void aNestedRunIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EventLoop.run(() -> Task.completed(EventLoop.run(() -> Task.completed(1)))));
        assertTrue(e.getMessage().contains("while an event loop is running"), e.getMessage());
    }

    @Test
    void runCancelsTasksStillPendingAndLetsThemFinish() {
        List<String> trace = new ArrayList<>();
        AtomicReference<Task<String>> orphan = new AtomicReference<>();
        EventLoop.run(() -> {
            orphan.set(Script.<String>of(
                    (tk, sent, thrown) -> tk.suspendOn(Tasks.sleep(Duration.ofHours(1))),
                    (tk, sent, thrown) -> {
                        try {
                            if (thrown != null) {
                                throw thrown;
                            }
                            return "never";
                        } finally {
                            trace.add("orphan's finally ran");
                        }
                    }).start());
            return Task.completed(1);
        });
        assertEquals(List.of("orphan's finally ran"), trace);
        assertTrue(orphan.get().isCancelled());
    }

    @Test
    void aClosedLoopTakesNoMoreCallbacks() {
        EventLoop loop = new EventLoop();
        loop.close();
        assertTrue(loop.isClosed());
        assertThrows(IllegalStateException.class, () -> loop.callSoon(() -> { }));
        assertThrows(IllegalStateException.class, loop::runForever);
        loop.close(); // twice is fine
    }

    @Test
    void closingARunningLoopIsRefused() {
        EventLoop.run(() -> {
            assertThrows(IllegalStateException.class, () -> EventLoop.running().close());
            return null;
        });
    }

    @Test
    void stopBeforeRunForeverRunsOneTurn() {
        EventLoop loop = new EventLoop();
        List<String> trace = new ArrayList<>();
        loop.callSoon(() -> {
            trace.add("first turn");
            loop.callSoon(() -> trace.add("second turn"));
        });
        loop.stop();
        loop.runForever();
        assertEquals(List.of("first turn"), trace);
        loop.runUntilComplete(Future.completed(null));
        loop.stop();
        loop.runForever();
        assertEquals(List.of("first turn", "second turn"), trace);
        loop.close();
    }

    @Test
    void runUntilCompleteReturnsTheResult() {
        try (EventLoop loop = new EventLoop()) {
            Future<String> f = new Future<>(loop);
            loop.callLater(Duration.ofMillis(2), () -> f.complete("done"));
            assertEquals("done", loop.runUntilComplete(f));
            assertFalse(loop.isRunning());
        }
    }

    @Test
    void aTaskWokenByAFutureRunsAfterTheCallbacksAlreadyReady() {
        List<String> trace = new ArrayList<>();
        EventLoop.run(() -> {
            EventLoop loop = EventLoop.running();
            Future<String> f = new Future<>();
            Task<String> t = Script.<String>plain(
                    (tk, sent) -> tk.suspendOn(f),
                    (tk, sent) -> {
                        trace.add("task resumed");
                        return "x";
                    }).start();
            loop.callSoon(() -> {
                loop.callSoon(() -> trace.add("ready before the wake-up"));
                f.complete("v");
                loop.callSoon(() -> trace.add("scheduled after the wake-up"));
            });
            return t;
        });
        assertEquals(List.of("ready before the wake-up", "task resumed", "scheduled after the wake-up"), trace);
    }

    @Test
    void loopsOnTwoThreadsEachFindTheirOwn() throws Exception {
        AtomicInteger mismatches = new AtomicInteger();
        Runnable body = () -> EventLoop.run(() -> {
            EventLoop mine = EventLoop.running();
            return Task.start(new Coroutine<Integer>() {
                int i;

                @Override
                public Object step(Task<Integer> task, Object sent, Throwable thrown) {
                    if (EventLoop.running() != mine) {
                        mismatches.incrementAndGet();
                    }
                    return i++ < 2000 ? task.suspendOn(Tasks.sleep(Duration.ZERO)) : (Object) i;
                }
            });
        });
        Thread a = new Thread(body);
        Thread b = new Thread(body);
        a.start();
        b.start();
        a.join();
        b.join();
        assertEquals(0, mismatches.get());
    }
}
