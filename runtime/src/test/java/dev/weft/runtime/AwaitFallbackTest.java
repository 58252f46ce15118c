package dev.weft.runtime;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
        assertTrue(e.getMessage().contains("mvn compile and an IDE's own build stop before"), e.getMessage());
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

    // --- await(x, Class<X> thrown): the same fallback, declared to throw X ---

    /** What the two-argument form is for: a catch of the checked exception compiles around it. */
    private static String firstLine(Future<String> line) {
        try {
            return await(line, java.io.IOException.class);
        } catch (java.io.IOException e) {
            return "caught " + e.getMessage();
        }
    }

    private static String firstLine(CompletionStage<String> line) {
        try {
            return await(line, java.io.IOException.class);
        } catch (java.io.IOException e) {
            return "caught " + e.getMessage();
        }
    }

    @Test
    void awaitWithAnExceptionTypeReturnsTheValueOffTheLoop() {
        Future<String> f = new Future<>();
        new Thread(() -> {
            FutureTest.sleepQuietly(10);
            f.complete("line");
        }).start();
        assertEquals("line", firstLine(f));
        CompletableFuture<String> later = CompletableFuture.supplyAsync(() -> "later",
                CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS));
        assertEquals("later", firstLine(later));
    }

    @Test
    void awaitWithAnExceptionTypeThrowsTheNamedCheckedExceptionItself() {
        java.io.IOException io = new java.io.IOException("disk");
        Future<String> f = new Future<>();
        f.fail(io);
        assertEquals("caught disk", firstLine(f));
        assertSame(io, assertThrows(java.io.IOException.class, () -> await(f, java.io.IOException.class)));

        CompletableFuture<String> mapped = CompletableFuture.<String>completedFuture("x").thenApply(x -> {
            throw new java.io.UncheckedIOException(io);
        });
        assertSame(io, assertThrows(java.io.UncheckedIOException.class,
                () -> await(mapped, java.io.IOException.class)).getCause(), "CompletionException removed, no more");
        CompletableFuture<String> failed = CompletableFuture.failedFuture(new java.io.IOException("net"));
        assertEquals("caught net", firstLine(failed));
        assertEquals("caught net", firstLine((CompletionStage<String>) failed.minimalCompletionStage()));
    }

    @Test
    void awaitWithAnExceptionTypeThrowsAnExceptionOfAnotherTypeAsItIs() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        java.sql.SQLException sql = new java.sql.SQLException("sql");
        Future<String> f = new Future<>();
        f.fail(boom);
        assertSame(boom, assertThrows(IllegalArgumentException.class, () -> await(f, java.io.IOException.class)));
        CompletableFuture<String> cf = CompletableFuture.failedFuture(sql);
        assertSame(sql, assertThrows(java.sql.SQLException.class, () -> await(cf, java.io.IOException.class)));
    }

    @Test
    void awaitWithAnExceptionTypeOfACancelledFutureThrowsCancellationException() {
        Future<String> f = new Future<>();
        f.cancel("gone");
        assertEquals("gone", assertThrows(CancellationException.class,
                () -> await(f, java.io.IOException.class)).getMessage());
        CompletableFuture<String> cf = new CompletableFuture<>();
        cf.cancel(false);
        assertThrows(CancellationException.class, () -> await(cf, java.io.IOException.class));
    }

    @Test
    void awaitWithAnExceptionTypeOnALoopThreadSaysHowToEnableTheTransformation() {
        IllegalStateException onFuture = assertThrows(IllegalStateException.class, () -> EventLoop.run(() -> {
            Future<Integer> done = new Future<>();
            done.complete(1);
            try {
                return Task.completed(await(done, java.io.IOException.class));
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }));
        IllegalStateException onStage = assertThrows(IllegalStateException.class, () -> EventLoop.run(() -> {
            try {
                return Task.completed(await(CompletableFuture.completedFuture(1), java.io.IOException.class));
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }));
        for (IllegalStateException e : List.of(onFuture, onStage)) {
            assertTrue(e.getMessage().contains("@Async"), e.getMessage());
            assertTrue(e.getMessage().contains("async-maven-plugin"), e.getMessage());
            assertTrue(e.getMessage().contains("-javaagent"), e.getMessage());
            assertTrue(e.getMessage().contains("(" + AwaitFallbackTest.class.getName() + ".lambda$"), e.getMessage());
        }
    }

    @Test
    void anInterruptedAwaitWithAnExceptionTypeEndsInCancellationAndKeepsTheFlag() {
        Future<String> never = new Future<>();
        Thread.currentThread().interrupt();
        try {
            assertThrows(CancellationException.class, () -> await(never, java.io.IOException.class));
            assertTrue(Thread.interrupted());
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void theTwoArgumentAwaitsHaveTheSignaturesTheTransformerRewrites() throws Exception {
        java.lang.reflect.Method onFuture = Await.class.getMethod("await", Future.class, Class.class);
        java.lang.reflect.Method onStage = Await.class.getMethod("await", CompletionStage.class, Class.class);
        for (java.lang.reflect.Method m : List.of(onFuture, onStage)) {
            assertTrue(java.lang.reflect.Modifier.isStatic(m.getModifiers()) && java.lang.reflect.Modifier.isPublic(
                    m.getModifiers()), m.toString());
            assertEquals(Object.class, m.getReturnType(), "erased to (..., Class)Object");
            java.lang.reflect.TypeVariable<?> x = m.getTypeParameters()[1];
            assertEquals(List.of(Exception.class), List.of(x.getBounds()), "X extends Exception");
            assertEquals(List.of(x), List.of(m.getGenericExceptionTypes()), "throws X");
        }
    }
}
