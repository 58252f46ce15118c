package dev.weft.runtime;

import java.util.ArrayDeque;

/**
 * A counting semaphore for tasks, in the model of asyncio's {@code Semaphore}: {@link #acquire()} takes a permit,
 * waiting while none is free; {@link #release()} gives one back. Releasing more than was acquired raises the
 * count; {@link BoundedSemaphore} refuses that.
 *
 * <pre>{@code
 * Semaphore connections = new Semaphore(3);   // at most three downloads at a time
 *
 * @Async
 * Task<byte[]> download(URI uri) {
 *     await(connections.acquire());
 *     try {
 *         return Task.completed(await(http.get(uri)));
 *     } finally {
 *         connections.release();
 *     }
 * }
 * }</pre>
 *
 * <p><b>Fairness.</b> Waiters get permits in the order they called {@code acquire()}: a released permit goes
 * directly to the first waiter, so a later {@code acquire()} cannot take it first.
 *
 * <p><b>Cancellation.</b> A waiter cancelled while waiting takes no permit. A waiter whose task is cancelled
 * after a permit was handed to it but before it resumed passes the permit to the next waiter (or back to the
 * count): no permit is ever lost.
 *
 * <p><b>Threads.</b> A semaphore belongs to the event loop running on the thread that first waits on it and is
 * used on that thread only, as asyncio's are.
 */
public class Semaphore {
    private final ArrayDeque<Waiter<Void>> waiters = new ArrayDeque<>();
    private final LoopBinding binding = new LoopBinding();
    /** Free permits; never above zero while a live waiter waits, since a release goes to the waiter. */
    private int permits;

    /**
     * A semaphore with {@code permits} free permits.
     *
     * @throws IllegalArgumentException when {@code permits} is negative
     */
    public Semaphore(int permits) {
        if (permits < 0) {
            throw new IllegalArgumentException("Semaphore initial value must be >= 0, not " + permits);
        }
        this.permits = permits;
    }

    /**
     * Takes a permit: a future done at once when one is free, else done when a release hands one to this caller.
     *
     * @return a future to {@code await}; cancelling it (or the task awaiting it) withdraws from the queue
     */
    public Future<Void> acquire() {
        EventLoop loop = binding.check(this);
        if (permits > 0) {
            permits--;
            return Future.completed(null);
        }
        Waiter<Void> w = new Waiter<>(loop, waiters);
        waiters.addLast(w);
        return w;
    }

    /** Gives a permit back: to the first waiter, or to the count when none waits. */
    public void release() {
        releasePermit();
    }

    final void releasePermit() {
        Waiter<Void> w;
        while ((w = waiters.pollFirst()) != null) {
            if (w.grant(null, this::releasePermit)) {
                return;
            }
        }
        permits++;
    }

    /** True when {@link #acquire()} would wait (asyncio's {@code locked()}). */
    public boolean isLocked() {
        return permits == 0;
    }

    /** The permits free now. */
    public int availablePermits() {
        return permits;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(this))
                + "[permits:" + permits + (waiters.isEmpty() ? "" : ", waiters:" + waiters.size()) + "]";
    }
}
