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
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TaskGroup, as asyncio.TaskGroup. The tests from
 * {@link #anOutsideCancellationInTheTurnAChildFailsIsKeptAfterTheAggregate} on pin asyncio 3.13's behaviour
 * (issue #12): each expected trace is the output of the Python program in its Javadoc, run on CPython 3.13.0 with
 * {@code loop.set_task_factory(asyncio.eager_task_factory)} and {@code loop.run_until_complete(...)};
 * {@code asyncio.sleep(0)} is {@code Tasks.sleep(Duration.ZERO)}, and {@code async with asyncio.TaskGroup()} in a
 * task is {@code TaskGroup.open()} and {@code exit} in it (or, where said, {@code TaskGroup.run} called by it).
 */
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

    // ------------------------------------------------------------------------------------------ asyncio 3.13

    /*
     * The program these tests share (CPython 3.13.0); each test gives the children and the turn of the cancel:
     *
     * async def fail_after(turns, msg):
     *     for _ in range(turns):
     *         await asyncio.sleep(0)
     *     raise ValueError(msg)
     *
     * async def fail_when_cancelled(log, msg):
     *     try:
     *         await asyncio.sleep(3600)
     *     except asyncio.CancelledError:
     *         log.append("child cancelled, fails in cleanup")
     *         raise ValueError(msg)
     *
     * async def slow_to_cancel(log, turns):
     *     try:
     *         await asyncio.sleep(3600)
     *     except asyncio.CancelledError:
     *         log.append("sibling cancelled, cleaning up")
     *         for _ in range(turns):
     *             await asyncio.sleep(0)
     *         log.append("sibling done")
     *         raise
     *
     * async def parent(log, ending, children):
     *     me = asyncio.current_task()
     *     try:
     *         async with asyncio.TaskGroup() as g:
     *             children(g, log)
     *     except ExceptionGroup as e:
     *         log.append(f"parent got group [{', '.join(map(str, e.exceptions))}], cancelling {me.cancelling()}")
     *         if ending == "escape":
     *             raise
     *     if ending == "return":
     *         return "value"
     *     try:
     *         await asyncio.sleep(0)
     *         log.append("next await returned")
     *     except asyncio.CancelledError:
     *         log.append(f"next await cancelled, cancelling {me.cancelling()}")
     *         raise
     *     return "value"
     *
     * async def cancel_parent_at(turn, ending, children):
     *     log = []
     *     p = asyncio.create_task(parent(log, ending, children))
     *     for _ in range(turn):
     *         await asyncio.sleep(0)
     *     log.append("cancel")
     *     p.cancel()
     *     try:
     *         log.append(f"parent returned {await p}")
     *     except asyncio.CancelledError:
     *         log.append(f"parent cancelled: {str(p.cancelled()).lower()}")
     *     except ExceptionGroup:
     *         log.append(f"parent failed with group, cancelling {p.cancelling()}")
     *     return log
     */

    /** How {@link #parent} goes on after the group: awaits once more, returns at once, or lets the aggregate out. */
    enum Ending { AWAIT, RETURN, ESCAPE }

    /** The group in the parent task itself: {@code async with asyncio.TaskGroup() as g: children(g, log)}. */
    @Async
    static Task<String> parent(List<String> log, Ending ending, BiConsumer<TaskGroup, List<String>> children,
            boolean withRun) {
        Task<?> me = Task.current();
        try {
            if (withRun) {
                await(TaskGroup.run(group -> {
                    children.accept(group, log);
                    return Task.completed(null);
                }));
            } else {
                TaskGroup group = TaskGroup.open();
                Throwable thrown = null;
                try {
                    children.accept(group, log);
                } catch (Throwable e) {
                    thrown = e;
                }
                await(group.exit(thrown));
            }
        } catch (TaskGroupException e) {
            log.add("parent got group " + e.exceptions().stream().map(Throwable::getMessage).toList()
                    + ", cancelling " + me.cancelling());
            if (ending == Ending.ESCAPE) {
                throw e;
            }
        }
        if (ending == Ending.RETURN) {
            return Task.completed("value");
        }
        try {
            await(Tasks.sleep(Duration.ZERO));
            log.add("next await returned");
        } catch (CancellationException e) {
            log.add("next await cancelled, cancelling " + me.cancelling());
            throw e;
        }
        return Task.completed("value");
    }

    @Async
    static Task<List<String>> cancelParentAt(int turn, Ending ending, BiConsumer<TaskGroup, List<String>> children,
            boolean withRun) {
        List<String> log = new ArrayList<>();
        Task<String> p = parent(log, ending, children, withRun);
        for (int i = 0; i < turn; i++) {
            await(Tasks.sleep(Duration.ZERO));
        }
        log.add("cancel");
        p.cancel();
        try {
            log.add("parent returned " + await(p));
        } catch (CancellationException e) {
            log.add("parent cancelled: " + p.isCancelled());
        } catch (TaskGroupException e) {
            log.add("parent failed with group, cancelling " + p.cancelling());
        }
        return Task.completed(log);
    }

    @Async
    static Task<String> failWhenCancelled(List<String> log, String message) {
        try {
            await(Tasks.sleep(Steps.HOUR));
        } catch (CancellationException e) {
            log.add("child cancelled, fails in cleanup");
            throw new IllegalStateException(message);
        }
        return Task.completed("never");
    }

    @Async
    static Task<String> slowToCancel(List<String> log, int turns) {
        try {
            await(Tasks.sleep(Steps.HOUR));
        } catch (CancellationException e) {
            log.add("sibling cancelled, cleaning up");
            for (int i = 0; i < turns; i++) {
                await(Tasks.sleep(Duration.ZERO));
            }
            log.add("sibling done");
            throw e;
        }
        return Task.completed("never");
    }

    /** {@code g.create_task(fail_after(2, "boom"))}: it fails in turn 2, the turn of the cancel. */
    static void failsInTurnTwo(TaskGroup g, List<String> log) {
        g.start(() -> Steps.failAfter(2, "boom"));
    }

    /** {@code g.create_task(fail_when_cancelled(log, "cleanup"))}: the cancel comes first, the failure of it. */
    static void failsWhenCancelled(TaskGroup g, List<String> log) {
        g.start(() -> failWhenCancelled(log, "cleanup"));
    }

    /** {@code g.create_task(fail_after(1, "boom")); g.create_task(slow_to_cancel(log, 3))}. */
    static void failsThenSiblingCleansUp(TaskGroup g, List<String> log) {
        g.start(() -> Steps.failAfter(1, "boom"));
        g.start(() -> slowToCancel(log, 3));
    }

    /**
     * The parent, waiting in the group, is cancelled from outside in the turn its child fails. Before 3.13 the
     * aggregate swallowed the cancellation; 3.13 requests it again, so {@code cancelling()} stays 1 and the parent
     * is cancelled at its next await, or at once if it returns; letting the aggregate out, it fails with it.
     * {@code cancel_parent_at(2, ending, together)} with {@code def together(g, log): g.create_task(fail_after(2,
     * "boom"))} gives, for each ending:
     * <pre>
     * await  ['cancel', 'parent got group [boom], cancelling 1', 'next await cancelled, cancelling 1', 'parent cancelled: true']
     * return ['cancel', 'parent got group [boom], cancelling 1', 'parent cancelled: true']
     * escape ['cancel', 'parent got group [boom], cancelling 1', 'parent failed with group, cancelling 1']
     * </pre>
     */
    @Test
    @Timeout(10)
    void anOutsideCancellationInTheTurnAChildFailsIsKeptAfterTheAggregate() {
        assertOutsideCancellationKept(2, TaskGroupTest::failsInTurnTwo, List.of("cancel"), "boom", false);
    }

    /**
     * Cancelled from outside first; the child fails in its cleanup, so the group fails, and the cancellation is
     * kept as above. {@code cancel_parent_at(1, ending, before)} with {@code def before(g, log):
     * g.create_task(fail_when_cancelled(log, "cleanup"))}:
     * <pre>
     * await  ['cancel', 'child cancelled, fails in cleanup', 'parent got group [cleanup], cancelling 1', 'next await cancelled, cancelling 1', 'parent cancelled: true']
     * return ['cancel', 'child cancelled, fails in cleanup', 'parent got group [cleanup], cancelling 1', 'parent cancelled: true']
     * escape ['cancel', 'child cancelled, fails in cleanup', 'parent got group [cleanup], cancelling 1', 'parent failed with group, cancelling 1']
     * </pre>
     */
    @Test
    @Timeout(10)
    void anOutsideCancellationBeforeTheChildFailsIsKeptAfterTheAggregate() {
        assertOutsideCancellationKept(1, TaskGroupTest::failsWhenCancelled,
                List.of("cancel", "child cancelled, fails in cleanup"), "cleanup", false);
    }

    /**
     * A child failed and the group is waiting for a sibling's cleanup when the cancellation from outside arrives:
     * the group's own cancellation of the parent is taken back, the outside one kept. {@code cancel_parent_at(3,
     * ending, after)} with {@code def after(g, log): g.create_task(fail_after(1, "boom"));
     * g.create_task(slow_to_cancel(log, 3))}:
     * <pre>
     * await  ['sibling cancelled, cleaning up', 'cancel', 'sibling done', 'parent got group [boom], cancelling 1', 'next await cancelled, cancelling 1', 'parent cancelled: true']
     * return ['sibling cancelled, cleaning up', 'cancel', 'sibling done', 'parent got group [boom], cancelling 1', 'parent cancelled: true']
     * escape ['sibling cancelled, cleaning up', 'cancel', 'sibling done', 'parent got group [boom], cancelling 1', 'parent failed with group, cancelling 1']
     * </pre>
     */
    @Test
    @Timeout(10)
    void anOutsideCancellationAfterTheChildFailedIsKeptAfterTheAggregate() {
        assertOutsideCancellationKept(3, TaskGroupTest::failsThenSiblingCleansUp,
                List.of("sibling cancelled, cleaning up", "cancel", "sibling done"), "boom", false);
    }

    /**
     * {@code TaskGroup.run} called by the parent and awaited is {@code async with} in the parent: the same three
     * programs, the same traces (those of the three tests above).
     */
    @Test
    @Timeout(10)
    void withRunTheCallersCancellationIsKeptAsWithAnEnclosingGroup() {
        assertOutsideCancellationKept(2, TaskGroupTest::failsInTurnTwo, List.of("cancel"), "boom", true);
        assertOutsideCancellationKept(1, TaskGroupTest::failsWhenCancelled,
                List.of("cancel", "child cancelled, fails in cleanup"), "cleanup", true);
        assertOutsideCancellationKept(3, TaskGroupTest::failsThenSiblingCleansUp,
                List.of("sibling cancelled, cleaning up", "cancel", "sibling done"), "boom", true);
    }

    private static void assertOutsideCancellationKept(int turn, BiConsumer<TaskGroup, List<String>> children,
            List<String> before, String failure, boolean withRun) {
        String got = "parent got group [" + failure + "], cancelling 1";
        assertEquals(concat(before, got, "next await cancelled, cancelling 1", "parent cancelled: true"),
                EventLoop.run(() -> cancelParentAt(turn, Ending.AWAIT, children, withRun)), "await");
        assertEquals(concat(before, got, "parent cancelled: true"),
                EventLoop.run(() -> cancelParentAt(turn, Ending.RETURN, children, withRun)), "return");
        assertEquals(concat(before, got, "parent failed with group, cancelling 1"),
                EventLoop.run(() -> cancelParentAt(turn, Ending.ESCAPE, children, withRun)), "escape");
    }

    private static List<String> concat(List<String> first, String... rest) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(rest));
        return all;
    }

    /**
     * Without a cancellation from outside, the group's own cancellation of the parent is taken back: the parent
     * goes on. {@code cancel_parent_at(4, ending, together)} cancels once the parent has the aggregate:
     * <pre>
     * await  ['parent got group [boom], cancelling 0', 'cancel', 'next await cancelled, cancelling 1', 'parent cancelled: true']
     * return ['parent got group [boom], cancelling 0', 'cancel', 'parent returned value']
     * </pre>
     */
    @Test
    @Timeout(10)
    void aCancellationAfterTheGroupFailedIsAnOrdinaryOne() {
        assertEquals(List.of("parent got group [boom], cancelling 0", "cancel", "next await cancelled, cancelling 1",
                        "parent cancelled: true"),
                EventLoop.run(() -> cancelParentAt(4, Ending.AWAIT, TaskGroupTest::failsInTurnTwo, false)));
        assertEquals(List.of("parent got group [boom], cancelling 0", "cancel", "parent returned value"),
                EventLoop.run(() -> cancelParentAt(4, Ending.RETURN, TaskGroupTest::failsInTurnTwo, false)));
    }

    @Async
    static Task<List<String>> nestedGroupsFailTogether() {
        List<String> log = new ArrayList<>();
        Task<?> me = Task.current();
        TaskGroup outer = TaskGroup.open();
        Throwable outerThrown = null;
        try {
            outer.start(() -> Steps.failAfter(1, "outer"));
            try {
                TaskGroup inner = TaskGroup.open();
                Throwable innerThrown = null;
                try {
                    inner.start(() -> Steps.failAfter(1, "inner"));
                    await(Tasks.sleep(Steps.HOUR));
                } catch (Throwable e) {
                    innerThrown = e;
                }
                await(inner.exit(innerThrown));
            } catch (TaskGroupException e) {
                log.add("inner group " + e.exceptions().stream().map(Throwable::getMessage).toList()
                        + ", cancelling " + me.cancelling());
            }
            try {
                await(Tasks.sleep(Duration.ZERO));
                log.add("outer body went on");
            } catch (CancellationException e) {
                log.add("outer body cancelled, cancelling " + me.cancelling());
                throw e;
            }
        } catch (Throwable e) {
            outerThrown = e;
        }
        try {
            await(outer.exit(outerThrown));
        } catch (TaskGroupException e) {
            log.add("outer group " + e.exceptions().stream().map(Throwable::getMessage).toList()
                    + ", cancelling " + me.cancelling());
        }
        return Task.completed(log);
    }

    /**
     * Two groups of one task fail at the same time (the case of CPython gh-116720): the inner group keeps the
     * outer group's cancellation of the task, so the outer body is interrupted and the outer group fails. Python
     * 3.13:
     * <pre>
     * async def nested():
     *     log = []
     *     me = asyncio.current_task()
     *     try:
     *         async with asyncio.TaskGroup() as outer:
     *             outer.create_task(fail_after(1, "outer"))
     *             try:
     *                 async with asyncio.TaskGroup() as inner:
     *                     inner.create_task(fail_after(1, "inner"))
     *                     await asyncio.sleep(3600)
     *             except ExceptionGroup as e:
     *                 log.append(f"inner group {[str(x) for x in e.exceptions]}, cancelling {me.cancelling()}")
     *             try:
     *                 await asyncio.sleep(0)
     *                 log.append("outer body went on")
     *             except asyncio.CancelledError:
     *                 log.append(f"outer body cancelled, cancelling {me.cancelling()}")
     *                 raise
     *     except ExceptionGroup as e:
     *         log.append(f"outer group {[str(x) for x in e.exceptions]}, cancelling {me.cancelling()}")
     *     return log
     * </pre>
     * gives {@code ["inner group ['inner'], cancelling 1", 'outer body cancelled, cancelling 1', "outer group
     * ['outer'], cancelling 0"]}.
     */
    @Test
    @Timeout(10)
    void nestedGroupsFailingTogetherKeepTheOuterGroupsCancellation() {
        assertEquals(List.of("inner group [inner], cancelling 1", "outer body cancelled, cancelling 1",
                        "outer group [outer], cancelling 0"),
                EventLoop.run(() -> nestedGroupsFailTogether()));
    }

    @Async
    static Task<List<String>> eagerFailure() {
        List<String> log = new ArrayList<>();
        Task<?> me = Task.current();
        TaskGroup group = TaskGroup.open();
        Throwable thrown = null;
        try {
            group.start(() -> Steps.failAfter(0, "eager"));
            log.add("after start: cancelling " + me.cancelling());
            await(Tasks.sleep(Duration.ZERO));
            log.add("body went on");
        } catch (Throwable e) {
            thrown = e;
        }
        try {
            await(group.exit(thrown));
        } catch (CancellationException e) {
            log.add("cancelled");
        } catch (TaskGroupException e) {
            log.add("group " + e.exceptions().stream().map(Throwable::getMessage).toList()
                    + ", cancelling " + me.cancelling());
        }
        return Task.completed(log);
    }

    /**
     * A task that fails as it starts (eagerly) is seen to at once, as {@code create_task} calls
     * {@code _on_task_done} for a task already done: the group cancels the parent before {@code start} returns,
     * so the body's next await is interrupted. Python 3.13:
     * <pre>
     * async def fail_now(msg):
     *     raise ValueError(msg)
     *
     * async def eager_failure():
     *     log = []
     *     me = asyncio.current_task()
     *     try:
     *         async with asyncio.TaskGroup() as g:
     *             g.create_task(fail_now("eager"))
     *             log.append(f"after create_task: cancelling {me.cancelling()}")
     *             await asyncio.sleep(0)
     *             log.append("body went on")
     *     except asyncio.CancelledError:
     *         log.append("cancelled")
     *     except ExceptionGroup as e:
     *         log.append(f"group [{', '.join(map(str, e.exceptions))}], cancelling {me.cancelling()}")
     *     return log
     * </pre>
     * gives {@code ['after create_task: cancelling 1', 'group [eager], cancelling 0']}.
     */
    @Test
    @Timeout(10)
    void aTaskThatFailsAsItStartsCancelsTheParentAtOnce() {
        assertEquals(List.of("after start: cancelling 1", "group [eager], cancelling 0"),
                EventLoop.run(() -> eagerFailure()));
    }

    @Async
    static Task<List<String>> bodyFailsWhileAChildFailsInCleanup() {
        List<String> log = new ArrayList<>();
        try {
            await(TaskGroup.run(group -> {
                group.start(() -> failWhenCancelled(log, "cleanup"));
                await(Tasks.sleep(Duration.ZERO));
                throw new IllegalArgumentException("body");
            }));
        } catch (TaskGroupException e) {
            log.add("group " + e.exceptions().stream().map(Throwable::getMessage).toList());
        }
        return Task.completed(log);
    }

    /**
     * What the body threw comes after the failures of the tasks, those that happen while the group waits
     * included. Python 3.13:
     * <pre>
     * async def body_fails_while_a_child_fails_in_cleanup():
     *     log = []
     *     try:
     *         async with asyncio.TaskGroup() as g:
     *             g.create_task(fail_when_cancelled(log, "cleanup"))
     *             await asyncio.sleep(0)
     *             raise RuntimeError("body")
     *     except ExceptionGroup as e:
     *         log.append(f"group [{', '.join(map(str, e.exceptions))}]")
     *     return log
     * </pre>
     * gives {@code ['child cancelled, fails in cleanup', 'group [cleanup, body]']}.
     */
    @Test
    @Timeout(10)
    void theBodysFailureComesAfterTheTasksFailures() {
        assertEquals(List.of("child cancelled, fails in cleanup", "group [cleanup, body]"),
                EventLoop.run(() -> bodyFailsWhileAChildFailsInCleanup()));
    }
}
