package dev.weft.runtime;

/**
 * A loop's ready queue (asyncio's {@code _ready}): the callbacks and task steps to run, in order, each an (action,
 * argument) pair, so that scheduling a step or a callback allocates nothing. A ring with a power-of-two length that
 * doubles when full and never shrinks (a loop that runs little stays small: 4 pairs to start). A turn runs the pairs
 * that were ready when it began ({@link #size()} then), so what they schedule waits for the next turn. Loop thread
 * (also the ring of a thread's {@link Trampoline}).
 */
final class ReadyQueue {
    private Object[] ring = new Object[8];
    private int head;
    private int tail;
    private int size;

    int size() {
        return size;
    }

    void add(Object action, Object arg) {
        Object[] q = ring;
        q[tail] = action;
        q[tail + 1] = arg;
        tail = (tail + 2) & (q.length - 1);
        size++;
        if (tail == head) {
            grow();
        }
    }

    /** The action of the first pair (the queue is not empty). */
    Object firstAction() {
        return ring[head];
    }

    /** The argument of the first pair. */
    Object firstArg() {
        return ring[head + 1];
    }

    /** Drops the first pair, clearing its slots so the queue keeps nothing it ran alive. */
    void removeFirst() {
        Object[] q = ring;
        q[head] = null;
        q[head + 1] = null;
        head = (head + 2) & (q.length - 1);
        size--;
    }

    void clear() {
        java.util.Arrays.fill(ring, null);
        head = tail = size = 0;
    }

    private void grow() {
        Object[] q = ring;
        int n = q.length;
        Object[] bigger = new Object[n * 2];
        int firstPart = n - head;
        System.arraycopy(q, head, bigger, 0, firstPart);
        System.arraycopy(q, 0, bigger, firstPart, head);
        ring = bigger;
        head = 0;
        tail = n;
    }
}
