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

    private Object[] ring = new Object[32];
    private int head;
    private int tail;
    private boolean draining;

    private Trampoline() {
    }

    /** Calls {@code callback} with {@code future} now, or after the callback already running on this thread. */
    static void run(Object callback, Object future) {
        Trampoline t = CURRENT.get();
        if (t.draining) {
            t.push(callback, future);
            return;
        }
        t.draining = true;
        try {
            invoke(callback, future);
            while (t.head != t.tail) {
                Object cb = t.ring[t.head];
                Object f = t.ring[t.head + 1];
                t.ring[t.head] = null;
                t.ring[t.head + 1] = null;
                t.head = (t.head + 2) & (t.ring.length - 1);
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

    private void push(Object callback, Object future) {
        ring[tail] = callback;
        ring[tail + 1] = future;
        tail = (tail + 2) & (ring.length - 1);
        if (tail == head) {
            grow();
        }
    }

    private void grow() {
        int n = ring.length;
        Object[] bigger = new Object[n * 2];
        int firstPart = n - head;
        System.arraycopy(ring, head, bigger, 0, firstPart);
        System.arraycopy(ring, 0, bigger, firstPart, head);
        ring = bigger;
        head = 0;
        tail = n;
    }
}
