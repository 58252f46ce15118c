package dev.weft.runtime;

/**
 * A loop's timers (asyncio's {@code _scheduled}): a binary min-heap of {@link TimerHandle}s by (deadline, sequence),
 * so timers due at the same instant run in the order they were scheduled. A cancelled timer stays until it reaches
 * the top or cancelled ones are most of the heap ({@link #purgeIfMostlyCancelled}), as asyncio does. Loop thread.
 */
final class TimerHeap {
    private TimerHandle[] heap = NO_TIMERS; // made at the first timer
    private static final TimerHandle[] NO_TIMERS = new TimerHandle[0];
    private int size;
    /** Cancelled timers still in the heap. */
    int cancelled;

    TimerHandle peek() {
        return size == 0 ? null : heap[0];
    }

    void add(TimerHandle t) {
        if (size == heap.length) {
            heap = java.util.Arrays.copyOf(heap, Math.max(4, size * 2));
        }
        siftUp(size++, t);
    }

    TimerHandle poll() {
        TimerHandle top = heap[0];
        TimerHandle last = heap[--size];
        heap[size] = null;
        if (size > 0) {
            siftDown(0, last);
        }
        return top;
    }

    /** Drops cancelled timers once they are at least half of a heap of 100 or more (asyncio's rule). */
    void purgeIfMostlyCancelled() {
        if (size < 100 || cancelled * 2 < size) {
            return;
        }
        int kept = 0;
        for (int i = 0; i < size; i++) {
            TimerHandle t = heap[i];
            if (t.isCancelled()) {
                t.unscheduled = true;
            } else {
                heap[kept++] = t;
            }
        }
        java.util.Arrays.fill(heap, kept, size, null);
        size = kept;
        cancelled = 0;
        for (int i = (size >>> 1) - 1; i >= 0; i--) {
            siftDown(i, heap[i]);
        }
    }

    int size() {
        return size;
    }

    void clear() {
        java.util.Arrays.fill(heap, 0, size, null);
        size = 0;
        cancelled = 0;
    }

    private void siftUp(int i, TimerHandle t) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            TimerHandle p = heap[parent];
            if (t.compareTo(p) >= 0) {
                break;
            }
            heap[i] = p;
            i = parent;
        }
        heap[i] = t;
    }

    private void siftDown(int i, TimerHandle t) {
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            TimerHandle c = heap[child];
            int right = child + 1;
            if (right < size && c.compareTo(heap[right]) > 0) {
                c = heap[child = right];
            }
            if (t.compareTo(c) <= 0) {
                break;
            }
            heap[i] = c;
            i = child;
        }
        heap[i] = t;
    }
}
