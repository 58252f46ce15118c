package dev.weft.runtime;

/**
 * The tasks that were current when each first step now running on a thread began, innermost last: a first step
 * calls others (an async method calling another runs the callee's first step inside its own), and they end in the
 * order they began. The generated body keeps its own previous task in a local for the normal end; this stack is for
 * the other end, an exception that leaves the body for the generated entry, which has no such local (see
 * {@link CoroutineSupport#firstStepThrew}). One per loop, and one per thread for tasks without a loop ({@link ThreadState}).
 */
final class EnteredSteps {
    /**
     * How many first steps may be nested on one thread before the next one waits: beyond this, a call of an
     * {@code @Async} method returns its task at once and the task's first step runs from the loop's queue (without a
     * loop, when the outermost first step on the thread ends). Recursion of any depth then completes instead of
     * overflowing the stack (contract item 11); below it, the body runs at once as contract item 2 says, deeper
     * than any recursion asyncio allows (its recursion limit stops eager tasks a few hundred deep).
     */
    static final int MAX_NESTED = 512;

    private Task<?>[] previous = new Task<?>[4];
    private int depth;
    /** Loop-less deferred first steps, in order: task, then the future whose value is its arguments. */
    private java.util.ArrayDeque<Object> deferred;
    private boolean draining;

    boolean full() {
        return depth >= MAX_NESTED;
    }

    boolean isEmpty() {
        return depth == 0;
    }

    /** A loop-less first step to run when the outermost first step on this thread ends. */
    void defer(Task<?> task, Future<?> start) {
        if (deferred == null) {
            deferred = new java.util.ArrayDeque<>();
        }
        deferred.add(task);
        deferred.add(start);
    }

    /** Runs the deferred first steps, and those they defer in turn, once the outermost first step has ended. */
    void drainDeferred() {
        if (depth != 0 || deferred == null || draining) {
            return;
        }
        draining = true;
        try {
            Object t;
            while ((t = deferred.poll()) != null) {
                ((Task<?>) t).resumeFrom((Future<?>) deferred.poll());
            }
        } finally {
            draining = false;
        }
    }

    /** How many first steps are running (nested) now. */
    int depth() {
        return depth;
    }

    /** The task that was current when the {@code i}-th first step now running began (0: the outermost). */
    Task<?> at(int i) {
        return previous[i];
    }

    void push(Task<?> task) {
        if (depth == previous.length) {
            previous = java.util.Arrays.copyOf(previous, depth * 2);
        }
        previous[depth++] = task;
    }

    Task<?> pop() {
        if (depth == 0) {
            return null;
        }
        Task<?> t = previous[--depth];
        previous[depth] = null;
        return t;
    }
}
