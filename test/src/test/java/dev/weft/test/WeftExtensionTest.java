package dev.weft.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

/** The extension, seen from outside: the sample classes of {@link Samples} run by the JUnit engine. */
class WeftExtensionTest {

    private static Events run(Class<?> testClass) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute().testEvents();
    }

    private static Throwable onlyFailure(Events events) {
        List<Event> failed = events.failed().list();
        assertEquals(1, failed.size(), () -> "failed: " + failed);
        return failed.get(0).getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
    }

    @Test
    void anAsyncTestPassesAfterAnHourOfVirtualTime() {
        Events events = run(Samples.Passing.class);
        assertEquals(1, events.succeeded().count(), () -> failures(events));
    }

    @Test
    void aFailedBodyFailsTheTestWithItsOriginalException() {
        Throwable e = onlyFailure(run(Samples.FailingWithTheOriginalException.class));
        assertInstanceOf(IllegalStateException.class, e);
        assertEquals("boom after x", e.getMessage());
    }

    @Test
    void aTaskLeftPendingByTheBodyFailsTheTestByNameAndCreationSiteAndIsCancelled() {
        Samples.LEAK_LOG.clear();
        Throwable e = onlyFailure(run(Samples.LeakingATask.class));
        assertInstanceOf(AssertionError.class, e);
        String m = e.getMessage();
        assertTrue(m.startsWith("1 task was still pending when the test's body ended"), m);
        assertTrue(m.contains("'forgotten sleeper'"), m);
        assertTrue(m.contains("Samples.sleepForever(Samples.java:"), m); // where it waits
        assertTrue(m.contains("created at dev.weft.test.Samples"), m); // where it was made
        assertEquals(List.of("cancelled"), Samples.LEAK_LOG);
    }

    @Test
    void aTestMayAllowPendingTasksWhichAreCancelledSilently() {
        Samples.LEAK_LOG.clear();
        Events events = run(Samples.LeakingATaskAllowed.class);
        assertEquals(1, events.succeeded().count(), () -> failures(events));
        assertEquals(List.of("cancelled"), Samples.LEAK_LOG);
    }

    @Test
    void aFailureNobodyRetrievedFailsTheTest() {
        Throwable e = onlyFailure(run(Samples.NeverRetrieved.class));
        assertInstanceOf(AssertionError.class, e);
        assertTrue(e.getMessage().contains("exception was never retrieved"), e.getMessage());
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals("nobody saw me", e.getCause().getMessage());
    }

    /** The sample asserts the TimeoutException and that the virtual clock reads exactly one hour. */
    @Test
    void anHourTimeoutFiresInVirtualTime() {
        Events events = run(Samples.HourTimeout.class);
        assertEquals(1, events.succeeded().count(), () -> failures(events));
    }

    @Test
    void virtualTimeMixesWithRunInExecutor() {
        Events events = run(Samples.MixedWithRunInExecutor.class);
        assertEquals(1, events.succeeded().count(), () -> failures(events));
    }

    @Test
    void eachInvocationOfAParameterizedTestRunsOnAFreshLoop() {
        Samples.PARAMETERIZED_LOOPS.clear();
        Events events = run(Samples.Parameterized.class);
        assertEquals(2, events.succeeded().count(), () -> failures(events));
        Throwable e = onlyFailure(events);
        assertEquals("invocation 2 fails", e.getMessage());
        assertEquals(3, Samples.PARAMETERIZED_LOOPS.size());
    }

    @Test
    void nestedClassesGetTheExtensionAndTheNearestSettings() {
        Events events = run(Samples.Outer.class);
        assertEquals(3, events.succeeded().count(), () -> failures(events));
        Throwable e = onlyFailure(events);
        assertInstanceOf(ParameterResolutionException.class, e);
        assertTrue(e.getMessage().contains("real time"), e.getMessage());
    }

    @Test
    void lifecycleMethodsShareTheTestsLoopAndTheirTasksLiveOnIntoTheTest() {
        Samples.FIXTURE_LOG.clear();
        Events events = run(Samples.SharedWithLifecycleMethods.class);
        assertEquals(1, events.succeeded().count(), () -> failures(events));
        assertEquals(List.of("cancelled", "stopped"), Samples.FIXTURE_LOG);
    }

    @Test
    void aTaskOfBeforeEachStillPendingWhenTheTestEndsFailsIt() {
        Throwable e = onlyFailure(run(Samples.LifecycleTaskLeftPending.class));
        assertNotNull(e.getMessage());
        assertTrue(e.getMessage().startsWith("1 task was still pending when the test ended"), e.getMessage());
        assertTrue(e.getMessage().contains("'server'"), e.getMessage());
    }

    private static String failures(Events events) {
        return events.failed().stream()
                .map(ev -> ev.getRequiredPayload(TestExecutionResult.class).getThrowable()
                        .map(Throwable::toString).orElse("?"))
                .collect(Collectors.joining("\n"));
    }

    @Test
    void testAndLifecycleMethodsMayReturnTheirTask() {
        Samples.TASK_METHODS_LOG.clear();
        Events events = run(Samples.TaskReturningMethods.class);
        assertEquals(3, events.succeeded().count(), () -> failures(events)); // passes, and both parameterized
        assertEquals(2, events.failed().count(), () -> failures(events));
        List<String> log = new java.util.ArrayList<>(Samples.TASK_METHODS_LOG);
        assertTrue(log.contains("test v at PT1H1M"), log::toString); // set up's minute, then the hour, virtual
        assertTrue(log.contains("parameterized 2 at PT2H1M") && log.contains("parameterized 3 at PT3H1M"),
                log::toString);
        assertEquals(5, log.stream().filter(l -> l.equals("set up at PT1M")).count(), log::toString);
        List<Throwable> failures = events.failed().list().stream()
                .map(e -> e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow()).toList();
        assertTrue(failures.stream().anyMatch(t -> t instanceof IllegalStateException
                && "boom in a task-returning test".equals(t.getMessage())), failures::toString);
        assertTrue(failures.stream().anyMatch(t -> t instanceof AssertionError
                && t.getMessage().startsWith("1 task was still pending")), failures::toString);
    }
}
