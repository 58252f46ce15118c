package dev.weft.it.library.debug;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Debug mode's reports, from @Async code: what would otherwise pass silently is logged with where it began. */
class DebugModeTest {
    private final List<LogRecord> records = new ArrayList<>();
    private final Logger jul = Logger.getLogger("dev.weft.runtime");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (records) {
                records.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureLog() {
        jul.addHandler(capture);
        jul.setUseParentHandlers(false);
    }

    @AfterEach
    void releaseLog() {
        jul.removeHandler(capture);
        jul.setUseParentHandlers(true);
    }

    private boolean logged(String text) {
        synchronized (records) {
            return records.stream().anyMatch(r -> r.getMessage() != null && r.getMessage().contains(text));
        }
    }

    /** Collects garbage until {@code condition} holds, or 10 seconds pass. */
    private static boolean afterGc(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 100 && !condition.getAsBoolean(); i++) {
            System.gc();
            Thread.sleep(100);
        }
        return condition.getAsBoolean();
    }

    @Async
    static Task<Void> slowStep() {
        await(Tasks.sleep(Duration.ZERO));
        try {
            Thread.sleep(80); // blocking the loop: what debug mode is there to catch
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Task.completed(null);
    }

    @Test
    void aSlowStepIsReported() {
        EventLoop.run(() -> {
            EventLoop.running().setDebug(true);
            EventLoop.running().setSlowCallbackDuration(Duration.ofMillis(50));
            return slowStep();
        });
        assertTrue(logged("took 0."), () -> "no slow-callback report in " + records.size() + " records");
    }

    @Async
    static Task<Integer> waitsForever(Future<Integer> never) {
        return Task.completed(await(never));
    }

    @Async
    static Task<Integer> failsUnobserved() {
        await(Tasks.sleep(Duration.ZERO));
        throw new IllegalStateException("nobody looks at me");
    }

    @Async
    static Task<Integer> neverAwaited() {
        return Task.completed(7);
    }

    @Async
    static Task<Void> leaveThingsBehind() {
        failsUnobserved();   // fails later; nobody asks
        neverAwaited();      // done at once; nobody asks
        await(Tasks.sleep(Duration.ofMillis(5)));
        return Task.completed(null);
    }

    @Test
    void failuresNeverRetrievedAndTasksNeverAwaitedAreReportedWhenCollected() throws Exception {
        EventLoop.run(() -> {
            EventLoop.running().setDebug(true);
            return leaveThingsBehind();
        });
        assertTrue(afterGc(() -> logged("exception was never retrieved")), "failure report");
        assertTrue(afterGc(() -> logged("was never awaited")), "never-awaited report");
    }

    @Test
    void aTaskCollectedWhilePendingIsReported() throws Exception {
        Thread t = new Thread(() -> {
            EventLoop loop = new EventLoop();
            loop.setDebug(true);
            loop.callSoon(() -> waitsForever(new Future<>()));
            loop.callSoon(loop::stop);
            loop.runForever();
            // the loop is dropped without run()'s clean-up: its pending task goes with it
        });
        t.start();
        t.join();
        assertTrue(afterGc(() -> logged("was destroyed but it is pending")), "pending-task report");
    }
}
