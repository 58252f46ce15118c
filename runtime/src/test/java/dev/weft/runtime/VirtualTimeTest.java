package dev.weft.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Virtual time ({@link EventLoop#withVirtualTime()}, {@link VirtualClock}): timers fire at once in real time, in their
 * real-time order, at their deadline in virtual time; work that left the loop holds the clock. No assertion here is
 * on wall time: the traces and the virtual clock say what happened.
 */
class VirtualTimeTest {

    /**
     * A schedule of timers and sleeping tasks, in {@code unit}s, that traces what fires: ties, a timer set by a timer,
     * a task awaiting a sleeping task. Ends at 4.5 units.
     */
    private static Task<Void> schedule(Duration unit, List<String> trace) {
        EventLoop loop = EventLoop.running();
        loop.callLater(unit.multipliedBy(3), () -> trace.add("timer 3"));
        loop.callLater(unit.multipliedBy(1), () -> {
            trace.add("timer 1");
            loop.callLater(unit.multipliedBy(1), () -> trace.add("timer 1+1")); // ties with "timer 2", set later
        });
        loop.callLater(unit.multipliedBy(2), () -> trace.add("timer 2"));
        loop.callLater(unit.multipliedBy(2), () -> trace.add("timer 2 bis"));
        loop.callSoon(() -> trace.add("soon"));
        Task<Void> sleeper = Script.<Void>plain(
                (tk, sent) -> tk.suspendOn(Tasks.sleep(unit.multipliedBy(2).plus(unit.dividedBy(2)))),
                (tk, sent) -> {
                    trace.add("sleeper woke");
                    return null;
                }).start();
        return Script.<Void>plain(
                (tk, sent) -> tk.suspendOn(sleeper),
                (tk, sent) -> tk.suspendOn(Tasks.sleep(unit.multipliedBy(2))),
                (tk, sent) -> {
                    trace.add("main done");
                    return null;
                }).start();
    }

    /**
     * The order is contract item 9's, the one real time gives when deadlines are far enough apart for the machine's
     * jitter: deadline order, ties in the order the timers were set ("timer 1+1", set at 1 unit for 1 unit later,
     * ties with "timer 2" and "timer 2 bis", set at 0), a task woken by its timer in the turn after it. (Not checked
     * against a run in real time: there the tie between "timer 1+1" and "timer 2 bis" goes either way, as the timer
     * that sets it fires a little late.)
     */
    @Test
    void anHourOfTimersRunsAtOnceInDeadlineOrderAndEndsAtTheVirtualHour() {
        List<String> virtual = new ArrayList<>();
        long[] end = new long[1];
        EventLoop.runInVirtualTime(() -> {
            Task<Void> main = schedule(Duration.ofSeconds(800), virtual); // 4.5 units: an hour
            main.addCallback((java.util.function.Consumer<Future<?>>) done -> end[0] = EventLoop.running().time());
            return main;
        });
        assertEquals(List.of("soon", "timer 1", "timer 2", "timer 2 bis", "timer 1+1", "sleeper woke", "timer 3",
                "main done"), virtual);
        assertEquals(Duration.ofHours(1).toNanos(), end[0]);
    }

    @Test
    void aLoopInVirtualTimeStartsAtZeroAndARealOneHasNoVirtualClock() {
        try (EventLoop loop = EventLoop.withVirtualTime()) {
            assertTrue(loop.hasVirtualTime());
            assertEquals(0L, loop.time());
            assertEquals(Duration.ZERO, loop.virtualClock().now());
        }
        try (EventLoop loop = new EventLoop()) {
            assertFalse(loop.hasVirtualTime());
            IllegalStateException e = assertThrows(IllegalStateException.class, loop::virtualClock);
            assertTrue(e.getMessage().contains("withVirtualTime"), e.getMessage());
        }
    }

    @Test
    void timeoutFiresAtItsVirtualDeadline() {
        long[] failedAt = new long[1];
        Throwable e = assertThrows(Throwable.class, () -> EventLoop.runInVirtualTime(() -> {
            Task<Void> t = Timeout.within(Duration.ofMinutes(30), () -> Script.<Void>plain(
                    (tk, sent) -> tk.suspendOn(Tasks.sleep(Duration.ofHours(1))),
                    (tk, sent) -> null).start());
            t.addCallback((java.util.function.Consumer<Future<?>>) done -> failedAt[0] = EventLoop.running().time());
            return t;
        }));
        assertInstanceOf(TimeoutException.class, e);
        assertEquals(Duration.ofMinutes(30).toNanos(), failedAt[0]);
    }

    @Test
    void waitForTimesOutInVirtualTimeAndAFastEnoughFutureWins() {
        Throwable e = assertThrows(Throwable.class, () -> EventLoop.runInVirtualTime(
                () -> Futures.waitFor(Tasks.sleep(Duration.ofHours(2)), Duration.ofHours(1))));
        assertInstanceOf(TimeoutException.class, e);
        assertEquals("done", EventLoop.runInVirtualTime(
                () -> Futures.waitFor(Tasks.sleep(Duration.ofMinutes(59), "done"), Duration.ofHours(1))));
    }

    /**
     * What a job of runInExecutor holding the clock means: a timer set after the job started, due 50 ms later in
     * virtual time, fires only after the job (100 ms of real time) has ended and its outcome has been taken in by the
     * awaiting task, which sees the virtual time at which the job started; the timer then fires at its deadline.
     */
    @Test
    void aRunInExecutorJobHoldsTheClockUntilItsOutcomeIsTakenIn() {
        List<String> trace = new ArrayList<>();
        EventLoop.runInVirtualTime(() -> {
            EventLoop loop = EventLoop.running();
            Future<String> job = loop.runInExecutor(() -> {
                Thread.sleep(100);
                return "job";
            });
            loop.callLater(Duration.ofMillis(50), () -> trace.add("timer at " + loop.time()));
            return Script.<Void>plain(
                    (tk, sent) -> tk.suspendOn(job),
                    (tk, sent) -> {
                        trace.add(sent + " at " + loop.time());
                        return tk.suspendOn(Tasks.sleep(Duration.ofMillis(100)));
                    },
                    (tk, sent) -> null).start();
        });
        assertEquals(List.of("job at 0", "timer at " + Duration.ofMillis(50).toNanos()), trace);
    }

    /** The same for a CompletableFuture, completed by another thread, that a task awaits directly. */
    @Test
    void aCompletableFutureCompletedByAnotherThreadHoldsTheClockWhileATaskAwaitsIt() {
        assertHeldUntilTakenIn(cf -> cf);
    }

    /** And for the stage a {@link Future#from} future follows, and a minimal stage (awaited through such a future). */
    @Test
    void aStageFollowedByAFutureHoldsTheClockUntilItCompletes() {
        assertHeldUntilTakenIn(Future::from);
        assertHeldUntilTakenIn(CompletableFuture::minimalCompletionStage);
    }

    private static void assertHeldUntilTakenIn(Function<CompletableFuture<String>, ?> awaited) {
        List<String> trace = new ArrayList<>();
        EventLoop.runInVirtualTime(() -> {
            EventLoop loop = EventLoop.running();
            CompletableFuture<String> cf = new CompletableFuture<>();
            Object stage = awaited.apply(cf); // taken before the thread starts: it may complete it at once
            Thread completer = new Thread(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                cf.complete("stage");
            });
            loop.callLater(Duration.ofMillis(50), () -> trace.add("timer at " + loop.time()));
            Task<Void> t = Script.<Void>plain(
                    (tk, sent) -> stage instanceof Future<?> f ? tk.suspendOn(f)
                            : tk.suspendOn((java.util.concurrent.CompletionStage<?>) stage),
                    (tk, sent) -> {
                        trace.add(sent + " at " + loop.time());
                        return tk.suspendOn(Tasks.sleep(Duration.ofMillis(100)));
                    },
                    (tk, sent) -> null).start();
            completer.start();
            return t;
        });
        assertEquals(List.of("stage at 0", "timer at " + Duration.ofMillis(50).toNanos()), trace);
    }

    /**
     * The loop's own CompletableFutures (what an {@code @Async} method declared to return one gives, and what is
     * derived from it) are completed by the loop: awaiting them holds nothing, so the sleep behind them is skipped.
     */
    @Test
    void theLoopsOwnCompletableFuturesDoNotHoldTheClock() {
        long[] at = new long[1];
        EventLoop.runInVirtualTime(() -> {
            EventLoop loop = EventLoop.running();
            CompletableFuture<String> own = Tasks.sleep(Duration.ofHours(1), "x").toCompletableFuture()
                    .thenApply(s -> s + "y");
            return Script.<Void>plain(
                    (tk, sent) -> tk.suspendOn(own),
                    (tk, sent) -> {
                        at[0] = loop.time();
                        assertEquals("xy", sent);
                        return null;
                    }).start();
        });
        assertEquals(Duration.ofHours(1).toNanos(), at[0]);
    }

    @Test
    void advanceByRunsWhatIsDueAndUntilIdleRunsTheRest() {
        List<String> trace = new ArrayList<>();
        try (EventLoop loop = EventLoop.withVirtualTime()) {
            VirtualClock clock = loop.virtualClock();
            loop.callLater(Duration.ofMinutes(5), () -> trace.add("5 min"));
            loop.callLater(Duration.ofMinutes(15), () -> trace.add("15 min"));
            loop.callLater(Duration.ofMinutes(10), () -> trace.add("10 min, set first"));

            loop.runUntilComplete(clock.advanceBy(Duration.ofMinutes(10)));
            assertEquals(List.of("5 min", "10 min, set first"), trace);
            assertEquals(Duration.ofMinutes(10), clock.now());

            loop.runUntilComplete(clock.untilIdle());
            assertEquals(List.of("5 min", "10 min, set first", "15 min"), trace);
            assertEquals(Duration.ofMinutes(15), clock.now());
            assertEquals(3, clock.jumps());
        }
    }

    @Test
    void aHoldTakenByHandKeepsTheClockUntilClosed() {
        List<String> trace = new ArrayList<>();
        EventLoop.runInVirtualTime(() -> {
            EventLoop loop = EventLoop.running();
            VirtualClock clock = loop.virtualClock();
            VirtualClock.Hold hold = clock.hold();
            Future<String> answer = new Future<>();
            loop.callLater(Duration.ofMillis(50), () -> trace.add("timer"));
            new Thread(() -> {
                try (hold) {
                    Thread.sleep(100);
                    loop.callSoonThreadsafe(() -> trace.add("thread's callback at " + loop.time()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }).start();
            return Tasks.sleep(Duration.ofMillis(60));
        });
        assertEquals(List.of("thread's callback at 0", "timer"), trace);
    }

    /**
     * A CompletableFuture the loop's own timer would complete holds the clock, so that timer never fires: the loop
     * says so once it has waited, idle and held, for a while (10 s; 50 ms here). Another thread then completes the
     * future, once the warning is there.
     */
    @Test
    void aClockHeldWhileATimerIsDueIsReportedOnce() {
        try (LogCapture log = new LogCapture()) {
            EventLoop loop = EventLoop.withVirtualTime();
            loop.virtualClock().heldWarningNanos = 50_000_000L;
            CompletableFuture<String> cf = new CompletableFuture<>();
            Thread unblocker = new Thread(() -> {
                while (log.containing("has stood still").isEmpty()) {
                    Thread.onSpinWait();
                }
                cf.complete("from another thread");
            });
            String v = loop.runMain(() -> {
                loop.callLater(Duration.ofMinutes(1), () -> cf.complete("from the timer"));
                unblocker.start();
                return Script.<String>plain(
                        (tk, sent) -> tk.suspendOn(cf),
                        (tk, sent) -> (String) sent).start();
            });
            assertEquals("from another thread", v);
            List<java.util.logging.LogRecord> warnings = log.containing("has stood still");
            assertEquals(1, warnings.size());
            String m = warnings.get(0).getMessage();
            assertTrue(m.contains("held by 1 piece(s) of work") && m.contains("timer due in PT1M"), m);
            assertTrue(m.contains("awaiting") && m.contains("CompletableFuture"), m);
        }
    }
}
