package dev.weft.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The loop's cross-thread queue: many producers, one consumer (the loop thread), lock-free. Producers swap
 * themselves in as the tail with one atomic exchange and then link the previous tail to themselves; the
 * consumer walks from a stub head. (The intrusive MPSC queue described by Dmitry Vyukov.)
 *
 * <p>Each entry is an (action, argument) pair, the same shape as the loop's ready queue.
 */
final class Inbox {
    static final class Node {
        Object action;
        Object arg;
        volatile Node next;

        Node(Object action, Object arg) {
            this.action = action;
            this.arg = arg;
        }
    }

    /** Where producers swap themselves in (through {@link #TAIL}: no AtomicReference per loop). */
    @SuppressWarnings("unused")
    private volatile Node tail;
    private static final VarHandle TAIL;

    static {
        try {
            TAIL = MethodHandles.lookup().findVarHandle(Inbox.class, "tail", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Consumer-owned: the last node taken (a stub whose payload is already gone). */
    private Node head;

    Inbox() {
        Node stub = new Node(null, null);
        head = stub;
        tail = stub;
    }

    /** Any thread. */
    void offer(Object action, Object arg) {
        Node node = new Node(action, arg);
        Node previous = (Node) TAIL.getAndSet(this, node);
        previous.next = node;
    }

    /**
     * Consumer only. True when nothing is queued, nor half-queued: a producer between its exchange and its link
     * makes this false, so the loop does not go to sleep on an entry it is about to see.
     */
    boolean isEmpty() {
        return head.next == null && tail == head;
    }

    /** Consumer only: moves every linked entry into the loop's ready queue, in arrival order. */
    void drainTo(EventLoop loop) {
        Node n = head.next;
        while (n != null) {
            loop.enqueue(n.action, n.arg);
            n.action = null;
            n.arg = null;
            head = n;
            n = n.next;
        }
    }

    /** Consumer only: hands every linked entry to a loop's schedule explorer, in arrival order; true if any. */
    boolean drainTo(ScheduleExplorer explorer) {
        Node n = head.next;
        boolean any = n != null;
        while (n != null) {
            explorer.take(n.action, n.arg);
            n.action = null;
            n.arg = null;
            head = n;
            n = n.next;
        }
        return any;
    }

    /** Consumer only: forgets every linked entry. */
    void clear() {
        Node n = head.next;
        while (n != null) {
            n.action = null;
            n.arg = null;
            head = n;
            n = n.next;
        }
    }
}
