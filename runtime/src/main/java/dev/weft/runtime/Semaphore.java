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
 * <p><b>As asyncio's, step by step.</b> {@link #release()} adds a permit and, when a task waits, wakes the first
 * one, setting the permit aside for it ({@link #availablePermits()} counts it no more); the waiter goes on when
 * its task runs, in its next turn. While any waiter is not cancelled, {@code acquire()} waits behind it even when
 * permits are free (asyncio's {@code locked()}), so waiters get permits in the order they asked; a waiter that
 * goes on wakes as many more waiters as permits are free.
 *
 * <p><b>Cancellation.</b> A waiter cancelled while waiting takes no permit. A waiter whose task is cancelled after
 * it was woken but before it ran gives its permit back when it runs, and wakes the next waiter with it: no permit
 * is ever lost.
 *
 * <p><b>Threads.</b> A semaphore belongs to the event loop running on the thread that first waits on it and is
 * used on that thread only, as asyncio's are.
 */
public class Semaphore {
    /** asyncio's {@code _waiters}: the waits, in order, until each one's resumption has run. */
    private final ArrayDeque<Acquire> waiters = new ArrayDeque<>();
    private final LoopBinding binding = new LoopBinding();
    /** asyncio's {@code _value}: the permits free and not set aside for a woken waiter. */
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
     * Takes a permit: a future done at once when one is free and no waiter but a cancelled one waits, else done
     * when this caller, woken by a release, goes on.
     *
     * @return a future to {@code await}; cancelling it (or the task awaiting it) withdraws from the queue
     */
    public Future<Void> acquire() {
        EventLoop loop = binding.check(this);
        if (!isLocked()) {
            permits--;
            return Future.completed(null);
        }
        Acquire w = new Acquire(loop);
        waiters.addLast(w);
        return w;
    }

    /** Gives a permit back, waking the first waiter, if any, to take it. */
    public void release() {
        permits++;
        wakeUpNext();
    }

    /**
     * asyncio's {@code _wake_up_next}: the first waiter not yet woken or cancelled is woken, a permit set aside for
     * it. False when there was none.
     */
    private boolean wakeUpNext() {
        for (Acquire w : waiters) {
            if (!w.waitOver()) {
                permits--;
                w.wake();
                return true;
            }
        }
        return false;
    }

    /**
     * True when {@link #acquire()} would wait (asyncio's {@code locked()}): no permit is free, or a waiter that is
     * not cancelled is ahead.
     */
    public boolean isLocked() {
        if (permits == 0) {
            return true;
        }
        for (Acquire w : waiters) {
            if (!w.futCancelled()) {
                return true;
            }
        }
        return false;
    }

    /** The permits free now, not counting those set aside for woken waiters (asyncio's {@code _value}). */
    public int availablePermits() {
        return permits;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(this))
                + "[permits:" + permits + (waiters.isEmpty() ? "" : ", waiters:" + waiters.size()) + "]";
    }

    /** One {@code acquire()} that waits. */
    private final class Acquire extends PrimitiveWait<Void> {
        Acquire(EventLoop loop) {
            super(loop);
        }

        /** {@code acquire()} after its {@code await}: leave; cancelled once woken, give the permit back; wake more. */
        @Override
        void resume(boolean cancelled) {
            waiters.remove(this);
            if (cancelled && woken()) {
                permits++;
            }
            while (permits > 0 && wakeUpNext()) {
                // as many waiters as there are permits: newcomers waited behind this one
            }
            if (cancelled) {
                finishCancelled(cancellationMessage());
            } else {
                finish(null);
            }
        }

        @Override
        String kind() {
            return "Semaphore.acquire";
        }
    }
}
