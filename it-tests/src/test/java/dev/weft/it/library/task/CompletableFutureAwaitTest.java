package dev.weft.it.library.task;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import dev.weft.runtime.Timeout;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A pending {@link CompletableFuture} is awaited directly (issue #13): the task is its one completion callback, no
 * Weft future is made for it. These pin what that must keep of the behaviour of a Weft future: the turn the task
 * resumes in, the thread, original exceptions, cancellation both ways (asyncio's: cancelling the task cancels what
 * it awaits; a refused cancellation is thrown in at the next step), stages that only look like a
 * CompletableFuture, and tasks without a loop.
 */
class CompletableFutureAwaitTest {

    @Async
    static Task<Integer> awaitLogging(CompletionStage<Integer> stage, List<String> log) {
        log.add("awaiting");
        int v = await(stage);
        log.add("got " + v);
        return Task.completed(v);
    }

    @Async
    static Task<List<String>> completedByACallback() {
        List<String> log = new ArrayList<>();
        CompletableFuture<Integer> cf = new CompletableFuture<>();
        Task<Integer> t = awaitLogging(cf, log);
        assertSame(cf, t.awaiting(), "suspended on the CompletableFuture itself, not on a future made for it");
        EventLoop loop = EventLoop.running();
        loop.callSoon(() -> {
            log.add("complete");
            cf.complete(5);
            loop.callSoon(() -> log.add("callback scheduled after the completion"));
        });
        loop.callSoon(() -> log.add("callback scheduled before the completion ran"));
        log.add("main got " + await(t));
        return Task.completed(log);
    }

    /** The task resumes in the turn after the completion, behind what was ready, as with a Weft future. */
    @Test
    void aPendingCompletableFutureResumesTheTaskInTheNextTurn() {
        assertEquals(List.of("awaiting", "complete", "callback scheduled before the completion ran", "got 5",
                "callback scheduled after the completion", "main got 5"), EventLoop.run(() -> completedByACallback()));
    }

    @Async
    static Task<String> awaitOnThread(CompletableFuture<String> cf) {
        Thread before = Thread.currentThread();
        String v = await(cf);
        return Task.completed(v + (Thread.currentThread() == before ? " on the loop thread" : " elsewhere"));
    }

    @Test
    void aCompletionOnAnotherThreadResumesTheTaskOnItsLoop() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        Thread completer = new Thread(() -> {
            sleepQuietly(20);
            cf.complete("value");
        });
        completer.start();
        assertEquals("value on the loop thread", EventLoop.run(() -> awaitOnThread(cf)));
    }

    @Test
    void aStageCompletedByAnExecutorIsAwaited() {
        assertEquals("supplied on the loop thread", EventLoop.run(() -> awaitOnThread(
                CompletableFuture.supplyAsync(() -> {
                    sleepQuietly(10);
                    return "supplied";
                }))));
    }

    @Async
    static Task<Throwable> awaitCatching(CompletionStage<?> stage) {
        try {
            await(stage, IOException.class);
            return Task.completed(null);
        } catch (IOException e) {
            return Task.completed(e);
        } catch (RuntimeException e) {
            return Task.completed(e);
        }
    }

    @Async
    static Task<List<Throwable>> failures(IOException direct, IOException dependent) {
        CompletableFuture<Integer> a = new CompletableFuture<>();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        CompletionStage<Integer> failsLater = b.thenApply(v -> {
            throw new java.io.UncheckedIOException(dependent);
        });
        CompletableFuture<Integer> c = new CompletableFuture<>();
        Task<Throwable> ta = awaitCatching(a);
        Task<Throwable> tb = awaitCatching(failsLater);
        Task<Throwable> tc = awaitCatching(c);
        EventLoop.running().callSoon(() -> {
            a.completeExceptionally(direct);
            b.complete(1);
            c.cancel(false);
        });
        return Task.completed(List.of(await(ta), await(tb), await(tc)));
    }

    @Test
    void failuresArriveAsTheOriginalExceptionNeverACompletionException() {
        IOException direct = new IOException("direct");
        IOException dependent = new IOException("dependent");
        List<Throwable> got = EventLoop.run(() -> failures(direct, dependent));
        assertSame(direct, got.get(0), "caught by type, the very exception the stage failed with");
        assertTrue(got.get(1) instanceof java.io.UncheckedIOException u && u.getCause() == dependent,
                "a dependent stage's failure unwrapped from its CompletionException: " + got.get(1));
        assertTrue(got.get(2) instanceof CancellationException, "a cancelled stage: " + got.get(2));
    }

    @Async
    static Task<String> awaitWithFinally(CompletableFuture<Integer> cf, List<String> log, boolean goOn) {
        try {
            await(cf);
            return Task.completed("not cancelled");
        } catch (CancellationException e) {
            log.add("cancelled: " + e.getMessage());
            if (!goOn) {
                throw e;
            }
        } finally {
            log.add("finally");
        }
        return Task.completed("went on after the cancellation");
    }

    @Async
    static Task<List<String>> cancelTheAwaitingTask(boolean goOn) {
        List<String> log = new ArrayList<>();
        CompletableFuture<Integer> cf = new CompletableFuture<>();
        Task<String> t = awaitWithFinally(cf, log, goOn);
        assertTrue(t.cancel("stop now"));
        log.add("stage cancelled " + cf.isCancelled());
        try {
            log.add("task returned: " + await(t));
        } catch (CancellationException e) {
            log.add("task cancelled " + t.isCancelled());
        }
        return Task.completed(log);
    }

    /** asyncio: cancelling a task cancels what it awaits; the CancellationException, with the message, at the await. */
    @Test
    void cancellingTheTaskCancelsTheStageAndThrowsInAtTheAwait() {
        assertEquals(List.of("stage cancelled true", "cancelled: stop now", "finally", "task cancelled true"),
                EventLoop.run(() -> cancelTheAwaitingTask(false)));
        assertEquals(List.of("stage cancelled true", "cancelled: stop now", "finally",
                "task returned: went on after the cancellation"), EventLoop.run(() -> cancelTheAwaitingTask(true)));
    }

    /** A CompletableFuture that does not take cancellation. */
    static final class Stubborn<T> extends CompletableFuture<T> {
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return false;
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new Stubborn<>();
        }
    }

    @Async
    static Task<List<String>> cancelAwaitingAStubbornStage() {
        List<String> log = new ArrayList<>();
        Stubborn<Integer> cf = new Stubborn<>();
        Task<String> t = awaitWithFinally(cf, log, false);
        t.cancel("refused");
        await(Tasks.sleep(Duration.ZERO));
        log.add("done " + t.isDone() + ", cancelling " + t.cancelling());
        cf.complete(1);
        try {
            await(t);
        } catch (CancellationException e) {
            log.add("task cancelled " + t.isCancelled());
        }
        return Task.completed(log);
    }

    /**
     * A stage that refuses cancel() does not keep the cancelled task waiting: asyncio 3.13's task awaiting
     * {@code wrap_future(f)} of a {@code concurrent.futures.Future} whose {@code cancel()} returns False prints
     * {@code ["cancelled: ('refused',)", 'finally', 'done True cancelling 1', 'task cancelled True']} (create_task,
     * sleep(0), t.cancel("refused"), sleep(0), then f.set_result(1) and await t); the stage's late completion wakes
     * nothing.
     */
    @Test
    void aStageThatRefusesCancellationStillLetsTheTaskBeCancelledAtOnce() {
        assertEquals(List.of("cancelled: refused", "finally", "done true, cancelling 1", "task cancelled true"),
                EventLoop.run(() -> cancelAwaitingAStubbornStage()));
    }

    @Test
    void aStubbornStageAwaitedWithACancellationDueWakesTheTaskAtOnce() {
        Stubborn<Integer> cf = new Stubborn<>();
        assertEquals("cancelled: early, stage cancelled false", EventLoop.run(() -> cancelsItselfThenAwaits(cf)));
    }

    @Test
    void cancellingATaskWithoutALoopAwaitingAStubbornStageEndsItAtOnce() {
        Stubborn<Integer> cf = new Stubborn<>();
        List<String> log = new ArrayList<>();
        Task<String> t = awaitWithFinally(cf, log, false);
        assertTrue(t.cancel("off loop"));
        assertTrue(t.isCancelled());
        assertEquals(List.of("cancelled: off loop", "finally"), log);
        cf.complete(1); // its callback finds the task done: nothing runs twice
        assertEquals(List.of("cancelled: off loop", "finally"), log);
    }

    @Async
    static Task<String> cancelsItselfThenAwaits(CompletableFuture<Integer> cf) {
        Task.current().cancel("early");
        try {
            await(cf);
            return Task.completed("not cancelled");
        } catch (CancellationException e) {
            return Task.completed("cancelled: " + e.getMessage() + ", stage cancelled " + cf.isCancelled());
        }
    }

    /** A cancellation requested during the step cancels the stage the step then suspends on. */
    @Test
    void aCancellationDueWhenTheTaskSuspendsCancelsTheStage() {
        CompletableFuture<Integer> cf = new CompletableFuture<>();
        assertEquals("cancelled: early, stage cancelled true", EventLoop.run(() -> cancelsItselfThenAwaits(cf)));
    }

    @Async
    static Task<List<String>> stagesThatAreNotPlainCompletableFutures() {
        List<String> log = new ArrayList<>();
        CompletableFuture<Integer> a = new CompletableFuture<>();
        Stubborn<Integer> b = new Stubborn<>();
        CompletionStage<Integer> minimal = a.minimalCompletionStage();
        Task<Integer> ta = awaitLogging(minimal, log);
        Task<Integer> tb = awaitLogging(b.thenApply(v -> v * 10), log);
        EventLoop.running().callSoon(() -> {
            a.complete(3);
            b.complete(4);
        });
        log.add("sum " + (await(ta) + await(tb)));
        return Task.completed(log);
    }

    @Test
    void minimalStagesAndSubclassesAreAwaited() {
        assertEquals(List.of("awaiting", "awaiting", "got 3", "got 40", "sum 43"),
                EventLoop.run(() -> stagesThatAreNotPlainCompletableFutures()));
    }

    @Async
    static Task<Integer> countSteps(CompletableFuture<Integer> cf, int[] steps) {
        steps[0]++;
        int v = await(cf);
        steps[0]++;
        return Task.completed(v);
    }

    @Async
    static Task<String> wakeByHand() {
        CompletableFuture<Integer> cf = new CompletableFuture<>();
        int[] steps = {0};
        Task<Integer> t = countSteps(cf, steps);
        t.accept(99, null); // what a stray completion callback would do
        await(Tasks.sleep(Duration.ZERO));
        await(Tasks.sleep(Duration.ZERO));
        String before = "steps " + steps[0] + ", done " + t.isDone();
        cf.complete(7);
        t.accept(8, null); // a second wake-up for the same completion
        int v = await(t);
        await(Tasks.sleep(Duration.ZERO));
        return Task.completed(before + "; then " + v + " after steps " + steps[0]);
    }

    /** The task's completion callback is public (Task is a BiConsumer); calling it otherwise resumes nothing. */
    @Test
    void aWakeUpThatIsNotTheStagesCompletionDoesNotResumeTheTask() {
        assertEquals("steps 1, done false; then 7 after steps 2", EventLoop.run(() -> wakeByHand()));
    }

    @Async
    static Task<List<String>> dumpWhileAwaiting() {
        CompletableFuture<Integer> cf = new CompletableFuture<>();
        Task<Integer> t = awaitLogging(cf, new ArrayList<>());
        String dump = EventLoop.running().dumpTasks();
        cf.complete(1);
        await(t);
        return Task.completed(List.of(dump));
    }

    @Test
    void dumpTasksNamesTheAwaitedStage() {
        String dump = EventLoop.run(() -> dumpWhileAwaiting()).get(0);
        assertTrue(dump.contains("awaiting at ") && dump.contains("on java.util.concurrent.CompletableFuture@"), dump);
    }

    @Async
    static Task<String> timeoutAroundAStage(CompletableFuture<Integer> cf) {
        Timeout t = Timeout.after(Duration.ofMillis(20)).enter();
        try {
            await(cf);
            t.exit();
            return Task.completed("no timeout");
        } catch (Throwable e) {
            try {
                throw t.exit(e);
            } catch (Throwable after) {
                return Task.completed(after instanceof TimeoutException
                        ? "timed out, stage cancelled " + cf.isCancelled() : "unexpected " + after);
            }
        }
    }

    @Test
    void aTimeoutCancelsTheAwaitedStage() {
        CompletableFuture<Integer> cf = new CompletableFuture<>();
        assertEquals("timed out, stage cancelled true", EventLoop.run(() -> timeoutAroundAStage(cf)));
    }

    @Async
    static Task<String> leavesATaskBehind(CompletableFuture<Integer> cf, List<String> log) {
        awaitWithFinally(cf, log, false);
        return Task.completed("main done");
    }

    /** EventLoop.run cancels the tasks left when main ends: one awaiting a stage cancels the stage. */
    @Test
    void aTaskLeftAwaitingAStageWhenTheRunEndsCancelsIt() {
        CompletableFuture<Integer> cf = new CompletableFuture<>();
        List<String> log = new ArrayList<>();
        assertEquals("main done", EventLoop.run(() -> leavesATaskBehind(cf, log)));
        assertTrue(cf.isCancelled());
        assertEquals(List.of("cancelled: null", "finally"), log);
    }

    /** Without a loop, the task takes its next step on the thread that completes the stage (contract item 3). */
    @Test
    void aTaskWithoutALoopResumesOnTheCompletingThread() throws Exception {
        CompletableFuture<String> cf = new CompletableFuture<>();
        Task<String> t = awaitOnThread(cf);
        assertFalse(t.isDone());
        assertSame(cf, t.awaiting());
        Thread completer = new Thread(() -> cf.complete("loop-less"));
        completer.start();
        completer.join();
        assertEquals("loop-less elsewhere", t.get(5, TimeUnit.SECONDS));
    }

    @Test
    void cancellingATaskWithoutALoopCancelsTheStage() throws Exception {
        CompletableFuture<Integer> cf = new CompletableFuture<>();
        List<String> log = new ArrayList<>();
        Task<String> t = awaitWithFinally(cf, log, false);
        assertTrue(t.cancel("off loop"));
        assertTrue(cf.isCancelled());
        assertTrue(t.isCancelled());
        assertEquals(List.of("cancelled: off loop", "finally"), log);
        assertThrows(CancellationException.class, t::result);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
