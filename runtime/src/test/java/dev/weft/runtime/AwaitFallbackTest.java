package dev.weft.runtime;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Contract item 8: {@code await} where the transformer did not rewrite it. */
class AwaitFallbackTest {

    @Test
    void awaitOnALoopThreadWithoutTheTransformationSaysHowToEnableIt() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EventLoop.run(() -> Task.completed(await(CompletableFuture.completedFuture(1)))));
        assertTrue(e.getMessage().contains("@Async"), e.getMessage());
        assertTrue(e.getMessage().contains("async-maven-plugin"), e.getMessage());
        assertTrue(e.getMessage().contains("-javaagent"), e.getMessage());
    }

    @Test
    void awaitOffTheLoopBlocksUntilTheFutureIsDone() {
        CompletableFuture<String> later = CompletableFuture.supplyAsync(() -> "later",
                CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
        assertEquals("later", await(later));

        Future<Integer> f = new Future<>();
        new Thread(() -> {
            FutureTest.sleepQuietly(10);
            f.complete(5);
        }).start();
        assertEquals(5, await(f));
    }

    @Test
    void aFailedCompletableFutureThrowsTheOriginalException() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        CompletableFuture<String> failed = CompletableFuture.failedFuture(boom);
        assertSame(boom, assertThrows(IllegalArgumentException.class, () -> await(failed)));
    }

    @Test
    void anExceptionThrownInsideThenApplyArrivesUnwrapped() {
        IllegalArgumentException boom = new IllegalArgumentException("inside thenApply");
        CompletableFuture<Integer> source = new CompletableFuture<>();
        CompletableFuture<Integer> mapped = source.thenApply(x -> {
            throw boom;
        });
        source.complete(1);
        assertSame(boom, assertThrows(IllegalArgumentException.class, () -> await(mapped)));

        CompletableFuture<Integer> async = CompletableFuture.supplyAsync(() -> 1).thenApplyAsync(x -> {
            throw boom;
        });
        assertSame(boom, assertThrows(IllegalArgumentException.class, () -> await(async)));
    }

    @Test
    void aCheckedExceptionArrivesAsItself() {
        Future<String> f = new Future<>();
        java.io.IOException io = new java.io.IOException("io");
        f.fail(io);
        Throwable thrown = assertThrows(java.io.IOException.class, () -> await(f));
        assertSame(io, thrown);
    }

    @Test
    void aCancelledFutureThrowsCancellationException() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        cf.cancel(false);
        assertThrows(CancellationException.class, () -> await(cf));
        Future<String> f = new Future<>();
        f.cancel("gone");
        assertEquals("gone", assertThrows(CancellationException.class, () -> await(f)).getMessage());
    }

    @Test
    void sleepWithoutALoopBlocksForItsDelay() {
        long start = System.nanoTime();
        await(Tasks.sleep(Duration.ofMillis(20)));
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(20).toNanos());
    }

    @Test
    void anInterruptedAwaitEndsInCancellationAndKeepsTheFlag() {
        Future<String> never = new Future<>();
        Thread.currentThread().interrupt();
        try {
            assertThrows(CancellationException.class, () -> await(never));
            assertTrue(Thread.interrupted());
        } finally {
            Thread.interrupted();
        }
    }
}
