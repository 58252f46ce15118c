package dev.weft.runtime;

/**
 * Runs the callbacks of futures that have no loop, on the thread that completes them, without growing the
 * stack: a callback that completes another future (a task finishing, which wakes its awaiter, which finishes...)
 * queues that future's callbacks here instead of calling them from inside itself. Contract item 11: a chain of
 * 2,000 tasks resuming one another completes on a default stack.
 *
 * <p>Only the loop-less path uses it; a loop runs callbacks from its own queue.
 */
final class Trampoline {
    private static final ThreadLocal<Trampoline> CURRENT = ThreadLocal.withInitial(Trampoline::new);
    private static final System.Logger LOG = System.getLogger("dev.weft.runtime");

    private final ReadyQueue queue = new ReadyQueue();
    private boolean draining;

    private Trampoline() {
    }

    /** Calls {@code callback} with {@code future} now, or after the callback already running on this thread. */
    static void run(Object callback, Object future) {
        Trampoline t = CURRENT.get();
        if (t.draining) {
            t.queue.add(callback, future);
            return;
        }
        t.draining = true;
        try {
            invoke(callback, future);
            ReadyQueue q = t.queue;
            while (q.size() > 0) {
                Object cb = q.firstAction();
                Object f = q.firstArg();
                q.removeFirst();
                invoke(cb, f);
            }
        } finally {
            t.draining = false;
        }
    }

    private static void invoke(Object callback, Object future) {
        try {
            Future.invokeCallback(callback, future);
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.ERROR, "Exception in done-callback " + callback + " of " + future, e);
        }
    }
}
