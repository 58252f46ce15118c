package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Contract item 1: an {@code @Async} method may return Task, CompletableFuture or CompletionStage; returning a
 * future other than {@code Task.completed(v)} / {@code completedFuture(v)} means "complete with its outcome".
 */
class ReturnTypesTest {

    static final String RETURNS = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import java.util.List;
            import java.util.concurrent.CompletableFuture;
            import java.util.concurrent.CompletionStage;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Returns {
                @Async
                static CompletableFuture<String> completable(String x) {
                    String v = await(sleep(ZERO, x));
                    return CompletableFuture.completedFuture(v + "!");
                }

                @Async
                static CompletionStage<String> stage(String x) {
                    String v = await(sleep(ZERO, x));
                    return CompletableFuture.completedFuture(v + "?");
                }

                @Async
                static CompletableFuture<Void> nothing(List<String> log) {
                    await(sleep(ZERO));
                    log.add("ran");
                    return CompletableFuture.completedFuture(null);
                }

                @Async
                static Task<String> slowly(String x) {
                    await(sleep(ZERO));
                    return Task.completed(x);
                }

                @Async
                static Task<String> delegateToTask(String x) {
                    await(sleep(ZERO));
                    return slowly(x + "+");
                }

                @Async
                static CompletableFuture<String> relay(CompletableFuture<String> later) {
                    await(sleep(ZERO));
                    return later;
                }

                @Async
                static CompletionStage<Integer> relayStage(CompletableFuture<Integer> later) {
                    await(sleep(ZERO));
                    return later.thenApply(x -> x * 2);
                }

                @Async
                static Task<String> returnsAFailedTask(RuntimeException e) {
                    await(sleep(ZERO));
                    return Task.failed(e);
                }

                @Async
                static Task<String> ternaryReturn(boolean flag) {
                    String v = await(sleep(ZERO, "v"));
                    return flag ? Task.completed("a" + v) : slowly("b" + v);
                }

                @Async
                static CompletableFuture<String> completableWithoutSuspending() {
                    return CompletableFuture.completedFuture(await(CompletableFuture.completedFuture("now")));
                }
            }
            """;

    private static Compiled returns() {
        return AsyncTestSupport.transformed(RETURNS);
    }

    @Test
    void aCompletableFutureMethodReturnsACompletableFutureThatCompletesWithTheValue() {
        Compiled program = returns();
        assertEquals("a!", AsyncTestSupport.onLoop(() -> {
            Object returned = program.call("demo.Returns", "completable", "a");
            assertInstanceOf(CompletableFuture.class, returned);
            Compiled.assertPending(returned, "completable suspends");
            return returned;
        }));
    }

    @Test
    void aCompletionStageMethodCompletesWithTheValue() {
        assertEquals("b?", returns().runSuspending("demo.Returns", "stage", "b"));
    }

    @Test
    void aCompletableFutureOfVoidCompletesWithNull() {
        List<String> log = new ArrayList<>();
        assertNull(returns().runSuspending("demo.Returns", "nothing", log));
        assertEquals(List.of("ran"), log);
    }

    @Test
    void returningAnotherTaskThatIsNotDoneCompletesWithItsOutcome() {
        assertEquals("x+", returns().runSuspending("demo.Returns", "delegateToTask", "x"));
    }

    @Test
    void returningACompletableFutureThatIsNotDoneCompletesWithItsValue() {
        Compiled program = returns();
        assertEquals("late", AsyncTestSupport.onLoop(() -> {
            CompletableFuture<String> later = new CompletableFuture<>();
            Object returned = program.call("demo.Returns", "relay", later);
            EventLoop loop = EventLoop.running();
            // relay resumes on the next turn and returns `later`, which completes one turn after that
            loop.callSoon(() -> loop.callSoon(() -> later.complete("late")));
            return returned;
        }));
    }

    @Test
    void returningACompletableFutureThatFailsLaterFailsWithTheOriginalException() {
        Compiled program = returns();
        IllegalStateException boom = new IllegalStateException("boom");
        Throwable thrown = assertThrows(IllegalStateException.class, () -> AsyncTestSupport.onLoop(() -> {
            CompletableFuture<String> later = new CompletableFuture<>();
            Object returned = program.call("demo.Returns", "relay", later);
            EventLoop loop = EventLoop.running();
            loop.callSoon(() -> loop.callSoon(() -> later.completeExceptionally(boom)));
            return returned;
        }));
        assertSame(boom, thrown);
    }

    @Test
    void returningADerivedStageCompletesWithItsValue() {
        Compiled program = returns();
        assertEquals(42, (int) AsyncTestSupport.onLoop(() -> {
            CompletableFuture<Integer> later = new CompletableFuture<>();
            Object returned = program.call("demo.Returns", "relayStage", later);
            EventLoop loop = EventLoop.running();
            loop.callSoon(() -> loop.callSoon(() -> later.complete(21)));
            return returned;
        }));
    }

    @Test
    void returningAFailedTaskFailsWithItsException() {
        IllegalArgumentException boom = new IllegalArgumentException("failed task");
        Throwable thrown = assertThrows(IllegalArgumentException.class,
                () -> returns().runSuspending("demo.Returns", "returnsAFailedTask", boom));
        assertSame(boom, thrown);
    }

    @Test
    void aCompletableFutureMethodThatNeverSuspendsIsDoneWhenTheCallReturns() {
        Object returned = returns().call("demo.Returns", "completableWithoutSuspending");
        CompletableFuture<?> cf = assertInstanceOf(CompletableFuture.class, returned);
        assertTrue(cf.isDone());
        assertEquals("now", cf.join());
    }

    @Test
    void returningEitherACompletedTaskOrAnotherTaskFromATernary() {
        assertEquals("av", returns().runSuspending("demo.Returns", "ternaryReturn", true));
        assertEquals("bv", returns().runSuspending("demo.Returns", "ternaryReturn", false));
    }
}
