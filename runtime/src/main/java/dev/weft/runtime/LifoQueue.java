package dev.weft.runtime;

/**
 * A {@link Queue} that gives out the most recently put item first, as asyncio's {@code LifoQueue}: a stack with
 * the queue's waiting, bound, {@link #taskDone()}/{@link #join()} and {@link #shutdown(boolean)}.
 *
 * <pre>{@code
 * LifoQueue<String> q = new LifoQueue<>();
 * q.putNow("a");
 * q.putNow("b");
 * q.putNow("c");
 * await(q.get());      // "c"
 * await(q.get());      // "b"
 * }</pre>
 *
 * <p>Everything but the order is {@link Queue}'s. An item given back by a getter cancelled before it resumed (see
 * {@link Queue}) was put before every item stored now, so it goes under them, where asyncio's {@code LifoQueue},
 * which leaves it in its list until a getter runs, still has it.
 *
 * <p><b>Where the order differs from asyncio's.</b> Queue hands an item put while getters wait to the first of
 * them at once, and lets the first waiting putter's item in as soon as a get frees a slot. asyncio only wakes the
 * getter or putter, which takes the top item, or puts its own, when its task runs. For a FIFO queue both give the
 * same items to the same tasks; for a stack they can differ: two items put in one turn while two getters wait
 * go to the getters in the order they were put here ({@code x} to the first, {@code y} to the second), while
 * asyncio's first getter, running later, takes the top one ({@code y}). Likewise a get right after the one that
 * let a putter in takes that putter's item here, and the item below it in asyncio (whose putter has not run yet).
 *
 * @param <T> the item type
 */
public final class LifoQueue<T> extends Queue<T> {

    /** An unbounded LIFO queue. */
    public LifoQueue() {
        this(0);
    }

    /** A LIFO queue of at most {@code maxSize} items; {@code maxSize <= 0} means unbounded, as in asyncio. */
    public LifoQueue(int maxSize) {
        super(maxSize, ORDER_LIFO); // Queue's deque, its tail the top of the stack
    }
}
