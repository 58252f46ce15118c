package dev.weft.it.library.compose;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;

/** Small async building blocks for the composition tests: deterministic, counted in loop turns. */
final class Steps {
    static final Duration HOUR = Duration.ofHours(1);

    private Steps() {
    }

    /** Returns {@code value} after {@code turns} yields. */
    @Async
    static <T> Task<T> after(int turns, T value) {
        for (int i = 0; i < turns; i++) {
            await(Tasks.sleep(Duration.ZERO));
        }
        return Task.completed(value);
    }

    /** Throws {@code IllegalStateException(message)} after {@code turns} yields. */
    @Async
    static Task<String> failAfter(int turns, String message) {
        for (int i = 0; i < turns; i++) {
            await(Tasks.sleep(Duration.ZERO));
        }
        throw new IllegalStateException(message);
    }

    /** Sleeps an hour; logs "name cancelled" when cancelled. */
    @Async
    static Task<String> forever(List<String> log, String name) {
        try {
            await(Tasks.sleep(HOUR));
        } catch (CancellationException e) {
            log.add(name + " cancelled");
            throw e;
        }
        return Task.completed("never");
    }
}
