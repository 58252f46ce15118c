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
 * <p>Everything but the order is {@link Queue}'s. As asyncio's, a waiting getter is only woken by a put, and
 * takes the top item when its task runs: two items put in one turn while two getters wait, {@code x} then
 * {@code y}, give {@code y} to the first getter and {@code x} to the second.
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
