package dev.weft.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/** The runtime's JFR events, recorded in-process: what each one says about a task, and its duration. */
class FlightEventsTest {
    private static final List<String> TASK_EVENTS = List.of("dev.weft.TaskCreated", "dev.weft.TaskSuspended",
            "dev.weft.TaskResumed", "dev.weft.TaskCompleted");

    /** Records {@code body} with the Weft events named enabled (slow callbacks from 20 ms). */
    private static List<RecordedEvent> record(List<String> events, Runnable body) throws Exception {
        Path file = Files.createTempFile("weft", ".jfr");
        try (Recording r = new Recording()) {
            for (String name : events) {
                r.enable(name).withoutStackTrace();
            }
            r.enable("dev.weft.SlowCallback").withThreshold(Duration.ofMillis(20));
            r.start();
            body.run();
            r.stop();
            r.dump(file);
            return RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().startsWith("dev.weft."))
                    .collect(Collectors.toList());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** {@code @Async Task<Integer> sleeper() { await(sleep(30 ms)); busy 25 ms; return 7; }}, the await at line 33. */
    private static Frame<Integer> sleeper() {
        return Frame.start("sleeper",
                (f, sent) -> f.await(Tasks.sleep(Duration.ofMillis(30)), 33),
                (f, sent) -> {
                    long until = System.nanoTime() + 25_000_000L;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait(); // holds the loop: a slow step
                    }
                    return 7;
                });
    }

    @Test
    void aTasksLifeIsRecordedWithItsMethodLinesAndDurations() throws Exception {
        List<RecordedEvent> events = record(TASK_EVENTS, () -> EventLoop.run(FlightEventsTest::sleeper));
        List<RecordedEvent> ours = events.stream()
                .filter(e -> TASK_EVENTS.contains(e.getEventType().getName()))
                .filter(e -> "demo.Main.sleeper".equals(e.getString("method")))
                .toList();
        assertEquals(List.of("dev.weft.TaskCreated", "dev.weft.TaskSuspended", "dev.weft.TaskResumed",
                "dev.weft.TaskCompleted"), ours.stream().map(e -> e.getEventType().getName()).toList(), events::toString);
        String task = ours.get(0).getString("task");
        assertTrue(task.matches("Task@[0-9a-f]+"), task);
        ours.forEach(e -> assertEquals(task, e.getString("task"), "one task throughout"));

        RecordedEvent suspended = ours.get(1);
        assertEquals(33, suspended.getInt("line"));
        assertTrue(suspended.getString("awaited").startsWith("Future@"), suspended.getString("awaited"));
        RecordedEvent resumed = ours.get(2);
        assertEquals(33, resumed.getInt("line"), "resumed at the await it suspended in");
        assertTrue(resumed.getDuration().toMillis() >= 25, "the step's duration: " + resumed.getDuration());
        RecordedEvent completed = ours.get(3);
        assertEquals("finished", completed.getString("outcome"));
        assertEquals(null, completed.getString("exception"));

        // the sleeper's busy step; on a loaded machine another callback may be slow too (it failed once so)
        RecordedEvent slow = events.stream().filter(e -> e.getEventType().getName().equals("dev.weft.SlowCallback"))
                .filter(e -> "demo.Main.sleeper".equals(e.getString("method")))
                .findFirst().orElseThrow(() -> new AssertionError("no slow callback of the sleeper in " + events));
        assertTrue(slow.getDuration().toMillis() >= 25, slow.toString());
        assertEquals("demo.Main.sleeper", slow.getString("method"));
        assertEquals(task, slow.getString("task"));
        assertEquals("a step of " + task + " demo.Main.sleeper, from the await at Main.java:33 to its end",
                slow.getString("callback"));
    }

    @Test
    void aFailureIsRecordedWithItsException() throws Exception {
        List<RecordedEvent> events = record(List.of("dev.weft.TaskCompleted"), () -> {
            try {
                EventLoop.run(() -> NeverRetrievedTest.failing(new IllegalStateException("recorded")));
            } catch (IllegalStateException expected) {
                // the run's own outcome
            }
        });
        RecordedEvent failed = events.stream().filter(e -> "demo.Main.failing".equals(e.getString("method")))
                .findFirst().orElseThrow(() -> new AssertionError(events.toString()));
        assertEquals("failed", failed.getString("outcome"));
        assertEquals("java.lang.IllegalStateException: recorded", failed.getString("exception"));
    }

    @Test
    void nothingIsRecordedUnlessEnabled() throws Exception {
        Path file = Files.createTempFile("weft", ".jfr");
        try (Recording r = new Recording()) { // every event at its default: Weft's are off
            r.start();
            EventLoop.run(FlightEventsTest::sleeper);
            r.stop();
            r.dump(file);
            assertEquals(List.of(), RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().startsWith("dev.weft.")).toList());
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
