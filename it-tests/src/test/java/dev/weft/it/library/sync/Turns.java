package dev.weft.it.library.sync;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;

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
}
