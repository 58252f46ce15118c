package dev.weft.it.library;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The home of the runtime library's tests written as @Async code: this module's test classes are rewritten. */
class LibrarySmokeTest {

    @Async
    static Task<Integer> twice(int x) {
        await(Tasks.sleep(Duration.ZERO));
        return Task.completed(2 * x);
    }

    @Test
    void testClassesOfThisModuleAreRewritten() {
        int r = EventLoop.run(() -> twice(21));
        assertEquals(42, r);
    }
}
