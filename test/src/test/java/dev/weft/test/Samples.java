package dev.weft.test;

import static dev.weft.runtime.Await.await;
import static dev.weft.test.AsyncTest.runTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import dev.weft.runtime.Timeout;
import dev.weft.runtime.VirtualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Test classes that {@link WeftExtensionTest} runs with the EngineTestKit and checks the outcome of: each shows one
 * behaviour of the extension, some by failing. Nested in this class (not named *Test) so that surefire does not run
 * them itself. Their {@code @Async} methods and async lambdas are rewritten by the plugin's instrument-test goal.
 */
final class Samples {
    private Samples() {
    }

    static final Duration HOUR = Duration.ofHours(1);

    @Async
    static Task<String> sleepThenReturn(Duration d, String v) {
        await(Tasks.sleep(d));
        return Task.completed(v);
    }

    @Async
    static Task<Void> sleepThenFail(Duration d, String message) {
        await(Tasks.sleep(d));
        throw new IllegalStateException(message);
    }

    /** Sleeps "for ever" (a year); what it saw of its cancellation goes to {@code log}. */
    @Async
    static Task<Void> sleepForever(List<String> log) {
        try {
            await(Tasks.sleep(Duration.ofDays(365)));
        } catch (CancellationException e) {
            log.add("cancelled");
            throw e;
        }
        return Task.completed(null);
    }

    @WeftTest
    static class Passing {
        @Test
        void anHourOfSleepReturnsItsValue(VirtualClock clock) {
            assertEquals("awake", runTest(() -> sleepThenReturn(HOUR, "awake")));
            assertEquals(HOUR, clock.now());
        }
    }

    @WeftTest
    static class FailingWithTheOriginalException {
        @Test
        void bodyFails() {
            runTest(() -> {
                String v = await(sleepThenReturn(Duration.ofSeconds(5), "x")); // an async lambda, rewritten
                await(sleepThenFail(Duration.ofSeconds(1), "boom after " + v));
                return Task.completed(null);
            });
        }
    }

    static final List<String> LEAK_LOG = Collections.synchronizedList(new ArrayList<>());

    @WeftTest
    static class LeakingATask {
        @Test
        void bodyLeavesATaskPending() {
            runTest(() -> {
                Task<Void> forgotten = Tasks.named("forgotten sleeper", () -> sleepForever(LEAK_LOG));
                return sleepThenReturn(Duration.ofMinutes(1), "done");
            });
        }
    }

    @WeftTest(allowPendingTasks = true)
    static class LeakingATaskAllowed {
        @Test
        @SuppressWarnings("weft:dropped-task") // on purpose
        void bodyLeavesATaskPending() {
            runTest(() -> {
                sleepForever(LEAK_LOG);
                return sleepThenReturn(Duration.ofMinutes(1), "done");
            });
        }
    }

    @WeftTest
    static class NeverRetrieved {
        @Test
        @SuppressWarnings("weft:dropped-task") // on purpose
        void aFailedTaskNobodyAwaits() {
            runTest(() -> {
                sleepThenFail(Duration.ofMinutes(1), "nobody saw me");
                return sleepThenReturn(Duration.ofMinutes(2), "done");
            });
        }
    }

    @WeftTest
    static class HourTimeout {
        @Test
        void timesOutAfterAnHourOfVirtualTime(VirtualClock clock) {
            Throwable e = assertThrows(Throwable.class,
                    () -> runTest(() -> Timeout.within(HOUR, () -> sleepForever(new ArrayList<>()))));
            assertInstanceOf(TimeoutException.class, e);
            assertEquals(HOUR, clock.now());
        }
    }

    /** Work on an executor thread (real time) mixed with an hour of virtual sleep, in a fixed order. */
    @WeftTest
    static class MixedWithRunInExecutor {
        @Async
        static Task<List<String>> mixed(EventLoop loop) {
            List<String> trace = new ArrayList<>();
            loop.callLater(Duration.ofMillis(10), () -> trace.add("10 ms timer at " + loop.virtualClock().now()));
            String fromThread = await(loop.runInExecutor(() -> {
                Thread.sleep(50); // real time, on another thread: the virtual clock waits for it
                return "job";
            }));
            trace.add(fromThread + " at " + loop.virtualClock().now());
            await(Tasks.sleep(HOUR));
            trace.add("slept at " + loop.virtualClock().now());
            return Task.completed(trace);
        }

        @Test
        void theJobHoldsTheClockThenTheHourPassesAtOnce(EventLoop loop) {
            assertEquals(List.of("job at PT0S", "10 ms timer at PT0.01S", "slept at PT1H"),
                    runTest(() -> mixed(loop)));
        }
    }

    static final Set<EventLoop> PARAMETERIZED_LOOPS = Collections.newSetFromMap(new IdentityHashMap<>());

    @WeftTest
    static class Parameterized {
        @ParameterizedTest
        @ValueSource(ints = {1, 2, 3})
        void eachInvocationHasAFreshLoop(int hours, EventLoop loop, VirtualClock clock) {
            PARAMETERIZED_LOOPS.add(loop);
            assertEquals(Duration.ZERO, clock.now());
            runTest(() -> sleepThenReturn(Duration.ofHours(hours), "x"));
            assertEquals(Duration.ofHours(hours), clock.now());
            if (hours == 2) {
                runTest(() -> sleepThenFail(Duration.ofMinutes(1), "invocation 2 fails"));
            }
        }
    }

    @WeftTest
    static class Outer {
        @Test
        void outerTest(VirtualClock clock) {
            runTest(() -> sleepThenReturn(HOUR, "x"));
            assertEquals(HOUR, clock.now());
        }

        @Nested
        class Inner {
            @Test
            void innerTestGetsTheExtension(EventLoop loop) {
                assertTrue(loop.hasVirtualTime());
                runTest(() -> sleepThenReturn(HOUR.multipliedBy(2), "x"));
                assertEquals(HOUR.multipliedBy(2), loop.virtualClock().now());
            }

            @Nested
            @WeftTest(virtualTime = false)
            class InRealTime {
                @Test
                void theNearestAnnotationWins(EventLoop loop) {
                    assertFalse(loop.hasVirtualTime());
                    assertEquals("x", runTest(() -> sleepThenReturn(Duration.ofMillis(1), "x")));
                }

                @Test
                void noClockToInject(VirtualClock clock) {
                }
            }
        }
    }

    static final List<String> FIXTURE_LOG = Collections.synchronizedList(new ArrayList<>());

    /** A task started by @BeforeEach lives on into the test, on the same loop, and @AfterEach stops it. */
    @WeftTest
    static class SharedWithLifecycleMethods {
        Task<Void> server;
        EventLoop setUpLoop;

        @BeforeEach
        void startServer(EventLoop loop) {
            setUpLoop = loop;
            server = runTest(() -> Task.completed(sleepForever(FIXTURE_LOG)));
        }

        @Test
        void theTestSeesTheServer(EventLoop loop) {
            assertEquals(setUpLoop, loop);
            assertEquals("x", runTest(() -> sleepThenReturn(HOUR, "x")));
            assertFalse(server.isDone());
        }

        @AfterEach
        void stopServer() {
            runTest(() -> {
                server.cancel();
                try {
                    await(server);
                } catch (CancellationException expected) {
                    FIXTURE_LOG.add("stopped");
                }
                return Task.completed(null);
            });
        }
    }

    /** The same without the @AfterEach: the task is still pending when the test ends. */
    @WeftTest
    static class LifecycleTaskLeftPending {
        @BeforeEach
        void startServer() {
            runTest(() -> Task.completed(Tasks.named("server", () -> sleepForever(new ArrayList<>()))));
        }

        @Test
        void test() {
            runTest(() -> sleepThenReturn(HOUR, "x"));
        }
    }

    static final List<String> TASK_METHODS_LOG = Collections.synchronizedList(new ArrayList<>());

    /**
     * Test and lifecycle methods written as @Async code returning their task (the plugin gives each a void twin
     * that JUnit runs; see the runtime's TestEntry): they run on the test's loop, in virtual time.
     */
    @WeftTest
    static class TaskReturningMethods {
        @BeforeEach
        @Async
        Task<Void> setUp(VirtualClock clock) {
            await(Tasks.sleep(Duration.ofMinutes(1)));
            TASK_METHODS_LOG.add("set up at " + clock.now());
            return Task.completed(null);
        }

        @Test
        @Async
        Task<Void> passesAfterAnHour(VirtualClock clock) {
            String v = await(sleepThenReturn(HOUR, "v"));
            TASK_METHODS_LOG.add("test " + v + " at " + clock.now());
            return Task.completed(null);
        }

        @Test
        @Async
        Task<Void> failsWithItsOwnException() {
            await(sleepThenFail(Duration.ofSeconds(5), "boom in a task-returning test"));
            return Task.completed(null);
        }

        @ParameterizedTest
        @ValueSource(ints = {2, 3})
        @Async
        Task<Void> parameterized(int hours, VirtualClock clock) {
            await(Tasks.sleep(Duration.ofHours(hours)));
            TASK_METHODS_LOG.add("parameterized " + hours + " at " + clock.now());
            return Task.completed(null);
        }

        @Test
        @Async
        Task<Void> leavesATaskPending() {
            Task<Void> leaked = sleepForever(new ArrayList<>());
            await(Tasks.sleep(Duration.ZERO));
            return Task.completed(null);
        }
    }
}
