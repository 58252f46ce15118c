package dev.weft.it.library.loop;

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
 * When {@code EventLoop.run} stops: in the turn after main's task finished, as {@code asyncio.run}'s
 * {@code run_until_complete(task)} does (its done-callback stops the loop), then the tasks still pending are
 * cancelled. Found by {@link OrderDifferentialTest}: the loop ran one turn more, through the done-callback of the
 * future that carries main's outcome, so a task woken in that turn went on instead of being cancelled.
 */
class RunEndTest {

    private static final List<String> log = new ArrayList<>();

    @Async
    static Task<String> threeYields() {
        for (int i = 0; i < 3; i++) {
            await(Tasks.sleep(Duration.ZERO));
        }
        return Task.completed("c");
    }

    @Async
    static Task<Void> waiter(Task<String> t) {
        try {
            log.add("waiter got " + await(t));
        } catch (CancellationException e) {
            log.add("waiter cancelled");
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> main() {
        Task<String> t = threeYields();
        waiter(t);
        await(Tasks.sleep(Duration.ZERO));
        await(Tasks.sleep(Duration.ZERO));
        log.add("main done");
        return Task.completed(null);
    }

    /**
     * main finishes in turn 3, so the loop stops after turn 4; the child finishes in turn 4, and the waiter, to be
     * woken in turn 5, is cancelled by the shutdown although what it awaited is done (asyncio's
     * {@code _must_cancel}). Python 3.13:
     * <pre>
     * async def child():
     *     for _ in range(3):
     *         await asyncio.sleep(0)
     *     return "c"
     * async def waiter(t):
     *     try:
     *         log.append("waiter got " + await t)
     *     except asyncio.CancelledError:
     *         log.append("waiter cancelled")
     * async def main():
     *     t = asyncio.get_running_loop().create_task(child())
     *     asyncio.get_running_loop().create_task(waiter(t))
     *     await asyncio.sleep(0)
     *     await asyncio.sleep(0)
     *     log.append("main done")
     * asyncio.run(main(), loop_factory=eager_loop)   # eager_task_factory
     * </pre>
     * gives {@code main done, waiter cancelled}.
     */
    @Test
    void theLoopStopsInTheTurnAfterMainFinishedThenCancelsWhatIsPending() {
        log.clear();
        EventLoop.run(() -> main());
        assertEquals(List.of("main done", "waiter cancelled"), log);
    }
}
