package dev.weft.runtime;

/**
 * What the runtime keeps per thread, in one object behind one {@link ThreadLocal}: the loop running here, the
 * loop-less task whose step runs here, the context of code outside any task, and the first steps of loop-less
 * tasks now running here. One lookup serves a loop-less task's creation and its first step, which the generated
 * code calls on every level of a recursion (contract item 11: the JIT inlines these paths into the generated
 * code, and each further {@code ThreadLocal} lookup made its compiled frames larger).
 */
final class ThreadState {
    private static final ThreadLocal<ThreadState> OF = ThreadLocal.withInitial(ThreadState::new);

    /** The loop running on this thread, or null. */
    EventLoop running;
    /** The loop-less task whose step runs on this thread (loop tasks are known to their loop), or null. */
    Task<?> looplessCurrent;
    /** The context of code running here outside any task. */
    Context context = Context.EMPTY;
    /** The first steps of loop-less tasks running on this thread. */
    final EnteredSteps entered = new EnteredSteps();

    private ThreadState() {
    }

    static ThreadState here() {
        return OF.get();
    }
}
