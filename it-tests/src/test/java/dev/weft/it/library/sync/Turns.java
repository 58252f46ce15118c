package dev.weft.it.library.sync;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.List;

/** Deterministic waiting for the sync tests: yield the loop a number of turns, no wall-clock time. */
final class Turns {
    private Turns() {
    }

    /** Lets every task woken so far (and what they wake in turn, a few hops deep) run. */
    @Async
    static Task<Void> settle() {
        for (int i = 0; i < 10; i++) {
            await(Tasks.sleep(Duration.ZERO));
        }
        return Task.completed(null);
    }

    /**
     * Marks {@code n} turns in {@code trace}, {@code t0} to {@code t(n-1)}, one per turn, so that a trace shows in
     * which turn each task went on. The Python tests' {@code ticks}:
     * <pre>
     * async def ticks(trace, n):
     *     for i in range(n):
     *         trace.append(f"t{i}")
     *         await asyncio.sleep(0)
     * </pre>
     */
    @Async
    static Task<Void> ticks(List<String> trace, int n) {
        for (int i = 0; i < n; i++) {
            trace.add("t" + i);
            await(Tasks.sleep(Duration.ZERO));
        }
        return Task.completed(null);
    }
}
