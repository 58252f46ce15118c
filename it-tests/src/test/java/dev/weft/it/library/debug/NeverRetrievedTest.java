package dev.weft.it.library.debug;

import static dev.weft.it.library.SourceLines.lineOf;
import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.it.library.LogCapture;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Errors never pass silently, without debug mode: the failure of an @Async call whose Task nobody awaits is
 * logged once, with the method and the line, at the latest when EventLoop.run ends.
 */
class NeverRetrievedTest {
    private static final String ME = NeverRetrievedTest.class.getName();
    private LogCapture log;

    @BeforeEach
    void captureLog() {
        log = new LogCapture();
    }

    @AfterEach
    void releaseLog() {
        log.close();
    }

    private List<LogRecord> neverRetrieved(String method) {
        return log.containing("exception was never retrieved", "." + method + "(");
    }

    static final IllegalStateException DROPPED = new IllegalStateException("nobody awaits me");

    @Async
    static Task<Integer> failsLater() {
        await(Tasks.sleep(Duration.ZERO)); // fails-later-await
        throw DROPPED;
    }

    @Async
    @SuppressWarnings("weft:dropped-task") // dropped on purpose: the report of it is what is tested
    static Task<Void> dropsIt() {
        failsLater(); // its Task dropped
        await(Tasks.sleep(Duration.ofMillis(5)));
        return Task.completed(null);
    }

    @Test
    void anAsyncCallNobodyAwaitsThatFailsIsLoggedOnceWhenRunEnds() throws Exception {
        EventLoop.run(NeverRetrievedTest::dropsIt);
        List<LogRecord> logged = neverRetrieved("failsLater");
        assertEquals(1, logged.size(), () -> "reports: " + log.messages());
        LogRecord r = logged.get(0);
        assertEquals(Level.SEVERE, r.getLevel());
        assertSame(DROPPED, r.getThrown());
        assertEquals("Task exception was never retrieved: Task@" + r.getMessage().split("@")[1].split(" ")[0] + " "
                + ME + ".failsLater(NeverRetrievedTest.java:" + lineOf(NeverRetrievedTest.class, "// fails-later-await")
                + ") (not retrieved when its loop closed)", r.getMessage());
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
        }
        assertEquals(1, neverRetrieved("failsLater").size(), "not again when collected");
    }

    @Async
    static Task<Integer> failsToo() {
        await(Tasks.sleep(Duration.ZERO));
        throw new IllegalStateException("caught");
    }

    @Async
    static Task<String> awaitsAndCatches() {
        Task<Integer> t = failsToo();
        await(Tasks.sleep(Duration.ofMillis(2))); // it has failed by now, unobserved so far
        try {
            await(t);
            return Task.completed("no failure?");
        } catch (IllegalStateException e) {
            return Task.completed(e.getMessage());
        }
    }

    @Test
    void aFailureAwaitedLaterAndCaughtIsNotReported() {
        assertEquals("caught", EventLoop.run(NeverRetrievedTest::awaitsAndCatches));
        assertEquals(List.of(), neverRetrieved("failsToo"));
    }

    @Async
    static Task<String> cancelsTheFailedOne() {
        Task<Integer> t = failsToo();
        await(Tasks.sleep(Duration.ofMillis(2)));
        return Task.completed(t.isFailed() + " " + t.cancel()); // cancel() says its outcome is not wanted
    }

    @Test
    void cancellingAFailedTaskCountsAsRetrievedAsInAsyncio() {
        assertEquals("true false", EventLoop.run(NeverRetrievedTest::cancelsTheFailedOne));
        assertEquals(List.of(), neverRetrieved("failsToo"));
    }
}
