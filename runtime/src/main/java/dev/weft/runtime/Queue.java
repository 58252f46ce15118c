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
 * one, and a slot freed while putters wait goes straight to the first putter, whose item joins the queue.
 *
 * <p><b>Cancellation.</b> A getter cancelled while waiting takes nothing. A getter whose task is cancelled after
 * an item was handed to it but before it resumed (it receives a CancellationException, not the item) gives the
 * item back: to the next waiting getter, or to the queue as its oldest item, here its head (the queue may then
 * hold one item more than its bound, for that moment). A putter cancelled while waiting puts nothing; once its
 * future is done, its item is in the queue.
 *
 * <p><b>Shutting down</b> (asyncio 3.13's {@code shutdown}). After {@link #shutdown()}, {@code put} and
 * {@code putNow} fail with {@link QueueShutDownException}, and so do {@code get} and {@code getNow} once the queue
 * is empty: consumers take what is left, then stop. Getters and putters waiting at that moment fail with it
 * too (a waiting getter means an empty queue; a waiting putter's item is not put). {@link #shutdown(boolean)
 * shutdown(true)} also empties the queue at once, counting each item it drops as done for {@link #join()}, so
 * gets fail from then on and a join waiting only for those items returns. The usual consumer loop:
 *
 * <pre>{@code
 * while (true) {
 *     String job;
 *     try {
 *         job = await(jobs.get());
 *     } catch (QueueShutDownException e) {
 *         break;                                  // shut down, and nothing left
 *     }
 *     ...
 * }
 * }</pre>
 *
 * <p>Weft hands an item to a waiting getter when it is put, and a freed slot to a waiting putter when it is freed
 * (see Fairness), where asyncio only wakes the waiter and lets it take the item or the slot when it runs. So a
 * waiter whose turn came before the shutdown finishes normally even if its task has not run yet: the getter has
 * its item, the putter's item is in the queue. asyncio would make such a putter fail, and such a getter fail too
 * when {@code shutdown(true)} emptied the queue first. An item that a cancelled getter gives back after
 * {@code shutdown(true)} is dropped and counted as done, as {@code shutdown(true)} would have done had it been
 * in the queue.
 *
 * <p><b>Order.</b> This class takes items first in, first out. {@link LifoQueue} takes the newest first and
 * {@link PriorityQueue} the smallest first, as asyncio's subclasses of the same names; both behave as this class
 * in every other respect.
 *
 * <p>Items may not be {@code null}. A queue belongs to the event loop running on the thread that first waits on
 * it and is used on that thread only, as asyncio's are.
 *
 * @param <T> the item type
 */
public sealed class Queue<T> permits LifoQueue, PriorityQueue {
    private final int maxSize;
    /** The items of a FIFO or LIFO queue, oldest first; null for a PriorityQueue, which keeps a heap. */
    private final ArrayDeque<T> items;
    /** LifoQueue: the newest item, the deque's tail, is the next out. */
    private final boolean lifo;
    private final ArrayDeque<Waiter<T>> getters = new ArrayDeque<>();
    /** Waiting putters; each one's item waits in its {@code preset}. */
    private final ArrayDeque<Waiter<Object>> putters = new ArrayDeque<>();
    private final ArrayDeque<Waiter<Void>> joiners = new ArrayDeque<>();
    private final LoopBinding binding = new LoopBinding();
    /** Items put and not yet marked done with taskDone(). */
    private int unfinished;
    /** 0: open; SHUT_DOWN after shutdown(false); SHUT_DOWN_IMMEDIATE once shutdown(true) was called. */
    private byte shutdown;
    private static final byte SHUT_DOWN = 1;
    private static final byte SHUT_DOWN_IMMEDIATE = 2;

    /** An unbounded queue. */
    public Queue() {
        this(0);
    }

    /**
     * A queue that holds at most {@code maxSize} items; {@code maxSize <= 0} means unbounded, as in asyncio.
     */
    public Queue(int maxSize) {
        this(maxSize, ORDER_FIFO);
    }

    /** For the subclasses: {@code order} is one of the ORDER_ constants. */
    Queue(int maxSize, byte order) {
        this.maxSize = Math.max(0, maxSize);
        this.items = order == ORDER_HEAP ? null : new ArrayDeque<>();
        this.lifo = order == ORDER_LIFO;
    }

    // ------------------------------------------------------------------------------------------ the store
    // asyncio's _put/_get hooks: only the order of the stored items differs between Queue, LifoQueue and
    // PriorityQueue; everything else (waiters, hand-offs, counts, shutdown) is this class's. The order is picked
    // by final fields, not by overriding these methods: a program that uses the three classes would otherwise
    // make every call here a megamorphic virtual call, twice as slow for a plain Queue as a branch is (measured
    // with putNow/getNow pairs). Only PriorityQueue reaches the heap methods, so those calls stay monomorphic.
    // Called on the loop thread; storeTake() only when storeSize() > 0.

    static final byte ORDER_FIFO = 0;
    static final byte ORDER_LIFO = 1;
    static final byte ORDER_HEAP = 2;

    /** Stores a new item (asyncio's {@code _put}): at the tail of the deque, or in the heap. */
    private void storeAdd(T item) {
        ArrayDeque<T> d = items;
        if (d != null) {
            d.addLast(item);
        } else {
            heapAdd(item, false);
        }
    }

    /**
     * Stores an item given back by a cancelled getter. It was put before every item stored now (it was handed
     * out at once because getters were waiting, so the queue was empty then); it is stored as the oldest,
     * where asyncio, which leaves it in the queue until a getter runs, still has it: the head of the deque (the
     * next out of a FIFO, the bottom of a LIFO), or before the equal items of the heap.
     */
    private void storeAddOldest(T item) {
        ArrayDeque<T> d = items;
        if (d != null) {
            d.addFirst(item);
        } else {
            heapAdd(item, true);
        }
    }

    /** Removes and returns the next item (asyncio's {@code _get}): the head, the tail when LIFO, or the least. */
    private T storeTake() {
        ArrayDeque<T> d = items;
        if (d == null) {
            return heapTake();
        }
        return lifo ? d.pollLast() : d.pollFirst();
    }

    /** How many items are stored. */
    private int storeSize() {
        ArrayDeque<T> d = items;
        return d != null ? d.size() : heapSize();
    }

    /** Drops every stored item. */
    private void storeClear() {
        ArrayDeque<T> d = items;
        if (d != null) {
            d.clear();
        } else {
            heapClear();
        }
    }

    /** PriorityQueue's store: adds {@code item}, as the oldest of its equals when {@code oldest}. */
    void heapAdd(T item, boolean oldest) {
        throw new AssertionError("not a PriorityQueue");
    }

    /** PriorityQueue's store: removes and returns the least item. */
    T heapTake() {
        throw new AssertionError("not a PriorityQueue");
    }

    /** PriorityQueue's store: how many items it holds. */
    int heapSize() {
        throw new AssertionError("not a PriorityQueue");
    }

    /** PriorityQueue's store: drops every item. */
    void heapClear() {
        throw new AssertionError("not a PriorityQueue");
    }

    /** The bound given at construction, or 0 when unbounded. */
    public int maxSize() {
        return maxSize;
    }

    /** The items in the queue now (not counting those handed to getters). */
    public int size() {
        return storeSize();
    }

    /** True when the queue holds no item. */
    public boolean isEmpty() {
        return storeSize() == 0;
    }

    /** True when the queue is bounded and holds {@link #maxSize()} items (or more, see the class doc). */
    public boolean isFull() {
        return maxSize > 0 && storeSize() >= maxSize;
    }

    /** True once {@link #shutdown(boolean)} has been called. */
    public boolean isShutDown() {
        return shutdown != 0;
    }

    /**
     * Puts {@code item} in the queue (this class: at the tail): a future done at once when there is room, else
     * done when a slot freed by a getter was given to this caller (the item is then in the queue).
     *
     * @return a future to {@code await}; cancelling it while it waits withdraws the item. It fails with
     *     {@link QueueShutDownException} when the queue is shut down, or is shut down while this put waits.
     */
    public Future<Void> put(T item) {
        Objects.requireNonNull(item, "item");
        EventLoop loop = binding.check(this);
        if (shutdown != 0) {
            return Future.failed(shutDown());
        }
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
     * Puts {@code item} in the queue without waiting.
     *
     * @throws QueueShutDownException when the queue is shut down
     * @throws QueueFullException when the queue is bounded and full
     */
    public void putNow(T item) {
        Objects.requireNonNull(item, "item");
        if (shutdown != 0) {
            throw shutDown();
        }
        if (isFull()) {
            throw new QueueFullException("Queue is full (" + maxSize + " items)");
        }
        enqueue(item);
    }

    /**
     * Takes the next item (this class: the head): a future done at once when there is one, else done when an
     * item is handed to this caller.
     *
     * @return a future to {@code await}; cancelling it (or the task awaiting it) loses no item. It fails with
     *     {@link QueueShutDownException} when the queue is shut down and empty, or is shut down while this get
     *     waits.
     */
    public Future<T> get() {
        EventLoop loop = binding.check(this);
        if (storeSize() > 0) {
            return Future.completed(dequeue());
        }
        if (shutdown != 0) {
            return Future.failed(shutDown());
        }
        Waiter<T> w = new Waiter<>(loop, getters);
        getters.addLast(w);
        return w;
    }

    /**
     * Takes the next item without waiting.
     *
     * @throws QueueShutDownException when the queue is empty and shut down
     * @throws QueueEmptyException when the queue is empty
     */
    public T getNow() {
        if (storeSize() == 0) {
            if (shutdown != 0) {
                throw shutDown();
            }
            throw new QueueEmptyException("Queue is empty");
        }
        return dequeue();
    }

    /**
     * Marks one item taken from the queue as processed; when every item put so far is, {@link #join()} returns.
     * {@code shutdown(true)} counts the items it drops as done.
     *
     * @throws IllegalStateException when called more times than items were put
     */
    public void taskDone() {
        if (unfinished <= 0) {
            throw new IllegalStateException("taskDone() called more times than items were put");
        }
        if (--unfinished == 0) {
            releaseJoiners();
        }
    }

    private void releaseJoiners() {
        Waiter<Void> j;
        while ((j = joiners.pollFirst()) != null) {
            j.tryComplete(null);
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

    /**
     * Shuts the queue down without emptying it: as {@code shutdown(false)}.
     *
     * @see #shutdown(boolean)
     */
    public void shutdown() {
        shutdown(false);
    }

    /**
     * Shuts the queue down, as asyncio 3.13's {@code shutdown(immediate)}: from now on {@code put} and
     * {@code putNow} fail with {@link QueueShutDownException}, and so do {@code get} and {@code getNow} whenever
     * the queue is empty. Every waiting getter and putter fails with it now (their tasks resume with it in
     * their next turn); a putter's item is not put. With {@code immediate}, the queue is emptied first, each
     * item dropped counting as a {@link #taskDone()}, so waiting {@link #join()}s return when nothing else is
     * outstanding. Calling it again is allowed ({@code shutdown(true)} after {@code shutdown(false)} empties
     * the queue then).
     */
    public void shutdown(boolean immediate) {
        if (immediate) {
            shutdown = SHUT_DOWN_IMMEDIATE;
            int dropped = storeSize();
            storeClear();
            unfinished = Math.max(0, unfinished - dropped);
            if (unfinished == 0) {
                releaseJoiners();
            }
        } else if (shutdown == 0) {
            shutdown = SHUT_DOWN;
        }
        Waiter<T> g;
        while ((g = getters.pollFirst()) != null) {
            g.tryFail(shutDown());
        }
        Waiter<Object> p;
        while ((p = putters.pollFirst()) != null) {
            p.tryFail(shutDown());
        }
    }

    private static QueueShutDownException shutDown() {
        return new QueueShutDownException("Queue is shut down");
    }

    /** A new item: to the first live getter, or to the store. */
    private void enqueue(T item) {
        handOut(item, false);
        unfinished++;
    }

    /** Gives {@code item} to the first live getter, else stores it (as the oldest when it is given back). */
    private void handOut(T item, boolean givenBack) {
        Waiter<T> g;
        while ((g = getters.pollFirst()) != null) {
            if (g.grant(item, () -> handOut(item, true))) {
                return;
            }
        }
        if (!givenBack) {
            storeAdd(item);
        } else if (shutdown == SHUT_DOWN_IMMEDIATE) {
            // shutdown(true) would have dropped it had it been in the queue, as in asyncio it would have been
            if (unfinished > 0 && --unfinished == 0) {
                releaseJoiners();
            }
        } else {
            storeAddOldest(item);
        }
    }

    /** Takes the next item; the slot it frees goes to the first live putter. */
    private T dequeue() {
        T item = storeTake();
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
        return getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(this)) + "[size:"
                + storeSize() + (maxSize > 0 ? ", maxSize:" + maxSize : "")
                + (getters.isEmpty() ? "" : ", getters:" + getters.size())
                + (putters.isEmpty() ? "" : ", putters:" + putters.size()) + ", unfinished:" + unfinished
                + (shutdown != 0 ? ", shut down" : "") + "]";
    }
}
