package dev.weft.runtime;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Tasks that live and fail together, in the model of asyncio's {@code TaskGroup} (structured concurrency).
 *
 * <p>The tasks started in a group are awaited together when the group is left. The first task to fail cancels
 * the others and the task that opened the group (the <em>parent</em>), so what the parent is awaiting is
 * interrupted; the group then fails with a {@link TaskGroupException} that holds every failure. Cancelling the
 * parent cancels the group's tasks, and the cancellation goes on out of the group once they have finished.
 * When the group has been left, none of its tasks is still running.
 *
 * <p><b>Two shapes.</b> Java has no {@code async with}; {@link #run} is the one to reach for:
 * <pre>{@code
 * int sum = await(TaskGroup.run(group -> {
 *     Task<Integer> a = group.start(() -> fetchCount("a"));
 *     Task<Integer> b = group.start(() -> fetchCount("b"));
 *     await(Tasks.sleep(Duration.ofMillis(1)));   // the body may await too
 *     return Task.completed(await(a) + await(b));
 * }));
 * }</pre>
 * The group's parent is then the task {@code run} returns, which runs the body (an async lambda) in a task of
 * its own and awaits it. The other shape opens the group in the current task and leaves it with
 * {@link #exit(Throwable)}, which must be reached however the block ends, or tasks would outlive it:
 * <pre>{@code
 * TaskGroup group = TaskGroup.open();
 * Throwable thrown = null;
 * try {
 *     group.start(() -> worker(1));
 *     group.start(() -> worker(2));
 *     await(somethingElse());
 * } catch (Throwable e) {
 *     thrown = e;
 * }
 * await(group.exit(thrown));            // waits for the workers; throws what the block should throw
 * }</pre>
 * When the block only starts tasks, {@code await(group.join())} is {@code exit(null)}.
 *
 * <p><b>Failures.</b> A dedicated aggregate, {@link TaskGroupException}, as asyncio's ExceptionGroup: the
 * failures of the tasks in the order they happened, then what the body threw (unless it was a cancellation).
 * Tasks that were cancelled are not failures.
 *
 * <p><b>Cancellation</b> follows asyncio 3.13 ({@code TaskGroup.__aexit__} and {@code _on_task_done}). The first
 * failure cancels the parent once, so that what it awaits in the block is interrupted, and the group takes that
 * request back ({@link Task#uncancel()}) when it is left. A cancellation of the parent from outside cancels the
 * group's tasks and leaves the group as a {@code CancellationException} once they have finished, unless a task
 * failed too: the failures win, and the group fails with them, but the outside cancellation is not lost. It is
 * requested again, as 3.13 does ({@code uncancel()} then {@code cancel()}, so {@link Task#cancelling()} stays as
 * it was): the parent sees the {@link TaskGroupException}, and a {@code CancellationException} is thrown in at its
 * next {@code await}; a parent that returns right away ends cancelled, one that lets the exception out fails with
 * it. With {@link #run}, whose parent is the task it returns, that also holds for the task that called
 * {@code run} and awaits it, as for {@code async with TaskGroup()} in that task: its cancellation reached the group
 * through the awaited task, and it is requested again for it in the same way.
 */
public final class TaskGroup {
    private final Task<?> parent;
    private final Set<Future<?>> tasks = new LinkedHashSet<>();
    private final List<Throwable> errors = new ArrayList<>();
    private final Consumer<Future<?>> onTaskDone = this::taskDone;
    private boolean aborting;
    private boolean exiting;
    private boolean exited;
    /** True when the group cancelled its parent, a request taken back when the group finishes. */
    private boolean parentCancelRequested;
    /** A cancellation of the parent from outside, to go on out of the group when no task failed. */
    private CancellationException propagateCancellation;
    /** What the block threw, given to {@link #exit}: a failure is reported after the tasks' failures. */
    private Throwable thrownByBlock;
    /** What {@link #exit} returned, while it waits for the tasks. */
    private Exit exit;

    private TaskGroup(Task<?> parent) {
        this.parent = parent;
    }

    /**
     * Opens a group in the current task (its parent), to be left with {@link #exit(Throwable)} or {@link #join()}.
     *
     * @throws IllegalStateException outside a task
     */
    public static TaskGroup open() {
        Task<?> current = Task.current();
        if (current == null) {
            throw new IllegalStateException("A TaskGroup is opened inside a task (an @Async method running on a loop)");
        }
        return new TaskGroup(current);
    }

    /**
     * Runs {@code body} (an async lambda given the group) and then waits for the tasks it started, as
     * {@code async with TaskGroup() as g: return await body(g)}.
     *
     * @return a task with the body's value once every task of the group is done, or failed with a
     *     {@link TaskGroupException}
     */
    public static <T> Task<T> run(Function<TaskGroup, ? extends Task<T>> body) {
        Objects.requireNonNull(body, "body");
        EventLoop.running();
        return Task.start(new GroupBody<>(body));
    }

    /**
     * Starts {@code body} (an async lambda, or any call that returns a task) as a task of the group.
     *
     * <pre>{@code
     * Task<String> t = group.start(() -> fetch(url));
     * }</pre>
     *
     * @throws IllegalStateException when the group is shutting down (a task failed, or the parent was cancelled)
     *     or has been left; the body is then not called
     */
    public <T> Task<T> start(Supplier<? extends Task<T>> body) {
        checkOpen(null);
        return add(body.get());
    }

    /**
     * Makes {@code task}, started elsewhere, a task of the group: the group waits for it, a failure of it fails
     * the group, and the group cancels it when aborting. A task already done (one that finished in its first
     * step, as Weft starts tasks eagerly) is seen to at once, as {@code create_task} does: if it failed, the group
     * is aborting and its parent cancelled before this returns.
     *
     * @return {@code task}
     * @throws IllegalStateException as {@link #start}; {@code task} is then cancelled
     */
    public <T, F extends Future<T>> F add(F task) {
        Objects.requireNonNull(task, "task");
        checkOpen(task);
        if (task.isDone()) {
            taskDone(task); // as create_task: a task that finished eagerly is seen to now, and a failure aborts now
        } else if (tasks.add(task)) {
            task.addCallback(onTaskDone);
        }
        return task;
    }

    /** The tasks of the group that have not finished. */
    public List<Future<?>> pending() {
        return List.copyOf(tasks);
    }

    /** As {@link #exit(Throwable) exit(null)}: the block ended normally; wait for the tasks. */
    public Future<Void> join() {
        return exit(null);
    }

    /**
     * Leaves the group, as {@code TaskGroup.__aexit__}: {@code thrown} is what the block threw ({@code null} when
     * it ended normally). A block that threw cancels the group's tasks. The returned future completes once every
     * task is done, with nothing, or fails with what the block should throw: a {@link TaskGroupException} with
     * every failure, or {@code thrown} when it is a cancellation from outside the group and no task failed.
     * Cancelling the returned future (the parent being cancelled while it waits) cancels the tasks, and it becomes
     * cancelled once they are done, unless a task failed: see the class documentation for how the cancellation is
     * then kept (asyncio 3.13).
     *
     * @throws IllegalStateException when left before
     */
    public Future<Void> exit(Throwable thrown) {
        if (exiting) {
            throw new IllegalStateException("TaskGroup has already been left");
        }
        exiting = true;
        thrownByBlock = thrown;
        if (thrown instanceof CancellationException ce) {
            propagateCancellation = ce;
        }
        if (thrown != null && !aborting) {
            abort();
        }
        exit = new Exit();
        if (tasks.isEmpty()) {
            finish();
        }
        return exit;
    }

    /** asyncio's {@code _on_task_done}. */
    private void taskDone(Future<?> task) {
        tasks.remove(task);
        Throwable failure = task.isCancelled() ? null : task.exception();
        if (failure != null) {
            errors.add(failure);
            if (parent.isDone()) {
                reportOrphanFailure(task, failure);
            } else if (!aborting && !parentCancelRequested) {
                abort();
                // interrupt what the parent awaits in the block (or its wait in exit); taken back when finishing
                parentCancelRequested = true;
                parent.cancel("TaskGroup: a task failed");
            }
        }
        if (exit != null && tasks.isEmpty()) {
            finish();
        }
    }

    /** A task failed after its parent was done (the group was never left): nobody else can see it. */
    private void reportOrphanFailure(Future<?> task, Throwable failure) {
        LoopError error = new LoopError("Task " + task + " has errored out but its parent task " + parent
                + " is already completed", failure, task);
        EventLoop loop = parent.loop();
        if (loop != null) {
            loop.reportError(error);
        } else {
            EventLoop.logError(error);
        }
    }

    private void abort() {
        aborting = true;
        for (Future<?> t : List.copyOf(tasks)) {
            t.cancel();
        }
    }

    /** The end of {@code __aexit__}, once every task is done. */
    private void finish() {
        exited = true;
        if (exit.isDone()) {
            return;
        }
        CancellationException propagate = propagateCancellation;
        if (parentCancelRequested && parent.uncancel() == 0) {
            propagate = null; // the cancellation was the group's own, not to go on out of it
        }
        if (propagate != null && errors.isEmpty()) {
            exit.cancelNow(propagate.getMessage());
            return;
        }
        if (thrownByBlock != null && !(thrownByBlock instanceof CancellationException)) {
            errors.add(thrownByBlock);
        }
        if (errors.isEmpty()) {
            exit.tryComplete(null);
            return;
        }
        boolean suspendedOnExit = parent.awaiting() == exit;
        exit.tryFail(new TaskGroupException(errors));
        if (suspendedOnExit) {
            // what asyncio's __aexit__ raises reaches the parent even if a cancellation is pending then
            parent.holdCancellation(false);
        }
        if (parent.cancelling() > 0) {
            // cancelled from outside as well (3.13): requested again, the count kept, so it is not lost
            parent.uncancel();
            parent.cancel();
        }
    }

    private void checkOpen(Future<?> toCancel) {
        String why = exited ? "TaskGroup has finished" : aborting ? "TaskGroup is shutting down" : null;
        if (why != null) {
            if (toCancel != null) {
                toCancel.cancel();
            }
            throw new IllegalStateException(why);
        }
    }

    /** The future {@link #exit} returns: cancelling it aborts the group, which then ends cancelled. */
    private final class Exit extends Future<Void> {
        @Override
        public boolean cancel(String message) {
            if (isDone()) {
                return refuseCancelWhenDone();
            }
            if (!aborting) {
                propagateCancellation = new CancellationException(message);
                abort();
            }
            return true; // the group waits for its tasks all the same, as __aexit__ goes on awaiting
        }

        void cancelNow(String message) {
            super.cancel(message);
        }
    }

    /** {@code group = new TaskGroup(task); try { v = await body(group) } catch (e) { thrown = e }; await exit}. */
    private static final class GroupBody<T> implements Coroutine<T> {
        private Function<TaskGroup, ? extends Task<T>> body;
        /** The task that called {@link TaskGroup#run}, or null. */
        private final Task<?> caller = Task.current();
        private TaskGroup group;
        private int label;
        private Object value;

        GroupBody(Function<TaskGroup, ? extends Task<T>> body) {
            this.body = body;
        }

        /**
         * The group failed while this task (its parent) was cancelled from outside as well, and kept that
         * cancellation: when the caller awaits this task and its own cancellation is what reached the group, it is
         * kept for the caller too, as for {@code async with TaskGroup()} in the caller (the count stays).
         */
        private void keepCallersCancellation(Task<T> task) {
            Task<?> c = caller;
            if (c != null && c != task && c.loop() == task.loop() && !c.isDone() && c.awaiting() == task
                    && c.cancelling() > 0) {
                c.uncancel();
                c.holdCancellation(true);
            }
        }

        @Override
        public Object step(Task<T> task, Object sent, Throwable thrown) throws Throwable {
            if (label == 0) {
                if (thrown != null) {
                    throw thrown;
                }
                group = new TaskGroup(task);
                Future<T> inner = null;
                try {
                    inner = Objects.requireNonNull(body.apply(group), "the body returned null instead of a task");
                } catch (Throwable e) {
                    thrown = e;
                } finally {
                    body = null;
                }
                if (inner != null) {
                    if (!inner.isDone()) {
                        label = 1;
                        return task.suspendOn(inner);
                    }
                    try {
                        sent = inner.result();
                    } catch (Throwable e) {
                        thrown = e;
                    }
                }
                label = 1;
            }
            if (label == 1) {
                value = thrown == null ? sent : null;
                Future<Void> exit = group.exit(thrown);
                label = 2;
                if (!exit.isDone()) {
                    return task.suspendOn(exit);
                }
                try {
                    exit.result();
                } catch (Throwable e) {
                    thrown = e;
                }
            }
            if (thrown instanceof TaskGroupException && task.cancelling() > 0) {
                keepCallersCancellation(task);
            }
            if (thrown != null) {
                throw thrown;
            }
            return value;
        }

        @Override
        public String toString() {
            return "TaskGroup.run";
        }
    }

    @Override
    public String toString() {
        return "TaskGroup[" + (exited ? "finished" : aborting ? "aborting" : exiting ? "exiting" : "open")
                + ", " + tasks.size() + " pending, " + errors.size() + " failed]";
    }
}
