package dev.weft.it.library.compose;

import static dev.weft.it.library.SourceLines.lineOf;
import static dev.weft.runtime.Await.await;
import static dev.weft.test.AsyncTest.runTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.Async;
import dev.weft.runtime.Future;
import dev.weft.runtime.Futures;
import dev.weft.runtime.Task;
import dev.weft.test.WeftTest;
import dev.weft.runtime.Tasks;
import dev.weft.runtime.Timeout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Timeout scopes, Timeout.within and Futures.waitFor, as asyncio.timeout and wait_for behave. */
@WeftTest // virtual time: each timer fires as soon as nothing else can happen first, in its real-time order
class TimeoutTest {
    static final Duration SHORT = Duration.ofMillis(20);
    static final Duration HOUR = Duration.ofHours(1);

    @Async
    static Task<String> sleepThenReturn(Duration d, String v) {
        await(Tasks.sleep(d));
        return Task.completed(v);
    }

    @Async
    static Task<String> sleepForeverLogging(List<String> log, String name) {
        try {
            await(Tasks.sleep(HOUR));
        } catch (CancellationException e) {
            log.add(name + " cancelled");
            throw e;
        }
        return Task.completed("never");
    }

    // ---------------------------------------------------------------------------------- within

    @Async
    static Task<String> withinInTime() {
        String v = await(Timeout.within(HOUR, () -> sleepThenReturn(Duration.ofMillis(1), "done")));
        return Task.completed(v);
    }

    @Test
    void withinReturnsTheBodyValueBeforeTheDeadline() {
        assertEquals("done", runTest(() -> withinInTime()));
    }

    @Async
    static Task<List<String>> withinTooSlow() {
        List<String> log = new ArrayList<>();
        Task<String> t = Timeout.within(SHORT, () -> sleepForeverLogging(log, "body"));
        try {
            await(t);
            fail("no timeout");
        } catch (Exception e) {
            assertInstanceOf(TimeoutException.class, e);
            assertInstanceOf(CancellationException.class, e.getCause());
            log.add("timeout");
        }
        assertEquals(0, Task.current().cancelling());
        await(Tasks.sleep(Duration.ZERO)); // the caller is not left with a cancellation
        return Task.completed(log);
    }

    /** {@code await(x, TimeoutException.class)}: the checked exception is caught by its type, as written. */
    @Async
    static Task<String> catchesTheTimeoutByType(List<String> log) {
        try {
            return Task.completed(await(Timeout.within(SHORT, () -> sleepForeverLogging(log, "body")),
                    TimeoutException.class));
        } catch (TimeoutException e) {
            return Task.completed("timed out, " + log);
        }
    }

    @Async
    static Task<String> catchesTheOriginalIOException(java.io.IOException original) {
        try {
            await(dev.weft.runtime.Future.<String>failed(original), java.io.IOException.class);
            return Task.completed("no exception");
        } catch (java.io.IOException e) {
            return Task.completed(e == original ? "the original" : "a copy: " + e);
        }
    }

    @Test
    void aCheckedExceptionAtTheAwaitIsCaughtByItsType() {
        assertEquals("timed out, [body cancelled]", runTest(() -> catchesTheTimeoutByType(new ArrayList<>())));
        assertEquals("the original", runTest(
                () -> catchesTheOriginalIOException(new java.io.FileNotFoundException("nope"))));
    }

    @Test
    void deadlineCancelsTheBodyAndRaisesTimeoutException() {
        assertEquals(List.of("body cancelled", "timeout"), runTest(() -> withinTooSlow()));
    }

    @Async
    static Task<List<String>> nestedWithinInnerFires() {
        List<String> log = new ArrayList<>();
        String v = await(Timeout.within(HOUR, () -> {
            try {
                await(Timeout.within(SHORT, () -> sleepForeverLogging(log, "inner body")));
            } catch (Exception e) {
                log.add("inner: " + e.getClass().getSimpleName());
            }
            await(Tasks.sleep(Duration.ofMillis(1))); // the outer scope lets its body go on
            return Task.completed("outer body finished");
        }));
        log.add(v);
        return Task.completed(log);
    }

    @Test
    void innerTimeoutFiresInsideAndOuterIsNotTriggered() {
        assertEquals(List.of("inner body cancelled", "inner: TimeoutException", "outer body finished"),
                runTest(() -> nestedWithinInnerFires()));
    }

    @Async
    static Task<List<String>> nestedWithinOuterFires() {
        List<String> log = new ArrayList<>();
        try {
            await(Timeout.within(SHORT, () -> {
                try {
                    await(Timeout.within(HOUR, () -> sleepForeverLogging(log, "inner body")));
                } catch (Exception e) {
                    log.add("inner: " + e.getClass().getSimpleName());
                    throw e;
                }
                return Task.completed("unreachable");
            }));
        } catch (Exception e) {
            log.add("outer: " + e.getClass().getSimpleName());
        }
        return Task.completed(log);
    }

    @Test
    void outerTimeoutFiresWhileInnerPendingAndInnerDoesNotSwallowIt() {
        assertEquals(List.of("inner body cancelled", "inner: CancellationException", "outer: TimeoutException"),
                runTest(() -> nestedWithinOuterFires()));
    }

    // ---------------------------------------------------------------------------------- scopes in one task

    @Async
    static Task<List<String>> nestedScopesInOneTask(boolean innerShort) {
        List<String> log = new ArrayList<>();
        Timeout outer = Timeout.after(innerShort ? HOUR : SHORT).enter();
        try {
            Timeout inner = Timeout.after(innerShort ? SHORT : HOUR).enter();
            try {
                await(Tasks.sleep(HOUR));
                inner.exit();
            } catch (Throwable e) {
                try {
                    throw inner.exit(e);
                } catch (Throwable t) {
                    log.add("inner: " + t.getClass().getSimpleName());
                    if (!(t instanceof TimeoutException)) {
                        throw t;
                    }
                }
            }
            log.add("cancelling after inner: " + Task.current().cancelling());
            await(Tasks.sleep(Duration.ZERO));
            outer.exit();
            log.add("outer exited normally, expired=" + outer.expired());
        } catch (Throwable e) {
            try {
                throw outer.exit(e);
            } catch (Throwable t) {
                log.add("outer: " + t.getClass().getSimpleName());
            }
        }
        log.add("cancelling at end: " + Task.current().cancelling());
        return Task.completed(log);
    }

    @Test
    void innerScopeFiresAndTheOuterScopeInTheSameTaskIsNotTriggered() {
        assertEquals(List.of("inner: TimeoutException", "cancelling after inner: 0",
                        "outer exited normally, expired=false", "cancelling at end: 0"),
                runTest(() -> nestedScopesInOneTask(true)));
    }

    @Test
    void outerScopeFiresAndTheInnerScopeInTheSameTaskPassesTheCancellationOn() {
        assertEquals(List.of("inner: CancellationException", "outer: TimeoutException", "cancelling at end: 0"),
                runTest(() -> nestedScopesInOneTask(false)));
    }

    @Async
    static Task<Timeout> rescheduled(boolean later) {
        Timeout t = Timeout.after(later ? SHORT : HOUR).enter();
        t.reschedule(later ? HOUR : SHORT);
        try {
            await(Tasks.sleep(later ? Duration.ofMillis(60) : HOUR));
            t.exit();
        } catch (Throwable e) {
            throw t.exit(e);
        }
        return Task.completed(t);
    }

    @Test
    void rescheduleToLaterKeepsTheDeadlineFromFiring() {
        Timeout t = runTest(() -> rescheduled(true));
        assertFalse(t.expired());
    }

    @Test
    void rescheduleToSoonerMakesTheScopeExpire() {
        Exception e = assertThrows(Exception.class, () -> runTest(() -> rescheduled(false)));
        assertInstanceOf(TimeoutException.class, e);
    }

    @Test
    void aScopeCannotBeRescheduledBeforeItIsEntered() {
        runTest(() -> {
            Timeout t = Timeout.after(HOUR);
            assertThrows(IllegalStateException.class, () -> t.reschedule(SHORT));
            return Task.completed(null);
        });
    }

    // ---------------------------------------------------------------------------------- outer cancellation

    @Async
    static Task<String> underLongTimeout(List<String> log) {
        try {
            await(Timeout.within(HOUR, () -> sleepForeverLogging(log, "body")));
        } catch (Exception e) {
            log.add("task saw " + e.getClass().getSimpleName());
            throw e;
        }
        return Task.completed("unreachable");
    }

    @Async
    static Task<List<String>> cancelTaskUnderTimeout() {
        List<String> log = new ArrayList<>();
        Task<String> t = underLongTimeout(log);
        await(Tasks.sleep(Duration.ZERO));
        t.cancel("from outside");
        try {
            await(t);
        } catch (CancellationException e) {
            log.add("cancelled: " + t.isCancelled());
        }
        return Task.completed(log);
    }

    @Test
    void timeoutDoesNotSwallowAnOuterTaskCancel() {
        assertEquals(List.of("body cancelled", "task saw CancellationException", "cancelled: true"),
                runTest(() -> cancelTaskUnderTimeout()));
    }

    @Async
    static Task<String> scopeThenSleep(Timeout[] holder) {
        Timeout t = Timeout.after(HOUR).enter();
        holder[0] = t;
        try {
            await(Tasks.sleep(HOUR));
            t.exit();
        } catch (Throwable e) {
            throw t.exit(e);
        }
        return Task.completed("unreachable");
    }

    @Async
    static Task<String> deadlineAndOuterCancelTogether() {
        Timeout[] holder = new Timeout[1];
        Task<String> t = scopeThenSleep(holder);
        holder[0].reschedule(Duration.ZERO); // fires on the next turns...
        await(Tasks.sleep(Duration.ZERO));
        await(Tasks.sleep(Duration.ZERO));
        t.cancel("from outside");             // ...and the outer request arrives before the task runs again
        try {
            await(t);
            fail("not cancelled");
        } catch (CancellationException e) {
            assertTrue(t.isCancelled());
        } catch (Exception e) {
            fail("the outer cancellation was swallowed: " + e);
        }
        return Task.completed("ok");
    }

    @Test
    void aDeadlineFiringTogetherWithAnOuterCancelDoesNotSwallowIt() {
        assertEquals("ok", runTest(() -> deadlineAndOuterCancelTogether()));
    }

    // ---------------------------------------------------------------------------------- waitFor

    @Async
    static Task<String> waitForTooSlow() {
        List<String> log = new ArrayList<>();
        Task<String> inner = sleepForeverLogging(log, "inner");
        try {
            await(Futures.waitFor(inner, SHORT));
            fail("no timeout");
        } catch (Exception e) {
            assertInstanceOf(TimeoutException.class, e);
        }
        assertTrue(inner.isCancelled());
        assertEquals(List.of("inner cancelled"), log);
        Future<String> plain = new Future<>();
        try {
            await(Futures.waitFor(plain, SHORT));
            fail("no timeout");
        } catch (Exception e) {
            assertInstanceOf(TimeoutException.class, e);
        }
        assertTrue(plain.isCancelled());
        return Task.completed("ok");
    }

    @Test
    void waitForCancelsTheInnerFutureOnTimeout() {
        assertEquals("ok", runTest(() -> waitForTooSlow()));
    }

    @Async
    static Task<String> waitForInTime() {
        String v = await(Futures.waitFor(sleepThenReturn(Duration.ofMillis(1), "fast"), HOUR));
        String w = await(Futures.waitFor(sleepThenReturn(Duration.ZERO, "no limit"), null));
        return Task.completed(v + ", " + w);
    }

    @Test
    void waitForReturnsTheResultWhenInTime() {
        assertEquals("fast, no limit", runTest(() -> waitForInTime()));
    }

    @Async
    static Task<String> cancelWaitFor() {
        List<String> log = new ArrayList<>();
        Task<String> inner = sleepForeverLogging(log, "inner");
        Task<String> w = Futures.waitFor(inner, HOUR);
        await(Tasks.sleep(Duration.ZERO));
        w.cancel();
        try {
            await(w);
        } catch (CancellationException e) {
            log.add("waitFor cancelled");
        }
        assertTrue(inner.isCancelled());
        assertNull(null);
        return Task.completed(String.join(", ", log));
    }

    @Test
    void cancellingWaitForCancelsTheInnerFuture() {
        assertEquals("inner cancelled, waitFor cancelled", runTest(() -> cancelWaitFor()));
    }

    // ---------------------------------------------------------------------------------- messages

    private static final String ME = TimeoutTest.class.getName();

    @Async
    static Task<String> sleepsAnHour() {
        await(Tasks.sleep(HOUR)); // the-await-that-was-too-slow
        return Task.completed("never");
    }

    @Async
    static Task<String> withinMessage() {
        try {
            return Task.completed(await(Timeout.within(SHORT, () -> sleepsAnHour()))); // awaits-within
        } catch (Exception e) {
            return Task.completed(e.getMessage());
        }
    }

    @Test
    void theTimeoutExceptionOfWithinSaysWhichDelayExpiredWhereItWasAwaitedAndWhatWasWaiting() {
        assertEquals("Timed out: the 20 ms timeout of Timeout.within awaited at " + ME + ".withinMessage(TimeoutTest.java:"
                        + lineOf(TimeoutTest.class, "// awaits-within") + ") expired while awaiting at " + ME
                        + ".sleepsAnHour(TimeoutTest.java:" + lineOf(TimeoutTest.class, "// the-await-that-was-too-slow")
                        + ")",
                runTest(() -> withinMessage()));
    }

    @Async
    static Task<String> scopeMessage() {
        Timeout timeout = Timeout.after(Duration.ofMillis(1500)).enter();
        try {
            timeout.reschedule(Duration.ofMillis(30)); // the delay last given is the one that expires
            await(sleepsAnHour());
            timeout.exit();
            return Task.completed("no timeout?");
        } catch (Throwable e) {
            try {
                throw timeout.exit(e);
            } catch (Throwable timedOut) {
                return Task.completed(timedOut.getMessage());
            }
        }
    }

    @Test
    void theTimeoutExceptionOfAScopeSaysWhichDelayExpiredWhereItWasEnteredAndWhatWasWaiting() {
        assertEquals("Timed out: the 30 ms timeout entered in " + ME + ".scopeMessage expired while awaiting at " + ME
                        + ".sleepsAnHour(TimeoutTest.java:" + lineOf(TimeoutTest.class, "// the-await-that-was-too-slow")
                        + ")",
                runTest(() -> scopeMessage()));
    }

    @Async
    static Task<String> waitForMessage() {
        try {
            return Task.completed(await(Futures.waitFor(sleepsAnHour(), Duration.ofSeconds(2).dividedBy(100))));
        } catch (Exception e) {
            return Task.completed(e.getMessage());
        }
    }

    @Test
    void theTimeoutExceptionOfWaitForNamesIt() {
        String message = runTest(() -> waitForMessage());
        assertTrue(message.startsWith("Timed out: the 20 ms timeout of Futures.waitFor awaited at " + ME
                + ".waitForMessage(TimeoutTest.java:"), message);
    }

    @Test
    void aTimeoutPrintsItsDelayAndDeadlineReadably() {
        String shown = runTest(() -> {
            Timeout t = Timeout.after(Duration.ofMillis(500));
            return Task.completed(t.toString());
        });
        assertTrue(shown.matches("Timeout\\[created, 500 ms, deadline in \\d+(\\.\\d+)? ms\\]"), shown);
    }
}
