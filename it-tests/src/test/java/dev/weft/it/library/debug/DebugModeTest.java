package dev.weft.it.library.debug;

import static dev.weft.it.library.SourceLines.lineOf;
import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.it.library.LogCapture;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Debug mode's reports, from @Async code: what would otherwise pass silently is logged with the task, its @Async
 * method, the line it is at and the line that created it.
 */
class DebugModeTest {
    private static final String ME = DebugModeTest.class.getName();
    private LogCapture log;

    @BeforeEach
    void captureLog() {
        log = new LogCapture();
    }

    @AfterEach
    void releaseLog() {
        log.close();
    }

    private boolean logged(String text) {
        return !messages(text).isEmpty();
    }

    private List<String> messages(String text) {
        return log.messages(text);
    }

    /** The "never awaited" report of the task whose method is {@code method}, or null. */
    private String neverAwaitedOf(String method) {
        return log.messages("was never awaited", method).stream().findFirst().orElse(null);
    }

    private static int line(String marker) {
        return lineOf(DebugModeTest.class, marker);
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
        await(Tasks.sleep(Duration.ZERO)); // slow-step-await
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
        List<String> slow = messages(" took 0.");
        assertEquals(1, slow.size(), () -> "slow-callback reports: " + slow);
        assertTrue(slow.get(0).matches("Executing a step of Task@[0-9a-f]+ " + ME.replace(".", "\\.")
                + "\\.slowStep, from the await at DebugModeTest\\.java:" + line("// slow-step-await")
                + " to its end took 0\\.\\d{3} seconds"), slow.get(0));
    }

    @Async
    static Task<Void> slowFirstStep() {
        try {
            Thread.sleep(80); // blocking the loop before the first await
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        await(Tasks.sleep(Duration.ZERO)); // slow-first-step-await
        return Task.completed(null);
    }

    @Test
    void aSlowCallbackNamesTheTaskItStartedAndWhereItsFirstStepStopped() {
        EventLoop.run(() -> {
            EventLoop.running().setDebug(true);
            EventLoop.running().setSlowCallbackDuration(Duration.ofMillis(50));
            EventLoop.running().callSoon(() -> slowFirstStep()); // callSoon-line
            return Tasks.sleep(Duration.ofMillis(100));
        });
        List<String> slow = messages(" took 0.");
        assertEquals(1, slow.size(), () -> "slow-callback reports: " + slow);
        String report = slow.get(0);
        assertTrue(report.contains(" scheduled at " + ME + ".lambda$"), report);
        assertTrue(report.contains("(DebugModeTest.java:" + line("// callSoon-line") + ")"), report);
        assertTrue(report.contains(", which started Task@"), report);
        assertTrue(report.contains(ME + ".slowFirstStep"), report);
        assertTrue(report.contains("(its first step ran to the await at DebugModeTest.java:" + line("// slow-first-step-await") + ")"),
                report);
    }

    @Async
    static Task<Integer> waitsForever(Future<Integer> never) {
        return Task.completed(await(never)); // waits-forever-await
    }

    @Async
    static Task<Integer> failsUnobserved() {
        await(Tasks.sleep(Duration.ZERO)); // fails-unobserved-await
        throw new IllegalStateException("nobody looks at me");
    }

    @Async
    static Task<Integer> neverAwaited() {
        return Task.completed(7);
    }

    /** Keeps the unobserved failure from the GC until the loop closes, so the report is the loop's, not the GC's. */
    static volatile Object keptUntilTheLoopCloses;

    @Async
    @SuppressWarnings("weft:dropped-task") // dropped on purpose: the report of it is what is tested
    static Task<Void> leaveThingsBehind() {
        keptUntilTheLoopCloses = failsUnobserved();   // fails later; nobody asks        (call-fails-unobserved)
        neverAwaited();      // done at once; nobody asks       (call-never-awaited)
        await(Tasks.sleep(Duration.ofMillis(5)));
        return Task.completed(null);
    }

    @Test
    void failuresNeverRetrievedAndTasksNeverAwaitedAreReportedWithTheirMethodAndCreationLine() throws Exception {
        EventLoop.run(() -> {
            EventLoop.running().setDebug(true);
            return leaveThingsBehind();
        });
        keptUntilTheLoopCloses = null;
        // the failure: at the latest when the loop closes, once, with where the task was created
        List<String> failures = messages("exception was never retrieved");
        assertEquals(1, failures.size(), failures::toString);
        assertTrue(failures.get(0).matches("Task exception was never retrieved: Task@[0-9a-f]+ "
                + ME.replace(".", "\\.") + "\\.failsUnobserved\\(DebugModeTest\\.java:"
                + line("// fails-unobserved-await") + "\\), created at " + ME.replace(".", "\\.")
                + "\\.leaveThingsBehind\\(DebugModeTest\\.java:" + line("(call-fails-unobserved)")
                + "\\) \\(not retrieved when its loop closed\\)"), failures.get(0));
        // tasks of other tests may be collected now too, and reported: this test's is the one of neverAwaited
        assertTrue(afterGc(() -> neverAwaitedOf(ME + ".neverAwaited(") != null), "never-awaited report");
        String neverAwaited = neverAwaitedOf(ME + ".neverAwaited(");
        assertTrue(neverAwaited.contains(", created at " + ME + ".leaveThingsBehind(DebugModeTest.java:"
                + line("(call-never-awaited)") + ")"), neverAwaited);
        assertEquals(1, messages("exception was never retrieved").size(), "not reported again when collected");
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
        assertTrue(afterGc(() -> messages("was destroyed but it is pending").stream()
                .anyMatch(m -> m.contains(ME + ".waitsForever"))), "pending-task report");
        String pending = messages("was destroyed but it is pending").stream()
                .filter(m -> m.contains(ME + ".waitsForever")).findFirst().orElseThrow();
        assertTrue(pending.contains(", created at " + ME + ".lambda$"), pending);
    }

    @Async
    static Task<String> dumpsWhileRunning(Future<Integer> gate) {
        Task<Integer> waiting = waitsForever(gate);
        await(Tasks.sleep(Duration.ZERO)); // dump-resumed-from
        String dump = EventLoop.running().dumpTasks();
        gate.complete(1);
        await(waiting);
        return Task.completed(dump);
    }

    @Test
    void dumpTasksTellsTheRunningTaskFromTheWaitingOnes() {
        String dump = EventLoop.run(() -> dumpsWhileRunning(new Future<>()));
        List<String> lines = dump.lines().toList();
        assertTrue(lines.get(0).endsWith("2 pending task(s)"), dump);
        assertTrue(lines.stream().anyMatch(l -> l.matches("  Task@[0-9a-f]+ running, resumed from "
                + ME.replace(".", "\\.") + "\\.dumpsWhileRunning\\(DebugModeTest\\.java:"
                + line("// dump-resumed-from") + "\\)")), dump);
        assertTrue(lines.stream().anyMatch(l -> l.matches("  Task@[0-9a-f]+ awaiting at " + ME.replace(".", "\\.")
                + "\\.waitsForever\\(DebugModeTest\\.java:" + line("// waits-forever-await")
                + "\\) on Future@[0-9a-f]+\\[pending\\]")), dump);
    }
}
