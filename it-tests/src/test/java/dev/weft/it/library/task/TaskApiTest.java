package dev.weft.it.library.task;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.Context;
import dev.weft.runtime.ContextVar;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Handle;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * asyncio API that Weft lacked (issue #12): task names, lazily started tasks, cancellable {@code callSoon} handles,
 * and running code in a given context. Each expected trace is the output of the Python program in the test's
 * Javadoc, run on CPython 3.13 with {@code asyncio.run(main(), loop_factory=eager_loop)}, where {@code eager_loop}
 * sets {@code asyncio.eager_task_factory}, and {@code log} is a list shared by the program.
 */
@Timeout(10)
class TaskApiTest {

    private static final List<String> log = new ArrayList<>();

    private static List<String> run(java.util.function.Supplier<Task<Void>> main) {
        log.clear();
        EventLoop.run(main::get);
        return List.copyOf(log);
    }

    @Async
    static Task<Integer> child(String name) {
        log.add(name + " start");
        await(Tasks.sleep(Duration.ZERO));
        log.add(name + " end");
        return Task.completed(5);
    }

    @Async
    static Task<Void> lazy() {
        EventLoop loop = EventLoop.running();
        loop.callSoon(() -> log.add("A"));
        Task<Integer> t = Tasks.startSoon(() -> child("c"));
        loop.callSoon(() -> log.add("B"));
        log.add("created");
        await(Tasks.sleep(Duration.ZERO));
        log.add("main after yield");
        log.add("result " + await(t));
        Task<Integer> u = Tasks.startSoon(() -> child("never"));
        log.add("cancel " + u.cancel());
        await(Tasks.sleep(Duration.ZERO));
        log.add("cancelled " + u.isCancelled());
        return Task.completed(null);
    }

    /**
     * {@code Tasks.startSoon} is {@code asyncio.Task(coro)} without eager start: the call runs in the next turn,
     * in the order it was scheduled, and a task cancelled before then never makes it.
     * <pre>
     * async def lazy():
     *     loop = asyncio.get_running_loop()
     *     loop.call_soon(lambda: log.append("A"))
     *     t = asyncio.Task(child("c"))
     *     loop.call_soon(lambda: log.append("B"))
     *     log.append("created")
     *     await asyncio.sleep(0)
     *     log.append("main after yield")
     *     log.append("result %d" % await t)
     *     u = asyncio.Task(child("never"))
     *     log.append("cancel %s" % u.cancel())
     *     await asyncio.sleep(0)
     *     log.append("cancelled %s" % u.cancelled())
     * </pre>
     * with {@code child} logging "start", yielding once, logging "end" and returning 5, gives {@code created, A, c
     * start, B, main after yield, c end, result 5, cancel True, cancelled True}.
     */
    @Test
    void aTaskStartedSoonRunsItsCallInTheNextTurnAndNotAtAllWhenCancelledBefore() {
        assertEquals(List.of("created", "A", "c start", "B", "main after yield", "c end", "result 5", "cancel true",
                "cancelled true"), run(TaskApiTest::lazy));
    }

    @Async
    static Task<Void> handles() {
        EventLoop loop = EventLoop.running();
        loop.callSoon(() -> log.add("A"));
        Handle h = loop.callSoonCancellable(() -> log.add("B"));
        loop.callSoon(() -> log.add("C"));
        h.cancel();
        log.add("cancelled " + h.isCancelled());
        await(Tasks.sleep(Duration.ZERO));
        log.add("main");
        return Task.completed(null);
    }

    /**
     * A cancelled handle's callback does not run; the others keep their order.
     * <pre>
     * async def handles():
     *     loop = asyncio.get_running_loop()
     *     loop.call_soon(lambda: log.append("A"))
     *     h = loop.call_soon(lambda: log.append("B"))
     *     loop.call_soon(lambda: log.append("C"))
     *     h.cancel()
     *     log.append("cancelled %s" % h.cancelled())
     *     await asyncio.sleep(0)
     *     log.append("main")
     * </pre>
     * gives {@code cancelled True, A, C, main}.
     */
    @Test
    void aCancelledHandleDoesNotRun() {
        assertEquals(List.of("cancelled true", "A", "C", "main"), run(TaskApiTest::handles));
    }

    private static final ContextVar<String> var = new ContextVar<>("var", () -> "unset");

    @Async
    static Task<Void> show(String tag) {
        log.add(tag + " sees " + var.get());
        await(Tasks.sleep(Duration.ZERO));
        log.add(tag + " still sees " + var.get());
        return Task.completed(null);
    }

    @Async
    static Task<Void> contexts() {
        EventLoop loop = EventLoop.running();
        var.set("main");
        Context ctx = Context.copy();
        var.set("changed");
        log.add("snapshot " + ctx.run(() -> var.get()));
        Task<Void> t = ctx.run(() -> show("in ctx"));
        log.add("main sees " + var.get());
        loop.callSoon(() -> log.add("callback sees " + var.get()), ctx);
        await(t);
        return Task.completed(null);
    }

    /**
     * A copied context keeps the values of when it was copied; a task started in it inherits them; a callback
     * scheduled with it sees them.
     * <pre>
     * var = contextvars.ContextVar("var", default="unset")
     * async def show(tag):
     *     log.append(tag + " sees " + var.get())
     *     await asyncio.sleep(0)
     *     log.append(tag + " still sees " + var.get())
     * async def contexts():
     *     loop = asyncio.get_running_loop()
     *     var.set("main")
     *     ctx = contextvars.copy_context()
     *     var.set("changed")
     *     log.append("snapshot " + ctx[var])
     *     t = ctx.run(lambda: loop.create_task(show("in ctx")))
     *     log.append("main sees " + var.get())
     *     loop.call_soon(lambda: log.append("callback sees " + var.get()), context=ctx)
     *     await t
     * </pre>
     * gives {@code snapshot main, in ctx sees main, main sees changed, in ctx still sees main, callback sees main}.
     */
    @Test
    void aCopiedContextRunsCodeStartsTasksAndCallbacksWithItsValues() {
        assertEquals(List.of("snapshot main", "in ctx sees main", "main sees changed", "in ctx still sees main",
                "callback sees main"), run(TaskApiTest::contexts));
    }

    @Async
    static Task<Void> names() {
        Task<Integer> t = Tasks.named("fetch", () -> child("n"));
        log.add(t.name());
        t.setName("renamed");
        log.add(t.name());
        await(t);
        return Task.completed(null);
    }

    /**
     * A name given at creation, read back, changed.
     * <pre>
     * async def names():
     *     t = asyncio.get_running_loop().create_task(child("n"), name="fetch")
     *     log.append(t.get_name())
     *     t.set_name("renamed")
     *     log.append(t.get_name())
     *     await t
     * </pre>
     * gives {@code n start, fetch, renamed, n end}.
     */
    @Test
    void aTaskNamedAtCreationReadsItsNameBackAndCanBeRenamed() {
        assertEquals(List.of("n start", "fetch", "renamed", "n end"), run(TaskApiTest::names));
    }

    @Async
    static Task<String> whoAmI() {
        String mine = Task.current().name();
        await(Tasks.sleep(Duration.ZERO));
        return Task.completed(mine);
    }

    @Async
    static Task<List<String>> namesSeenInside() {
        List<String> seen = new ArrayList<>();
        Task<String> named = Tasks.named("worker-1", () -> whoAmI());
        Task<String> unnamed = whoAmI();
        seen.add(EventLoop.running().dumpTasks());
        seen.add(named.toString());
        seen.add(await(named));
        seen.add(await(unnamed));
        return Task.completed(seen);
    }

    /**
     * The name is the task's from its first step on (the task reads it before it first suspends), and shows in
     * {@code toString()} and {@code dumpTasks()}; a task never named gets {@code Task-N} when first asked.
     */
    @Test
    void aNameIsTheTasksFromItsFirstStepAndShowsInItsDescriptions() {
        List<String> seen = EventLoop.run(() -> namesSeenInside());
        assertTrue(seen.get(0).contains("'worker-1'"), seen.get(0));
        assertTrue(seen.get(1).contains("'worker-1'"), seen.get(1));
        assertEquals("worker-1", seen.get(2));
        assertTrue(seen.get(3).matches("Task-\\d+"), seen.get(3));
        assertNotEquals(seen.get(2), seen.get(3));
    }
    @Async
    static Task<List<String>> listsPendingInItsFirstStep(Task<?> outer) {
        List<Task<?>> pending = EventLoop.running().pendingTasks();
        List<String> seen = new ArrayList<>();
        seen.add("self " + pending.contains(Task.current()));
        seen.add("outer " + pending.contains(outer));
        return Task.completed(seen);
    }

    @Async
    static Task<Integer> finishesAtOnce() {
        return Task.completed(1);
    }

    @Async
    static Task<List<String>> pendingTasksSeenFromFirstSteps() {
        Task<?> me = Task.current();
        Task<Integer> quick = finishesAtOnce();
        Task<Void> sleeper = Tasks.startSoon(() -> Tasks.sleep(Duration.ofHours(1)));
        List<String> seen = new ArrayList<>(await(listsPendingInItsFirstStep(me)));
        List<Task<?>> after = EventLoop.running().pendingTasks();
        seen.add("quick " + after.contains(quick));
        seen.add("sleeper " + after.contains(sleeper));
        seen.add("main " + after.contains(me));
        sleeper.cancel();
        return Task.completed(seen);
    }

    /**
     * A task joins its loop's pending tasks when it first suspends (one that finishes in its first step never
     * does, so costs nothing there); pendingTasks() still lists the tasks whose first steps are running.
     */
    @Test
    void pendingTasksListsTheTasksInTheirFirstStepAndNotTheFinishedOnes() {
        assertEquals(List.of("self true", "outer true", "quick false", "sleeper true", "main true"),
                EventLoop.run(() -> pendingTasksSeenFromFirstSteps()));
    }
}
