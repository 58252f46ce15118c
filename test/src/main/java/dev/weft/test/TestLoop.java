package dev.weft.test;

import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.LoopError;
import dev.weft.runtime.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * One test's loop and what the test learns from it: the errors the loop reported (callbacks that threw, failures
 * nobody retrieved) and the tasks left pending. Confined to the test's thread, which runs the loop; the exception
 * handler may also be called from the Cleaner's thread once the loop is closed, hence the synchronized list.
 */
final class TestLoop {
    /** The loop of the test running on this thread, set by {@link WeftExtension} around each test. */
    static final ThreadLocal<TestLoop> CURRENT = new ThreadLocal<>();

    /** How long the end of a test waits for the default executor's work, as {@link EventLoop#run} does. */
    private static final Duration EXECUTOR_JOIN_TIMEOUT = Duration.ofSeconds(300);

    final EventLoop loop;
    private final boolean allowPendingTasks;
    private final List<LoopError> errors = Collections.synchronizedList(new ArrayList<>());
    /** True while a test method (not a lifecycle method) runs: its body must leave no task pending. */
    boolean inTestMethod;

    TestLoop(boolean virtualTime, boolean allowPendingTasks, boolean debug) {
        this(virtualTime ? EventLoop.withVirtualTime() : new EventLoop(), allowPendingTasks, debug);
    }

    TestLoop(EventLoop loop, boolean allowPendingTasks, boolean debug) {
        this.loop = loop;
        this.allowPendingTasks = allowPendingTasks;
        loop.setDebug(debug);
        loop.setExceptionHandler((l, error) -> errors.add(error));
    }

    /** {@link AsyncTest#runTest}: runs {@code body} as the loop's main until it is done, then checks what is left. */
    <T> T run(Supplier<? extends CompletionStage<T>> body) {
        if (loop.isClosed()) {
            throw new IllegalStateException("The test's event loop is closed: runTest runs only while the test runs");
        }
        if (EventLoop.runningOrNull() != null) {
            throw new IllegalStateException("runTest was called while an event loop is running on this thread: "
                    + "await the work there instead");
        }
        Set<Task<?>> before = identitySet(loop.pendingTasks());
        int errorsBefore = errors.size();
        CompletableFuture<T> main = loop.submit(body); // called on the loop's thread in its first turn
        T value = null;
        Throwable failure = null;
        try {
            value = loop.runUntilComplete(Future.from(main));
        } catch (Throwable e) {
            failure = e;
        }
        List<Throwable> problems = new ArrayList<>();
        if (inTestMethod) {
            List<Task<?>> left = new ArrayList<>();
            for (Task<?> t : loop.pendingTasks()) {
                if (!before.contains(t)) {
                    left.add(t);
                }
            }
            if (!left.isEmpty() && !allowPendingTasks) {
                problems.add(pendingError(left, "when the test's body ended"));
                cancelAndFinish(left);
            }
        }
        collectErrors(errorsBefore, problems);
        if (failure != null) {
            problems.forEach(failure::addSuppressed);
            throw AsyncTest.sneaky(failure);
        }
        throwIfAny(problems);
        return value;
    }

    /**
     * The end of the test: the tasks still pending are reported (unless allowed) and cancelled, the default
     * executor's work is waited for, the loop is closed (which reports the failures nobody retrieved), and what
     * went wrong fails the test.
     */
    void finish() {
        List<Throwable> problems = new ArrayList<>();
        int errorsBefore = errors.size();
        try {
            List<Task<?>> left = loop.pendingTasks();
            if (!left.isEmpty()) {
                if (!allowPendingTasks) {
                    problems.add(pendingError(left, "when the test ended"));
                }
                cancelAndFinish(left);
            }
            if (!loop.isClosed()) {
                loop.runUntilComplete(loop.shutdownDefaultExecutor(EXECUTOR_JOIN_TIMEOUT));
            }
        } finally {
            loop.close();
        }
        collectErrors(errorsBefore, problems);
        throwIfAny(problems);
    }

    /** Cancels {@code tasks} and runs the loop until each has finished its cancellation. */
    private void cancelAndFinish(List<Task<?>> tasks) {
        Future<Void> allDone = new Future<>(loop);
        int[] left = {tasks.size()};
        Runnable countDown = () -> {
            if (--left[0] == 0) {
                allDone.complete(null);
            }
        };
        for (Task<?> t : tasks) {
            t.cancel();
            t.addDoneCallback(done -> countDown.run());
        }
        loop.runUntilComplete(allDone);
        for (Task<?> t : tasks) {
            if (t.isDone() && !t.isCancelled()) {
                try {
                    t.result();
                } catch (CancellationException expected) {
                    // finished by its cancellation
                } catch (Throwable e) {
                    errors.add(new LoopError("Unhandled exception in " + t.describe() + " while it was cancelled at"
                            + " the end of the test", e, t));
                }
            }
        }
    }

    private static AssertionError pendingError(List<Task<?>> tasks, String when) {
        StringBuilder m = new StringBuilder();
        m.append(tasks.size()).append(tasks.size() == 1 ? " task was" : " tasks were").append(" still pending ")
                .append(when).append(" (@WeftTest(allowPendingTasks = true) allows it); cancelled:");
        for (Task<?> t : tasks) {
            m.append("\n  ").append(t.describe());
        }
        return new AssertionError(m.toString());
    }

    private void collectErrors(int from, List<Throwable> problems) {
        List<LoopError> now;
        synchronized (errors) {
            now = new ArrayList<>(errors.subList(from, errors.size()));
        }
        for (LoopError e : now) {
            problems.add(new AssertionError(e.message(), e.exception()));
        }
    }

    private static void throwIfAny(List<Throwable> problems) {
        if (problems.isEmpty()) {
            return;
        }
        Throwable first = problems.get(0);
        for (int i = 1; i < problems.size(); i++) {
            first.addSuppressed(problems.get(i));
        }
        throw AsyncTest.sneaky(first);
    }

    private static Set<Task<?>> identitySet(List<Task<?>> tasks) {
        Set<Task<?>> s = Collections.newSetFromMap(new IdentityHashMap<>());
        s.addAll(tasks);
        return s;
    }
}
