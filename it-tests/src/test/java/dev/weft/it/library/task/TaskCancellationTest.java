package dev.weft.it.library.task;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/**
 * Task cancellation requests that are not thrown in at an await, as asyncio 3.13's {@code Task} keeps them in
 * {@code _must_cancel} (issue #12, items 2 and 3). Each expected trace is the output of the Python program in the
 * test's Javadoc, run on CPython 3.13 with {@code loop.set_task_factory(asyncio.eager_task_factory)} and
 * {@code loop.run_until_complete(main())}.
 */
class TaskCancellationTest {

    @Async
    static Task<Integer> cancelsItselfThenReturns(List<String> log) {
        await(Tasks.sleep(Duration.ZERO));
        Task.current().cancel();
        log.add("child returns 42");
        return Task.completed(42);
    }

    @Async
    static Task<Integer> cancelsItselfAtOnce(List<String> log) {
        Task.current().cancel("stop");
        log.add("child returns 7");
        return Task.completed(7);
    }

    @Async
    static Task<List<String>> awaitTasksThatCancelThemselves() {
        List<String> log = new ArrayList<>();
        Task<Integer> t = cancelsItselfThenReturns(log);
        try {
            log.add("awaiter got " + await(t));
        } catch (CancellationException e) {
            log.add("awaiter got CancellationException");
        }
        log.add("cancelled " + t.isCancelled());
        Task<Integer> u = cancelsItselfAtOnce(log);
        log.add("done at once " + u.isDone() + " cancelled " + u.isCancelled());
        try {
            log.add("awaiter got " + await(u));
        } catch (CancellationException e) {
            log.add("awaiter got CancellationException: " + e.getMessage());
        }
        return Task.completed(log);
    }

    /**
     * A task that cancels itself and returns without awaiting again ends cancelled; its value is dropped, and the
     * awaiter gets a CancellationException with the request's message. Python 3.13:
     * <pre>
     * async def cancels_itself_then_returns(log):
     *     await asyncio.sleep(0)
     *     asyncio.current_task().cancel()
     *     log.append("child returns 42")
     *     return 42
     * async def cancels_itself_at_once(log):
     *     asyncio.current_task().cancel("stop")
     *     log.append("child returns 7")
     *     return 7
     * async def main():
     *     log = []
     *     t = asyncio.create_task(cancels_itself_then_returns(log))
     *     try: log.append(f"awaiter got {await t}")
     *     except asyncio.CancelledError: log.append("awaiter got CancellationException")
     *     log.append(f"cancelled {t.cancelled()}")                                  # lower-cased
     *     u = asyncio.create_task(cancels_itself_at_once(log))
     *     log.append(f"done at once {u.done()} cancelled {u.cancelled()}")           # lower-cased
     *     try: log.append(f"awaiter got {await u}")
     *     except asyncio.CancelledError as e: log.append(f"awaiter got CancellationException: {e}")
     * </pre>
     * prints
     * <pre>
     * child returns 42
     * awaiter got CancellationException
     * cancelled true
     * child returns 7
     * done at once true cancelled true
     * awaiter got CancellationException: stop
     * </pre>
     */
    @Test
    void taskThatCancelsItselfAndReturnsEndsCancelledAndDropsItsValue() {
        assertEquals(List.of(
                "child returns 42",
                "awaiter got CancellationException",
                "cancelled true",
                "child returns 7",
                "done at once true cancelled true",
                "awaiter got CancellationException: stop"), EventLoop.run(() -> awaitTasksThatCancelThemselves()));
    }

    @Async
    static Task<String> sleeper(List<String> log) {
        log.add("sleeper yields");
        try {
            await(Tasks.sleep(Duration.ZERO));
            log.add("sleeper goes on, cancelling " + Task.current().cancelling());
        } catch (CancellationException e) {
            log.add("sleeper cancelled");
            throw e;
        }
        return Task.completed("done");
    }

    @Async
    static Task<List<String>> cancelSleeperInYield(int cancels, int uncancels) {
        List<String> log = new ArrayList<>();
        Task<String> t = sleeper(log);
        for (int i = 0; i < cancels; i++) {
            log.add("cancel " + t.cancel());
        }
        for (int i = 0; i < uncancels; i++) {
            log.add("uncancel " + t.uncancel());
        }
        try {
            log.add("result " + await(t));
        } catch (CancellationException e) {
            log.add("awaiter got CancellationException");
        }
        log.add("cancelled " + t.isCancelled());
        return Task.completed(log);
    }

    /**
     * {@code sleep(ZERO)} is asyncio's bare yield, with no future to cancel: {@code cancel()} leaves the request
     * pending, and {@code uncancel()} taking the last one back lets the task go on (3.13's {@code uncancel} clears
     * {@code _must_cancel} at zero). Python 3.13 ({@code run(1, 1)}, {@code run(1, 0)}, {@code run(2, 1)}):
     * <pre>
     * async def sleeper(log):
     *     log.append("sleeper yields")
     *     try:
     *         await asyncio.sleep(0)
     *         log.append(f"sleeper goes on, cancelling {asyncio.current_task().cancelling()}")
     *     except asyncio.CancelledError:
     *         log.append("sleeper cancelled"); raise
     *     return "done"
     * async def run(cancels, uncancels):
     *     log = []
     *     t = asyncio.create_task(sleeper(log))
     *     for _ in range(cancels): log.append(f"cancel {t.cancel()}")            # lower-cased
     *     for _ in range(uncancels): log.append(f"uncancel {t.uncancel()}")
     *     try: log.append(f"result {await t}")
     *     except asyncio.CancelledError: log.append("awaiter got CancellationException")
     *     log.append(f"cancelled {t.cancelled()}")                             # lower-cased
     * </pre>
     * prints, for {@code run(1, 1)}:
     * <pre>
     * sleeper yields
     * cancel true
     * uncancel 0
     * sleeper goes on, cancelling 0
     * result done
     * cancelled false
     * </pre>
     */
    @Test
    void cancelThenUncancelOfATaskInSleepZeroLetsItGoOn() {
        assertEquals(List.of(
                "sleeper yields",
                "cancel true",
                "uncancel 0",
                "sleeper goes on, cancelling 0",
                "result done",
                "cancelled false"), EventLoop.run(() -> cancelSleeperInYield(1, 1)));
    }

    /**
     * The same program: without {@code uncancel}, the request is thrown in when the yield ends; taking back one of
     * two requests leaves it pending. Python 3.13 prints, for {@code run(1, 0)}:
     * <pre>
     * sleeper yields
     * cancel true
     * sleeper cancelled
     * awaiter got CancellationException
     * cancelled true
     * </pre>
     * and for {@code run(2, 1)}:
     * <pre>
     * sleeper yields
     * cancel true
     * cancel true
     * uncancel 1
     * sleeper cancelled
     * awaiter got CancellationException
     * cancelled true
     * </pre>
     */
    @Test
    void cancelOfATaskInSleepZeroIsThrownInWhenTheYieldEndsUnlessAllRequestsAreTakenBack() {
        assertEquals(List.of(
                "sleeper yields",
                "cancel true",
                "sleeper cancelled",
                "awaiter got CancellationException",
                "cancelled true"), EventLoop.run(() -> cancelSleeperInYield(1, 0)));
        assertEquals(List.of(
                "sleeper yields",
                "cancel true",
                "cancel true",
                "uncancel 1",
                "sleeper cancelled",
                "awaiter got CancellationException",
                "cancelled true"), EventLoop.run(() -> cancelSleeperInYield(2, 1)));
    }
}
