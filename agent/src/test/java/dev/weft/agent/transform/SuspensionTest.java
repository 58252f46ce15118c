package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Contract items 2, 3 and 9: the body runs at once up to the first await of a future that is not done; awaiting a
 * done future never suspends; later steps run on the loop thread (or, without a loop, on the completing thread).
 */
class SuspensionTest {

    static final String STEPS = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.EventLoop;
            import dev.weft.runtime.Future;
            import dev.weft.runtime.Task;
            import java.util.List;
            import java.util.concurrent.CompletableFuture;
            import java.util.concurrent.CompletionStage;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Steps {
                @Async
                static Task<String> upToTheFirstAwait(List<String> log, Future<String> gate) {
                    log.add("before");
                    String v = await(gate);
                    log.add("after " + v);
                    return Task.completed(v);
                }

                @Async
                static Task<Integer> allDone(Future<Integer> a, CompletableFuture<Integer> b, Task<Integer> c) {
                    int x = await(a);
                    int y = await(b);
                    int z = await(c);
                    int v = await(doneAsync(5));
                    return Task.completed(x + y + z + v);
                }

                @Async
                static Task<Integer> doneStage(CompletionStage<Integer> stage) {
                    return Task.completed(await(stage));
                }

                @Async
                static Task<Integer> doneAsync(int x) {
                    return Task.completed(await(Future.completed(x)));
                }

                @Async
                static Task<String> threads(List<Thread> seen, CompletionStage<String> fromElsewhere) {
                    seen.add(Thread.currentThread());
                    await(sleep(ZERO));
                    seen.add(Thread.currentThread());
                    String v = await(fromElsewhere);
                    seen.add(Thread.currentThread());
                    return Task.completed(v);
                }

                @Async
                static Task<String> order(List<String> log) {
                    Future<String> f = new Future<>();
                    EventLoop loop = EventLoop.running();
                    loop.callSoon(() -> {
                        log.add("cb1");
                        f.complete("v");
                        loop.callSoon(() -> log.add("cb3"));
                    });
                    loop.callSoon(() -> log.add("cb2"));
                    log.add("await " + await(f));
                    await(sleep(ZERO));
                    return Task.completed(String.join(",", log));
                }
            }
            """;

    private static Compiled steps() {
        return AsyncTestSupport.transformed(STEPS);
    }

    @Test
    void theBodyRunsAtOnceUpToTheFirstAwaitOfAFutureThatIsNotDone() {
        Compiled program = steps();
        List<String> log = new ArrayList<>();
        assertEquals("go", AsyncTestSupport.onLoop(() -> {
            Future<String> gate = new Future<>();
            Object task = program.call("demo.Steps", "upToTheFirstAwait", log, gate);
            assertEquals(List.of("before"), log, "the call ran the body up to the await, and no further");
            Compiled.assertPending(task, "the task waits for the gate");
            EventLoop.running().callSoon(() -> gate.complete("go"));
            return task;
        }));
        assertEquals(List.of("before", "after go"), log);
    }

    @Test
    void awaitingOnlyDoneFuturesNeverSuspendsWithoutALoop() {
        Task<?> task = (Task<?>) steps().call("demo.Steps", "allDone", Future.completed(1),
                CompletableFuture.completedFuture(2), Task.completed(3));
        assertTrue(task.isDone(), "every awaited future was done: the task is done when the call returns");
        assertEquals(11, task.result());
    }

    @Test
    void awaitingADoneMinimalCompletionStageNeverSuspends() {
        // CompletableFuture.completedStage gives a stage whose CompletableFuture methods (isDone, join...) throw
        Task<?> task = (Task<?>) steps().call("demo.Steps", "doneStage", CompletableFuture.completedStage(3));
        assertTrue(task.isDone(), "the stage was done: the task is done when the call returns");
        assertEquals(3, task.result());
        Compiled program = steps();
        assertEquals(4, (int) AsyncTestSupport.onLoop(() -> {
            Task<?> onLoop = (Task<?>) program.call("demo.Steps", "doneStage", CompletableFuture.completedStage(4));
            assertTrue(onLoop.isDone(), "the stage was done: the task is done when the call returns");
            return onLoop;
        }));
    }

    @Test
    void awaitingOnlyDoneFuturesNeverSuspendsOnALoop() {
        Compiled program = steps();
        assertEquals(11, (int) AsyncTestSupport.onLoop(() -> {
            Task<?> task = (Task<?>) program.call("demo.Steps", "allDone", Future.completed(1),
                    CompletableFuture.completedFuture(2), Task.completed(3));
            assertTrue(task.isDone(), "every awaited future was done: the task is done when the call returns");
            return task;
        }));
    }

    @Test
    void awaitingADoneTaskThroughItsCompletionStageTypeNeverSuspends() {
        Task<?> task = (Task<?>) steps().call("demo.Steps", "doneStage", Task.completed(5));
        assertTrue(task.isDone(), "the task awaited was done: the task is done when the call returns");
        assertEquals(5, task.result());
    }

    /** A method with {@code n} awaits in a row, each folding its value into {@code total}. */
    static String manyAwaits(int n) {
        StringBuilder awaits = new StringBuilder();
        for (int i = 0; i < n; i++) {
            awaits.append("        total = total * 31 + await(sleep(ZERO, ").append(i).append("));\n");
        }
        return """
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class ManyAwaits {
                    @Async
                    static Task<Long> run() {
                        long total = 0;
                AWAITS
                        return Task.completed(total);
                    }
                }
                """.replace("AWAITS", awaits);
    }

    @Test
    void aMethodWithThreeHundredAwaitsResumesAtEachOfThem() {
        long expected = 0;
        for (int i = 0; i < 300; i++) {
            expected = expected * 31 + i;
        }
        Compiled program = AsyncTestSupport.transformed(manyAwaits(300));
        assertEquals(expected, (long) program.runSuspending("demo.ManyAwaits", "run"));
    }

    @Test
    void onALoopEveryLaterStepRunsOnTheLoopThreadEvenWhenAnotherThreadCompletesTheFuture() {
        Compiled program = steps();
        List<Thread> seen = new ArrayList<>();
        AtomicReference<Thread> loopThread = new AtomicReference<>();
        assertEquals("elsewhere", AsyncTestSupport.onLoop(() -> {
            loopThread.set(Thread.currentThread());
            CompletableFuture<String> fromElsewhere = new CompletableFuture<>();
            Object task = program.call("demo.Steps", "threads", seen, fromElsewhere);
            EventLoop.running().callSoon(() -> new Thread(() -> fromElsewhere.complete("elsewhere")).start());
            return task;
        }));
        assertEquals(List.of(loopThread.get(), loopThread.get(), loopThread.get()), seen);
    }

    @Test
    void withoutALoopALaterStepRunsOnTheThreadThatCompletesTheFuture() {
        Compiled program = steps();
        List<Thread> seen = new ArrayList<>();
        Future<String> gate = new Future<>((EventLoop) null);
        AtomicReference<Thread> caller = new AtomicReference<>();
        Task<?> task = AsyncTestSupport.onFreshThread(() -> {
            caller.set(Thread.currentThread());
            return (Task<?>) program.call("demo.Steps", "threads", seen, gate);
        });
        assertFalse(task.isDone(), "the task waits for the gate");
        AtomicReference<Thread> completer = new AtomicReference<>();
        AsyncTestSupport.onFreshThread(() -> {
            completer.set(Thread.currentThread());
            gate.complete("gate");
            return null;
        });
        assertTrue(task.isDone());
        assertEquals("gate", task.result());
        assertEquals(3, seen.size(), () -> "threads seen: " + seen);
        assertSame(caller.get(), seen.get(0));
        assertSame(caller.get(), seen.get(1), "sleep(ZERO) without a loop is done at once: no suspension");
        assertSame(completer.get(), seen.get(2));
    }

    @Test
    void aTaskWokenByAFutureRunsAfterTheCallbacksThatWereAlreadyReady() {
        assertEquals("cb1,cb2,await v,cb3", steps().runSuspending("demo.Steps", "order", new ArrayList<String>()));
    }
}
