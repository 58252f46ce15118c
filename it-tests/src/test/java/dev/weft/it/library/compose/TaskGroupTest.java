package dev.weft.it.library.compose;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.TaskGroup;
import dev.weft.runtime.TaskGroupException;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/** TaskGroup, as asyncio.TaskGroup. */
class TaskGroupTest {

    @Async
    static Task<Integer> sumInGroup() {
        int sum = await(TaskGroup.run(group -> {
            Task<Integer> a = group.start(() -> Steps.after(2, 1));
            Task<Integer> b = group.start(() -> {
                await(Tasks.sleep(Duration.ofMillis(1)));
                return Task.completed(2);
            });
            Task<Integer> c = group.add(Steps.after(1, 3));
            return Task.completed(await(a) + await(b) + await(c));
        }));
        return Task.completed(sum);
    }

    @Test
    void theGroupWaitsForAllItsTasksAndReturnsTheBodyValue() {
        assertEquals(6, EventLoop.run(() -> sumInGroup()));
    }

    @Async
    static Task<List<String>> firstFailureCancelsSiblings() {
        List<String> log = new ArrayList<>();
        List<Task<String>> tasks = new ArrayList<>();
        try {
            await(TaskGroup.run(group -> {
                tasks.add(group.start(() -> Steps.forever(log, "sibling 1")));
                tasks.add(group.start(() -> Steps.failAfter(1, "boom")));
                tasks.add(group.start(() -> Steps.forever(log, "sibling 2")));
                return Task.completed("body done");
            }));
            fail("the group did not fail");
        } catch (TaskGroupException e) {
            assertEquals(1, e.exceptions().size());
            assertEquals("boom", e.exceptions().get(0).getMessage());
            assertEquals("boom", e.getCause().getMessage());
            log.add("group failed");
        }
        assertTrue(tasks.get(0).isCancelled() && tasks.get(2).isCancelled());
        return Task.completed(log);
    }

    @Test
    void theFirstFailureCancelsTheSiblings() {
        assertEquals(List.of("sibling 1 cancelled", "sibling 2 cancelled", "group failed"),
                EventLoop.run(() -> firstFailureCancelsSiblings()));
    }

    @Async
    static Task<String> cancelledWhileFailing(List<String> log) {
        try {
            await(Tasks.sleep(Steps.HOUR));
        } catch (CancellationException e) {
            log.add("cleanup failed");
            throw new IllegalArgumentException("cleanup");
        }
        return Task.completed("never");
    }

    @Async
    static Task<List<String>> allFailures() {
        List<String> log = new ArrayList<>();
        try {
            await(TaskGroup.run(group -> {
                group.start(() -> Steps.failAfter(1, "first"));
                group.start(() -> Steps.failAfter(1, "second"));
                group.start(() -> cancelledWhileFailing(log));
                return Task.completed(null);
            }));
            fail("the group did not fail");
        } catch (TaskGroupException e) {
            for (Throwable t : e.exceptions()) {
                log.add(t.getClass().getSimpleName() + ": " + t.getMessage());
            }
            log.add("suppressed: " + e.getSuppressed().length);
        }
        return Task.completed(log);
    }

    @Test
    void theGroupFailsWithAllFailures() {
        assertEquals(List.of("cleanup failed", "IllegalStateException: first", "IllegalStateException: second",
                        "IllegalArgumentException: cleanup", "suppressed: 2"),
                EventLoop.run(() -> allFailures()));
    }

    @Async
    static Task<List<String>> failureInterruptsBody() {
        List<String> log = new ArrayList<>();
        try {
            await(TaskGroup.run(group -> {
                group.start(() -> Steps.failAfter(1, "boom"));
                try {
                    await(Tasks.sleep(Steps.HOUR));
                } catch (CancellationException e) {
                    log.add("body interrupted");
                    throw e;
                }
                return Task.completed(null);
            }));
            fail("the group did not fail");
        } catch (TaskGroupException e) {
            log.add("group failed with " + e.exceptions().size());
        }
        assertEquals(0, Task.current().cancelling());
        return Task.completed(log);
    }

    @Test
    void aFailureInterruptsTheBodyAndTheGroupFailsNotCancels() {
        assertEquals(List.of("body interrupted", "group failed with 1"), EventLoop.run(() -> failureInterruptsBody()));
    }

    @Async
    static Task<Object> groupWithForeverTasks(List<String> log, TaskGroup[] holder, boolean bodyWaits) {
        return TaskGroup.run(group -> {
            holder[0] = group;
            group.start(() -> Steps.forever(log, "a"));
            group.start(() -> Steps.forever(log, "b"));
            if (bodyWaits) {
                await(Steps.forever(log, "body"));
            }
            return Task.completed(null);
        });
    }

    @Async
    static Task<List<String>> cancelParent(boolean bodyWaits) {
        List<String> log = new ArrayList<>();
        TaskGroup[] holder = new TaskGroup[1];
        Task<Object> parent = groupWithForeverTasks(log, holder, bodyWaits);
        await(Tasks.sleep(Duration.ZERO));
        parent.cancel();
        try {
            await(parent);
            fail("not cancelled");
        } catch (CancellationException e) {
            log.add("parent cancelled: " + parent.isCancelled());
        }
        assertEquals(List.of(), holder[0].pending(), "nothing left running");
        assertThrows(IllegalStateException.class, () -> holder[0].start(() -> Steps.after(0, "late")));
        return Task.completed(log);
    }

    @Test
    void cancellingTheParentWhileItWaitsForTheGroupCancelsTheGroupsTasks() {
        assertEquals(List.of("a cancelled", "b cancelled", "parent cancelled: true"),
                EventLoop.run(() -> cancelParent(false)));
    }

    @Test
    void cancellingTheParentWhileTheBodyRunsCancelsTheGroupsTasks() {
        List<String> log = EventLoop.run(() -> cancelParent(true));
        assertEquals("parent cancelled: true", log.get(log.size() - 1));
        assertTrue(log.containsAll(List.of("a cancelled", "b cancelled", "body cancelled")), log.toString());
    }

    @Async
    static Task<List<String>> openAndExitInCurrentTask() {
        List<String> log = new ArrayList<>();
        TaskGroup group = TaskGroup.open();
        Throwable thrown = null;
        try {
            group.start(() -> Steps.forever(log, "sibling"));
            group.start(() -> Steps.failAfter(1, "boom"));
            await(Tasks.sleep(Steps.HOUR));
        } catch (Throwable e) {
            log.add("block: " + e.getClass().getSimpleName());
            thrown = e;
        }
        try {
            await(group.exit(thrown));
        } catch (TaskGroupException e) {
            log.add("group: " + e.exceptions().get(0).getMessage());
        }
        log.add("cancelling: " + Task.current().cancelling());
        await(Tasks.sleep(Duration.ZERO)); // the task is not left with a cancellation
        return Task.completed(log);
    }

    @Test
    void aGroupOpenedInTheCurrentTaskInterruptsItAndTakesTheCancellationBack() {
        assertEquals(List.of("sibling cancelled", "block: CancellationException", "group: boom", "cancelling: 0"),
                EventLoop.run(() -> openAndExitInCurrentTask()));
    }

    @Async
    static Task<Integer> joinInCurrentTask() {
        TaskGroup group = TaskGroup.open();
        Task<Integer> a = group.start(() -> Steps.after(3, 20));
        Task<Integer> b = group.start(() -> Steps.after(1, 22));
        await(group.join());
        assertTrue(a.isDone() && b.isDone());
        return Task.completed(a.result() + b.result());
    }

    @Test
    void joinWaitsForEveryTask() {
        assertEquals(42, EventLoop.run(() -> joinInCurrentTask()));
    }

    @Async
    static Task<String> bodyFails() {
        List<String> log = new ArrayList<>();
        try {
            await(TaskGroup.run(group -> {
                group.start(() -> Steps.forever(log, "child"));
                await(Tasks.sleep(Duration.ZERO));
                throw new IllegalStateException("body");
            }));
        } catch (TaskGroupException e) {
            log.add("group: " + e.exceptions().get(0).getMessage());
        }
        return Task.completed(String.join(", ", log));
    }

    @Test
    void aBodyThatThrowsCancelsTheTasksAndIsReportedInTheGroupFailure() {
        assertEquals("child cancelled, group: body", EventLoop.run(() -> bodyFails()));
    }
}
