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
 * <p><b>As asyncio's, step by step.</b> An item put while getters wait is stored, and the first getter is woken;
 * it takes the next item when its task runs, in its next turn. A get that frees a slot of a full queue wakes the
 * first waiting putter, which puts its item when its task runs. So a getter woken by a put may find the queue
 * empty again when it runs (another task took the item meanwhile, say with {@link #getNow()}), and then waits
 * again, at the end of the line; a woken putter that finds the queue full again likewise. This is also what
 * decides which item a woken getter of a {@link LifoQueue} or {@link PriorityQueue} gets: the one on top, or the
 * least, when it runs.
 *
 * <p><b>Cancellation.</b> A getter cancelled while waiting takes nothing. A getter whose task is cancelled after
 * it was woken but before it ran takes nothing either; when it runs, it wakes the next getter if the queue still
 * holds an item. Putters alike: a putter cancelled, before or after it was woken, puts nothing, and a woken one
 * wakes the next putter if there is room.
 *
 * <p><b>Shutting down</b> (asyncio 3.13's {@code shutdown}). After {@link #shutdown()}, {@code put} and
 * {@code putNow} fail with {@link QueueShutDownException}, and so do {@code get} and {@code getNow} once the queue
 * is empty: consumers take what is left, then stop. Getters and putters waiting at that moment are woken, and
 * when they run, a getter takes an item if there is one left, else fails with it, and a putter fails with it,
 * its item not put, also when a get had woken it before the shutdown. {@link #shutdown(boolean) shutdown(true)}
 * also empties the queue at once, counting each item it drops as done for {@link #join()}, so gets fail from
 * then on and a join waiting only for those items returns. The usual consumer loop:
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
    /** asyncio's {@code _getters}: waiting getters, each taken out when woken (or skipped when cancelled). */
    private final ArrayDeque<Get> getters = new ArrayDeque<>();
    /** asyncio's {@code _putters}, likewise. */
    private final ArrayDeque<Put> putters = new ArrayDeque<>();
    private final ArrayDeque<Waiter<Void>> joiners = new ArrayDeque<>();
    private final LoopBinding binding = new LoopBinding();
    /** Items put and not yet marked done with taskDone(). */
    private int unfinished;
    private boolean shutdown;

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
    // PriorityQueue; everything else (waiters, wake-ups, counts, shutdown) is this class's. The order is picked
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
            heapAdd(item);
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

    /** PriorityQueue's store: adds {@code item}, after the items equal to it. */
    void heapAdd(T item) {
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

    /** The items in the queue now. */
    public int size() {
        return storeSize();
    }

    /** True when the queue holds no item. */
    public boolean isEmpty() {
        return storeSize() == 0;
    }

    /** True when the queue is bounded and holds {@link #maxSize()} items. */
    public boolean isFull() {
        return maxSize > 0 && storeSize() >= maxSize;
    }

    /** True once {@link #shutdown(boolean)} has been called. */
    public boolean isShutDown() {
        return shutdown;
    }

    /**
     * Puts {@code item} in the queue (this class: at the tail): a future done at once when there is room, else
     * done when this caller, woken by a get that freed a slot, has put it.
     *
     * @return a future to {@code await}; cancelling it while it waits withdraws the item. It fails with
     *     {@link QueueShutDownException} when the queue is shut down, or is shut down before this put went in.
     */
    public Future<Void> put(T item) {
        Objects.requireNonNull(item, "item");
        EventLoop loop = binding.check(this);
        if (isFull()) {
            if (shutdown) {
                return Future.failed(shutDown());
            }
            Put w = new Put(loop, item);
            putters.addLast(w);
            return w;
        }
        if (shutdown) {
            return Future.failed(shutDown());
        }
        store(item);
        return Future.completed(null);
    }

    /**
     * Puts {@code item} in the queue without waiting.
     *
     * @throws QueueShutDownException when the queue is shut down
     * @throws QueueFullException when the queue is bounded and full
     */
    public void putNow(T item) {
        Objects.requireNonNull(item, "item");
        if (shutdown) {
            throw shutDown();
        }
        if (isFull()) {
            throw new QueueFullException("Queue is full (" + maxSize + " items)");
        }
        store(item);
    }

    /**
     * Takes the next item (this class: the head): a future done at once when there is one, else done when this
     * caller, woken by a put, has taken one.
     *
     * @return a future to {@code await}; cancelling it (or the task awaiting it) loses no item. It fails with
     *     {@link QueueShutDownException} when the queue is shut down and empty, or is shut down while this get
     *     waits and is empty when it runs.
     */
    public Future<T> get() {
        EventLoop loop = binding.check(this);
        if (storeSize() == 0) {
            if (shutdown) {
                return Future.failed(shutDown());
            }
            Get w = new Get(loop);
            getters.addLast(w);
            return w;
        }
        return Future.completed(take());
    }

    /**
     * Takes the next item without waiting.
     *
     * @throws QueueShutDownException when the queue is empty and shut down
     * @throws QueueEmptyException when the queue is empty
     */
    public T getNow() {
        if (storeSize() == 0) {
            if (shutdown) {
                throw shutDown();
            }
            throw new QueueEmptyException("Queue is empty");
        }
        return take();
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
     * the queue is empty. Every waiting getter and putter is woken: when its task runs, a getter takes an item if
     * one is left, else fails with it; a putter fails with it, its item not put. With {@code immediate}, the
     * queue is emptied first, each item dropped counting as a {@link #taskDone()}, so waiting {@link #join()}s
     * return when nothing else is outstanding. Calling it again is allowed ({@code shutdown(true)} after
     * {@code shutdown(false)} empties the queue then).
     */
    public void shutdown(boolean immediate) {
        shutdown = true;
        if (immediate) {
            while (storeSize() > 0) {
                storeTake();
                if (unfinished > 0) {
                    unfinished--;
                }
            }
            if (unfinished == 0) {
                releaseJoiners();
            }
        }
        PrimitiveWait<?> w;
        while ((w = getters.pollFirst()) != null) { // each re-checks the queue when it runs
            if (!w.waitOver()) {
                w.wake();
            }
        }
        while ((w = putters.pollFirst()) != null) {
            if (!w.waitOver()) {
                w.wake();
            }
        }
    }

    private static QueueShutDownException shutDown() {
        return new QueueShutDownException("Queue is shut down");
    }

    // ------------------------------------------------------------------------------------------ asyncio's code

    /** {@code put_nowait} once checked: stores the item and wakes the first getter. */
    private void store(T item) {
        storeAdd(item);
        unfinished++;
        wakeUpNext(getters);
    }

    /** {@code get_nowait} once checked: takes the next item and wakes the first putter. */
    private T take() {
        T item = storeTake();
        wakeUpNext(putters);
        return item;
    }

    /** asyncio's {@code _wakeup_next}: takes waiters out until one that is not woken or cancelled, and wakes it. */
    private static void wakeUpNext(ArrayDeque<? extends PrimitiveWait<?>> waiters) {
        PrimitiveWait<?> w;
        while ((w = waiters.pollFirst()) != null) {
            if (!w.waitOver()) {
                w.wake();
                return;
            }
        }
    }

    /** One {@code get()} that waits: asyncio's loop {@code while self.empty(): ... await getter}. */
    private final class Get extends PrimitiveWait<T> {
        Get(EventLoop loop) {
            super(loop);
        }

        @Override
        void resume(boolean cancelled) {
            if (cancelled) {
                getters.remove(this);
                if (storeSize() > 0 && !futCancelled()) {
                    wakeUpNext(getters); // woken, but not taking the item: the next getter may
                }
                finishCancelled(cancellationMessage());
            } else if (storeSize() > 0) {
                finish(take());
            } else if (shutdown) {
                finishFailed(shutDown());
            } else {
                waitAgain(); // someone took the item first
                getters.addLast(this);
            }
        }

        @Override
        String kind() {
            return "Queue.get";
        }
    }

    /** One {@code put(item)} that waits: asyncio's loop {@code while self.full(): ... await putter}. */
    private final class Put extends PrimitiveWait<Void> {
        private final T item;

        Put(EventLoop loop, T item) {
            super(loop);
            this.item = item;
        }

        @Override
        void resume(boolean cancelled) {
            if (cancelled) {
                putters.remove(this);
                if (!isFull() && !futCancelled()) {
                    wakeUpNext(putters); // woken, but not using the slot: the next putter may
                }
                finishCancelled(cancellationMessage());
            } else if (isFull() && !shutdown) {
                waitAgain(); // someone filled the slot first
                putters.addLast(this);
            } else if (shutdown) {
                finishFailed(shutDown());
            } else {
                store(item);
                finish(null);
            }
        }

        @Override
        String kind() {
            return "Queue.put";
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(this)) + "[size:"
                + storeSize() + (maxSize > 0 ? ", maxSize:" + maxSize : "")
                + (getters.isEmpty() ? "" : ", getters:" + getters.size())
                + (putters.isEmpty() ? "" : ", putters:" + putters.size()) + ", unfinished:" + unfinished
                + (shutdown ? ", shut down" : "") + "]";
    }
}
