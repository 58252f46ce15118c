package dev.weft.runtime;

import java.util.Comparator;
import java.util.Objects;

/**
 * A {@link Queue} that gives out its smallest item first, as asyncio's {@code PriorityQueue}: by the items'
 * natural order ({@link Comparable}), or by the {@link Comparator} given to the constructor. The queue's waiting,
 * bound, {@link #taskDone()}/{@link #join()} and {@link #shutdown(boolean)} are {@link Queue}'s.
 *
 * <pre>{@code
 * record Job(int priority, String name) {}
 *
 * PriorityQueue<Job> jobs = new PriorityQueue<>(Comparator.comparingInt(Job::priority));
 * jobs.putNow(new Job(2, "write"));
 * jobs.putNow(new Job(1, "read"));
 * await(jobs.get());   // Job[priority=1, name=read]
 * }</pre>
 *
 * <p><b>Equal items come out first in, first out.</b> Items that compare equal (the comparator returns 0) leave
 * in the order they were put. asyncio's {@code PriorityQueue} is a {@code heapq}, which gives no such order:
 * with items equal in priority but different otherwise, the order they come out in depends on the heap's shape
 * (the Python documentation's advice is to put {@code (priority, count, item)} entries for a stable order, which
 * is what this class does for you with a sequence number). So a Python program that relies on no order between
 * equal items, or that adds such a counter, behaves here as there.
 *
 * <p>As asyncio's, a waiting getter is only woken by a put, and takes the least item when its task runs: two items
 * put in one turn while two getters wait, 7 then 2, give 2 to the first getter and 7 to the second.
 *
 * <p>With the natural order, {@code put} and {@code putNow} throw a {@link ClassCastException} for an item that
 * is not {@link Comparable} (asyncio fails later, at the first comparison). Like
 * {@link java.util.PriorityQueue}, the order is only as good as the comparator: it must be consistent, and must
 * not throw.
 *
 * <p>The name is asyncio's; it is not {@link java.util.PriorityQueue}.
 *
 * @param <T> the item type
 */
public final class PriorityQueue<T> extends Queue<T> {
    private final Comparator<? super T> comparator;
    private final java.util.PriorityQueue<Entry<T>> heap;
    /** The sequence number of the next item put; the tie-break between equal items. */
    private long nextSeq;

    /** An unbounded queue in the items' natural order. */
    public PriorityQueue() {
        this(0);
    }

    /**
     * A queue in the items' natural order holding at most {@code maxSize} items; {@code maxSize <= 0} means
     * unbounded, as in asyncio.
     */
    public PriorityQueue(int maxSize) {
        this(maxSize, null);
    }

    /** An unbounded queue in {@code comparator}'s order. */
    public PriorityQueue(Comparator<? super T> comparator) {
        this(0, Objects.requireNonNull(comparator, "comparator"));
    }

    /**
     * A queue in {@code comparator}'s order (natural order when null) holding at most {@code maxSize} items;
     * {@code maxSize <= 0} means unbounded.
     */
    public PriorityQueue(int maxSize, Comparator<? super T> comparator) {
        super(maxSize, ORDER_HEAP);
        this.comparator = comparator;
        this.heap = new java.util.PriorityQueue<>(comparator == null ? PriorityQueue::compareNatural
                : (a, b) -> {
                    int c = comparator.compare(a.item, b.item);
                    return c != 0 ? c : Long.compare(a.seq, b.seq);
                });
    }

    /** The comparator the queue orders its items with, or {@code null} for their natural order. */
    public Comparator<? super T> comparator() {
        return comparator;
    }

    /**
     * {@inheritDoc}
     *
     * @throws ClassCastException when the queue uses the natural order and {@code item} is not Comparable
     */
    @Override
    public Future<Void> put(T item) {
        return super.put(requireComparable(item));
    }

    /**
     * {@inheritDoc}
     *
     * @throws ClassCastException when the queue uses the natural order and {@code item} is not Comparable
     */
    @Override
    public void putNow(T item) {
        super.putNow(requireComparable(item));
    }

    private T requireComparable(T item) {
        if (comparator == null && item != null && !(item instanceof Comparable)) {
            throw new ClassCastException(item.getClass().getName() + " is not Comparable: a PriorityQueue without"
                    + " a Comparator orders its items by their natural order");
        }
        return item;
    }

    @SuppressWarnings("unchecked")
    private static <T> int compareNatural(Entry<T> a, Entry<T> b) {
        int c = ((Comparable<Object>) a.item).compareTo(b.item);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    }

    @Override
    void heapAdd(T item) {
        heap.add(new Entry<>(item, nextSeq++));
    }

    @Override
    T heapTake() {
        return heap.poll().item;
    }

    @Override
    int heapSize() {
        return heap.size();
    }

    @Override
    void heapClear() {
        heap.clear();
    }

    /** An item and its place in the order it was put. */
    private record Entry<T>(T item, long seq) {
    }
}
