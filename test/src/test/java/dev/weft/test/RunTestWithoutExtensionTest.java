package dev.weft.test;

import static dev.weft.runtime.Await.await;
import static dev.weft.test.AsyncTest.runTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link AsyncTest#runTest} in a test the extension does not run: a fresh loop in virtual time for each call. */
class RunTestWithoutExtensionTest {

    @Test
    void runsTheBodyOnAFreshLoopInVirtualTime() {
        long[] at = new long[1];
        String v = runTest(() -> {
            await(Tasks.sleep(Duration.ofDays(1)));
            at[0] = EventLoop.running().time();
            return Task.completed("a day later");
        });
        assertEquals("a day later", v);
        assertEquals(Duration.ofDays(1).toNanos(), at[0]);
    }

    @Test
    @SuppressWarnings("weft:dropped-task") // on purpose
    void aTaskLeftPendingFailsTheCall() {
        AssertionError e = assertThrows(AssertionError.class, () -> runTest(() -> {
            Samples.sleepForever(new java.util.ArrayList<>());
            return Task.completed(null);
        }));
        assertTrue(e.getMessage().contains("still pending when the test's body ended"), e.getMessage());
    }

    @Test
    void theTestsLoopIsOnlyKnownInsideTheExtension() {
        IllegalStateException e = assertThrows(IllegalStateException.class, AsyncTest::loop);
        assertTrue(e.getMessage().contains("@WeftTest"), e.getMessage());
    }
}
