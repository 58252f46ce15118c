package dev.weft.runtime;

import java.util.ArrayDeque;
import java.util.Objects;

/**
 * A first-in first-out queue for handing items between tasks, in the model of asyncio's {@code Queue}:
 * {@link #get()} waits while it is empty, {@link #put(Object)} waits while a bounded queue is full, and
 * {@link #taskDone()} with {@link #join()} let a producer wait until every item has been processed.
 *
 * <pre>{@code
 * Queue<String> jobs = new Queue<>(10);          // bounded: put waits while 10 items are queued
 *
 * @Async
 * Task<Void> worker() {
 *     while (true) {
 *         String job = await(jobs.get());         // waits while the queue is empty
 *         try {
 *             await(process(job));
 *         } finally {
 *             jobs.taskDone();
 *         }
 *     }
 * }
 *
 * @Async
 * Task<Void> main() {
 *     Task<Void> w = worker();
 *     for (String j : List.of("a", "b", "c")) {
 *         await(jobs.put(j));
 *     }
 *     await(jobs.join());                         // every job processed
 *     w.cancel();
 *     return Task.completed(null);
 * }
 * }</pre>
 *
 * <p><b>Fairness.</b> Waiting getters receive items in the order they called {@code get()}, and waiting putters
 * are let in in the order they called {@code put}: an item put while getters wait goes straight to the first
 * one, and a slot freed while putters wait goes straight to the first putter, whose item joins the tail.
 *
 * <p><b>Cancellation.</b> A getter cancelled while waiting takes nothing. A getter whose task is cancelled after
 * an item was handed to it but before it resumed (it receives a CancellationException, not the item) gives the
 * item back: to the next waiting getter, or to the head of the queue (which may then hold one item more than
 * its bound, for that moment). A putter cancelled while waiting puts nothing; once its future is done, its item
 * is in the queue.
 *
 * <p>Items may not be {@code null}. A queue belongs to the event loop running on the thread that first waits on
 * it and is used on that thread only, as asyncio's are.
 *
 * @param <T> the item type
 */
public final class Queue<T> {
    private final int maxSize;
    private final ArrayDeque<T> items = new ArrayDeque<>();
    private final ArrayDeque<Waiter<T>> getters = new ArrayDeque<>();
    /** Waiting putters; each one's item waits in its {@code preset}. */
    private final ArrayDeque<Waiter<Object>> putters = new ArrayDeque<>();
    private final ArrayDeque<Waiter<Void>> joiners = new ArrayDeque<>();
    private final LoopBinding binding = new LoopBinding();
    /** Items put and not yet marked done with taskDone(). */
    private int unfinished;

    /** An unbounded queue. */
    public Queue() {
        this(0);
    }

    /**
     * A queue that holds at most {@code maxSize} items; {@code maxSize <= 0} means unbounded, as in asyncio.
     */
    public Queue(int maxSize) {
        this.maxSize = Math.max(0, maxSize);
    }

    /** The bound given at construction, or 0 when unbounded. */
    public int maxSize() {
        return maxSize;
    }

    /** The items in the queue now (not counting those handed to getters). */
    public int size() {
        return items.size();
    }

    /** True when the queue holds no item. */
    public boolean isEmpty() {
        return items.isEmpty();
    }

    /** True when the queue is bounded and holds {@link #maxSize()} items (or more, see the class doc). */
    public boolean isFull() {
        return maxSize > 0 && items.size() >= maxSize;
    }

    /**
     * Puts {@code item} at the tail: a future done at once when there is room, else done when a slot freed by a
     * getter was given to this caller (the item is then in the queue).
     *
     * @return a future to {@code await}; cancelling it while it waits withdraws the item
     */
    public Future<Void> put(T item) {
        Objects.requireNonNull(item, "item");
        EventLoop loop = binding.check(this);
        if (!isFull()) {
            enqueue(item);
            return Future.completed(null);
        }
        Waiter<Object> w = new Waiter<>(loop, putters);
        w.preset = item;
        putters.addLast(w);
        @SuppressWarnings("unchecked")
        Future<Void> done = (Future<Void>) (Future<?>) w;
        return done;
    }

    /**
     * Puts {@code item} at the tail without waiting.
     *
     * @throws QueueFullException when the queue is bounded and full
     */
    public void putNow(T item) {
        Objects.requireNonNull(item, "item");
        if (isFull()) {
            throw new QueueFullException("Queue is full (" + maxSize + " items)");
        }
        enqueue(item);
    }

    /**
     * Takes the item at the head: a future done at once when there is one, else done when an item is handed to
     * this caller.
     *
     * @return a future to {@code await}; cancelling it (or the task awaiting it) loses no item
     */
    public Future<T> get() {
        EventLoop loop = binding.check(this);
        if (!items.isEmpty()) {
            return Future.completed(dequeue());
        }
        Waiter<T> w = new Waiter<>(loop, getters);
        getters.addLast(w);
        return w;
    }

    /**
     * Takes the item at the head without waiting.
     *
     * @throws QueueEmptyException when the queue is empty
     */
    public T getNow() {
        if (items.isEmpty()) {
            throw new QueueEmptyException("Queue is empty");
        }
        return dequeue();
    }

    /**
     * Marks one item taken from the queue as processed; when every item put so far is, {@link #join()} returns.
     *
     * @throws IllegalStateException when called more times than items were put
     */
    public void taskDone() {
        if (unfinished <= 0) {
            throw new IllegalStateException("taskDone() called more times than items were put");
        }
        if (--unfinished == 0) {
            Waiter<Void> j;
            while ((j = joiners.pollFirst()) != null) {
                j.tryComplete(null);
            }
        }
    }

    /**
     * Waits until every item put has been marked with {@link #taskDone()}: a future done at once when none is
     * outstanding.
     */
    public Future<Void> join() {
        EventLoop loop = binding.check(this);
        if (unfinished == 0) {
            return Future.completed(null);
        }
        Waiter<Void> w = new Waiter<>(loop, joiners);
        joiners.addLast(w);
        return w;
    }

    /** A new item: to the first live getter, or to the tail. */
    private void enqueue(T item) {
        unfinished++;
        handOut(item, false);
    }

    /** Gives {@code item} to the first live getter, else keeps it (at the head when it is given back). */
    private void handOut(T item, boolean givenBack) {
        Waiter<T> g;
        while ((g = getters.pollFirst()) != null) {
            if (g.grant(item, () -> handOut(item, true))) {
                return;
            }
        }
        if (givenBack) {
            items.addFirst(item);
        } else {
            items.addLast(item);
        }
    }

    /** Takes the head item; the slot it frees goes to the first live putter. */
    private T dequeue() {
        T item = items.pollFirst();
        Waiter<Object> p;
        while (!isFull() && (p = putters.pollFirst()) != null) {
            if (p.grant(null, null)) {
                @SuppressWarnings("unchecked")
                T waiting = (T) p.preset;
                enqueue(waiting);
            }
        }
        return item;
    }

    @Override
    public String toString() {
        return "Queue@" + Integer.toHexString(System.identityHashCode(this)) + "[size:" + items.size()
                + (maxSize > 0 ? ", maxSize:" + maxSize : "") + (getters.isEmpty() ? "" : ", getters:" + getters.size())
                + (putters.isEmpty() ? "" : ", putters:" + putters.size()) + ", unfinished:" + unfinished + "]";
    }
}
