package dev.weft.it.library.debug;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.Async;
import dev.weft.runtime.AsyncTrace;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** In debug mode an exception that crosses awaits carries the chain of awaits it came through. */
class AsyncTraceTest {

    @Async
    static Task<Integer> inner() {
        await(Tasks.sleep(Duration.ZERO));
        throw new IllegalStateException("deep down");
    }

    @Async
    static Task<Integer> middle() {
        return Task.completed(await(inner()) + 1);
    }

    @Async
    static Task<Integer> outer() {
        return Task.completed(await(middle()) + 1);
    }

    @Test
    void theExceptionNamesEveryAwaitItCrossed() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> EventLoop.run(() -> {
            EventLoop.running().setDebug(true);
            return outer();
        }));
        AsyncTrace trace = (AsyncTrace) Arrays.stream(e.getSuppressed()).filter(s -> s instanceof AsyncTrace)
                .findFirst().orElse(null);
        assertNotNull(trace, "no async trace on " + e);
        List<String> methods = Arrays.stream(trace.getStackTrace()).map(StackTraceElement::getMethodName).toList();
        assertEquals(List.of("middle", "outer"), methods);
        assertEquals("crossed 2 awaits", trace.getMessage());
    }

    @Test
    void withoutDebugModeTheExceptionIsLeftAlone() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> EventLoop.run(AsyncTraceTest::outer));
        assertEquals(0, e.getSuppressed().length);
    }
}
