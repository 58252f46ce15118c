package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Contract item 4: an exception of the body fails the task and never escapes from the call; {@code await} of a
 * failed future throws the original exception, never a CompletionException or ExecutionException wrapper.
 */
class ExceptionsTest {

    static final String FAILURES = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Future;
            import dev.weft.runtime.Task;
            import java.io.IOException;
            import java.util.List;
            import java.util.concurrent.CompletionStage;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Failures {
                @Async
                static Task<Integer> early(RuntimeException e, List<String> log) {
                    log.add("started");
                    if (e != null) {
                        throw e;
                    }
                    await(sleep(ZERO));
                    return Task.completed(1);
                }

                @Async
                static Task<Integer> late(RuntimeException e) {
                    await(sleep(ZERO));
                    throw e;
                }

                @Async
                static Task<String> checked(IOException e) throws IOException {
                    await(sleep(ZERO));
                    throw e;
                }

                @Async
                static Task<Throwable> caughtFromStage(CompletionStage<?> stage) {
                    try {
                        await(stage);
                        return Task.completed(null);
                    } catch (Throwable t) {
                        return Task.completed(t);
                    }
                }

                @Async
                static Task<Throwable> caughtFromFuture(Future<?> future) {
                    try {
                        await(future);
                        return Task.completed(null);
                    } catch (Throwable t) {
                        return Task.completed(t);
                    }
                }

                @Async
                static Task<Object> uncaught(CompletionStage<?> stage) {
                    Object value = await(stage);
                    return Task.completed(value);
                }
            }
            """;

    private static Compiled failures() {
        return AsyncTestSupport.transformed(FAILURES);
    }

    @Test
    void anExceptionBeforeTheFirstSuspensionFailsTheTaskInsteadOfEscapingTheCall() {
        Compiled program = failures();
        IllegalStateException boom = new IllegalStateException("early");
        List<String> log = new ArrayList<>();
        Task<?> offLoop = AsyncTestSupport.onFreshThread(() -> (Task<?>) program.call("demo.Failures", "early", boom, log));
        assertTrue(offLoop.isFailed(), () -> "failed task expected, got " + offLoop);
        assertSame(boom, offLoop.exception());
        assertEquals(List.of("started"), log);

        Task<?> onLoop = AsyncTestSupport.onLoop(() -> {
            Task<?> t = (Task<?>) program.call("demo.Failures", "early", boom, log);
            assertTrue(t.isFailed(), () -> "failed task expected, got " + t);
            return Task.completed(t);
        });
        assertSame(boom, onLoop.exception());
    }

    @Test
    void anExceptionAfterASuspensionFailsTheTask() {
        Compiled program = failures();
        IllegalStateException boom = new IllegalStateException("late");
        AtomicReference<Task<?>> task = new AtomicReference<>();
        Throwable thrown = assertThrows(IllegalStateException.class, () -> AsyncTestSupport.onLoop(() -> {
            Task<?> t = (Task<?>) program.call("demo.Failures", "late", boom);
            Compiled.assertPending(t, "late suspends before it throws");
            task.set(t);
            return t;
        }));
        assertSame(boom, thrown);
        assertTrue(task.get().isFailed());
        assertSame(boom, task.get().exception());
    }

    @Test
    void aCheckedExceptionFailsTheTaskAsItself() {
        IOException io = new IOException("io");
        Throwable thrown = assertThrows(IOException.class, () -> failures().runSuspending("demo.Failures", "checked", io));
        assertSame(io, thrown);
    }

    @Test
    void awaitOfACompletableFutureFailedLaterThrowsTheOriginalException() {
        Compiled program = failures();
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        Throwable caught = AsyncTestSupport.onLoop(() -> {
            CompletableFuture<String> cf = new CompletableFuture<>();
            Object t = program.call("demo.Failures", "caughtFromStage", cf);
            Compiled.assertPending(t, "the future is not done yet");
            EventLoop.running().callSoon(() -> cf.completeExceptionally(boom));
            return t;
        });
        assertSame(boom, caught);
    }

    @Test
    void awaitOfAnAlreadyFailedCompletableFutureThrowsTheOriginalExceptionWithoutSuspending() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        Task<?> task = (Task<?>) failures().call("demo.Failures", "caughtFromStage", CompletableFuture.failedFuture(boom));
        assertTrue(task.isDone(), "a done future never suspends");
        assertSame(boom, task.result());
    }

    @Test
    void awaitOfAStageThatFailedInsideThenApplyThrowsTheOriginalException() {
        Compiled program = failures();
        IllegalArgumentException boom = new IllegalArgumentException("inside thenApply");
        Throwable caughtLater = AsyncTestSupport.onLoop(() -> {
            CompletableFuture<Integer> source = new CompletableFuture<>();
            CompletableFuture<Integer> mapped = source.thenApply(x -> {
                throw boom;
            });
            Object t = program.call("demo.Failures", "caughtFromStage", mapped);
            Compiled.assertPending(t, "the future is not done yet");
            EventLoop.running().callSoon(() -> source.complete(1));
            return t;
        });
        assertSame(boom, caughtLater);

        CompletableFuture<Integer> done = CompletableFuture.completedFuture(1).thenApply(x -> {
            throw boom;
        });
        Task<?> task = (Task<?>) program.call("demo.Failures", "caughtFromStage", done);
        assertSame(boom, task.result(), "a stage already failed inside thenApply holds a CompletionException");
    }

    @Test
    void awaitOfAWeftFutureFailedLaterThrowsTheOriginalException() {
        Compiled program = failures();
        IOException io = new IOException("checked");
        Throwable caught = AsyncTestSupport.onLoop(() -> {
            Future<String> f = new Future<>();
            Object t = program.call("demo.Failures", "caughtFromFuture", f);
            Compiled.assertPending(t, "the future is not done yet");
            EventLoop.running().callSoon(() -> f.fail(io));
            return t;
        });
        assertSame(io, caught);
    }

    @Test
    void awaitOfACompletableFutureFailedOnAnotherThreadThrowsTheOriginalException() {
        Compiled program = failures();
        IllegalArgumentException boom = new IllegalArgumentException("elsewhere");
        Throwable caught = AsyncTestSupport.onLoop(() -> {
            CompletableFuture<String> cf = new CompletableFuture<>();
            Object t = program.call("demo.Failures", "caughtFromStage", cf);
            new Thread(() -> cf.completeExceptionally(boom)).start();
            return t;
        });
        assertSame(boom, caught);
    }

    @Test
    void awaitOfACancelledFutureThrowsCancellationException() {
        Compiled program = failures();
        Throwable fromCf = AsyncTestSupport.onLoop(() -> {
            CompletableFuture<String> cf = new CompletableFuture<>();
            Object t = program.call("demo.Failures", "caughtFromStage", cf);
            EventLoop.running().callSoon(() -> cf.cancel(false));
            return t;
        });
        assertInstanceOf(CancellationException.class, fromCf);
        Throwable fromFuture = AsyncTestSupport.onLoop(() -> {
            Future<String> f = new Future<>();
            Object t = program.call("demo.Failures", "caughtFromFuture", f);
            EventLoop.running().callSoon(() -> f.cancel("gone"));
            return t;
        });
        assertInstanceOf(CancellationException.class, fromFuture);
        assertEquals("gone", fromFuture.getMessage());
    }

    @Test
    void anUncaughtAwaitedExceptionFailsTheTaskWithTheOriginalException() {
        Compiled program = failures();
        UnsupportedOperationException boom = new UnsupportedOperationException("uncaught");
        Throwable thrown = assertThrows(UnsupportedOperationException.class, () -> AsyncTestSupport.onLoop(() -> {
            CompletableFuture<String> source = new CompletableFuture<>();
            CompletionStage<String> mapped = source.thenApply(x -> {
                throw boom;
            });
            Object t = program.call("demo.Failures", "uncaught", mapped);
            EventLoop.running().callSoon(() -> source.complete("x"));
            return t;
        }));
        assertSame(boom, thrown);
    }
}
