package dev.weft.test;

import static dev.weft.runtime.Await.await;
import static dev.weft.test.AsyncTest.runTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.weft.Async;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import dev.weft.runtime.Timeout;
import dev.weft.runtime.VirtualClock;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The README's "Testing" example, as it is printed there (but for the package): it must compile and pass. */
@WeftTest
class ReadmeExampleTest {
    @Async
    static Task<String> slowServer() {
        await(Tasks.sleep(Duration.ofMinutes(5)));
        return Task.completed("answer");
    }

    /** The code under test: the server's answer, or "fallback" when it takes longer than {@code limit}. */
    @Async
    static Task<String> fetchOrFallback(Duration limit) {
        try {
            return Task.completed(await(Timeout.within(limit, () -> slowServer()), TimeoutException.class));
        } catch (TimeoutException e) {
            return Task.completed("fallback");
        }
    }

    @Test
    void fallsBackAfterTheTimeout(VirtualClock clock) {
        assertEquals("fallback", runTest(() -> fetchOrFallback(Duration.ofMinutes(1))));
        assertEquals(Duration.ofMinutes(1), clock.now()); // a minute of virtual time, microseconds of real time
    }

    @Test
    void answersWhenTheServerIsInTime(VirtualClock clock) {
        assertEquals("answer", runTest(() -> fetchOrFallback(Duration.ofMinutes(10))));
        assertEquals(Duration.ofMinutes(5), clock.now());
    }

    @Test
    void movingTheClockByHand(VirtualClock clock) {
        runTest(() -> {
            Task<String> fetch = fetchOrFallback(Duration.ofMinutes(10));
            await(clock.advanceBy(Duration.ofMinutes(4)));
            assertFalse(fetch.isDone());
            assertEquals("answer", await(fetch));
            assertEquals(Duration.ofMinutes(5), clock.now());
            return Task.completed(null);
        });
    }

    @Test
    @Async
    Task<Void> answersAfterFiveMinutes(VirtualClock clock) {
        assertEquals("answer", await(fetchOrFallback(Duration.ofMinutes(10))));
        assertEquals(Duration.ofMinutes(5), clock.now());
        return Task.completed(null);
    }
}
