package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Contract item 5: {@code task.cancel()} on a task suspended in {@code await} throws a CancellationException into
 * the body at that await; catch and finally blocks run as written, once.
 */
class CancellationTest {

    static final String CANCEL = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Future;
            import dev.weft.runtime.Task;
            import java.time.Duration;
            import java.util.List;
            import java.util.concurrent.CancellationException;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Cancel {
                @Async
                static Task<String> waitForever(List<String> log, Future<String> never) {
                    try {
                        log.add("waiting");
                        String v = await(never);
                        log.add("resumed " + v);
                        return Task.completed(v);
                    } catch (CancellationException e) {
                        log.add("cancelled: " + e.getMessage());
                        throw e;
                    } finally {
                        log.add("finally");
                    }
                }

                @Async
                static Task<String> sleepForADay(List<String> log) {
                    try {
                        await(sleep(Duration.ofDays(1)));
                        log.add("woke up");
                    } finally {
                        log.add("finally");
                    }
                    return Task.completed("not reached");
                }

                @Async
                static Task<String> catchAndGoOn(List<String> log, Future<String> never) {
                    try {
                        await(never);
                        log.add("not reached");
                    } catch (CancellationException e) {
                        log.add("caught");
                    } finally {
                        log.add("finally");
                    }
                    String after = await(sleep(ZERO, "after"));
                    log.add(after);
                    return Task.completed("kept running");
                }

                @Async
                static Task<String> awaitInFinallyAfterCancel(List<String> log, Future<String> never) {
                    try {
                        await(never);
                        return Task.completed("not reached");
                    } finally {
                        log.add("cleanup " + await(sleep(ZERO, "done")));
                    }
                }

                @Async
                static Task<String> inner(List<String> log, Future<String> never) {
                    try {
                        return Task.completed(await(never));
                    } finally {
                        log.add("inner finally");
                    }
                }

                @Async
                static Task<String> outer(List<String> log, Future<String> never) {
                    try {
                        return Task.completed(await(inner(log, never)));
                    } finally {
                        log.add("outer finally");
                    }
                }

                @Async
                static Task<String> cancelItself(List<String> log) {
                    Task.current().cancel();
                    log.add("still running");
                    try {
                        await(sleep(ZERO));
                        log.add("not reached");
                    } catch (CancellationException e) {
                        log.add("thrown in at the next await");
                        throw e;
                    }
                    return Task.completed("not reached");
                }

                @Async
                static Task<String> mainLeavesBackgroundWork(List<String> log) {
                    Task<String> background = waitForever(log, new Future<>());
                    await(sleep(ZERO));
                    return Task.completed("main done, background done: " + background.isDone());
                }
            }
            """;

    private final List<String> log = new ArrayList<>();
    private final AtomicReference<Task<?>> task = new AtomicReference<>();
    private final AtomicReference<Future<String>> awaited = new AtomicReference<>();

    /** On a loop: calls {@code method(log[, never])}, checks it suspended, and cancels it on the next turn. */
    private Object callThenCancel(String method, boolean withFuture, String message) {
        Compiled program = AsyncTestSupport.transformed(CANCEL);
        return AsyncTestSupport.onLoop(() -> {
            Future<String> never = new Future<>();
            Task<?> t = (Task<?>) (withFuture ? program.call("demo.Cancel", method, log, never)
                    : program.call("demo.Cancel", method, log));
            Compiled.assertPending(t, method + " should be suspended");
            task.set(t);
            awaited.set(never);
            EventLoop.running().callSoon(() -> {
                if (message == null) {
                    t.cancel();
                } else {
                    t.cancel(message);
                }
            });
            return t;
        });
    }

    @Test
    void cancelWhileAwaitingRunsCatchAndFinallyOnce() {
        assertThrows(CancellationException.class, () -> callThenCancel("waitForever", true, "stop"));
        assertEquals(List.of("waiting", "cancelled: stop", "finally"), log);
        assertTrue(task.get().isCancelled(), "the body let the CancellationException escape");
        assertTrue(awaited.get().isCancelled(), "cancelling the task cancels the future it awaits");
    }

    @Test
    void cancelWhileSleepingRunsFinallyOnce() {
        assertThrows(CancellationException.class, () -> callThenCancel("sleepForADay", false, null));
        assertEquals(List.of("finally"), log);
        assertTrue(task.get().isCancelled());
    }

    @Test
    void aBodyThatCatchesTheCancellationKeepsRunning() {
        assertEquals("kept running", callThenCancel("catchAndGoOn", true, null));
        assertEquals(List.of("caught", "finally", "after"), log);
        assertFalse(task.get().isCancelled());
    }

    @Test
    void aCancelledBodyMayAwaitInsideFinally() {
        assertThrows(CancellationException.class, () -> callThenCancel("awaitInFinallyAfterCancel", true, null));
        assertEquals(List.of("cleanup done"), log);
        assertTrue(task.get().isCancelled());
    }

    @Test
    void cancellingATaskThatAwaitsAnotherCancelsBothAndRunsEachFinallyOnce() {
        assertThrows(CancellationException.class, () -> callThenCancel("outer", true, null));
        assertEquals(List.of("inner finally", "outer finally"), log);
        assertTrue(task.get().isCancelled());
    }

    @Test
    void eventLoopRunCancelsWhatMainLeftPendingAndItsFinallyRunsOnce() {
        Compiled program = AsyncTestSupport.transformed(CANCEL);
        assertEquals("main done, background done: false",
                program.runSuspending("demo.Cancel", "mainLeavesBackgroundWork", log));
        assertEquals(3, log.size(), () -> "log: " + log);
        assertEquals("waiting", log.get(0));
        assertTrue(log.get(1).startsWith("cancelled"), () -> "log: " + log);
        assertEquals("finally", log.get(2));
    }

    @Test
    void aCancellationRequestedWhileTheBodyRunsIsThrownInAtItsNextAwait() {
        Compiled program = AsyncTestSupport.transformed(CANCEL);
        assertThrows(CancellationException.class, () -> program.run("demo.Cancel", "cancelItself", log));
        assertEquals(List.of("still running", "thrown in at the next await"), log);
    }
}
