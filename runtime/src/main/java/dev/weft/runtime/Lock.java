package dev.weft.runtime;

import java.util.ArrayDeque;

/**
 * A mutual-exclusion lock for tasks, in the model of asyncio's {@code Lock}: not reentrant, not owned by a task
 * (any code may release it), fair.
 *
 * <pre>{@code
 * Lock lock = new Lock();
 *
 * @Async
 * Task<Void> transfer(Account from, Account to, int amount) {
 *     await(lock.acquire());
 *     try {
 *         await(from.withdraw(amount));        // other tasks wait at acquire() meanwhile
 *         await(to.deposit(amount));
 *     } finally {
 *         lock.release();
 *     }
 *     return Task.completed(null);
 * }
 * }</pre>
 *
 * or, with {@link #acquireGuard()}, {@code try (Lock.Guard held = await(lock.acquireGuard())) { ... }}.
 *
 * <p><b>Fairness.</b> Waiters get the lock in the order they called {@link #acquire()}: {@link #release()} hands
 * it directly to the first waiter, so a task that calls {@code acquire()} meanwhile cannot barge in. While the
 * lock is being handed over (the waiter is woken but has not run yet) {@link #isLocked()} stays true.
 *
 * <p><b>Cancellation.</b> A waiter cancelled while waiting never takes the lock. A waiter whose task is
 * cancelled after the lock was handed to it but before it resumed (so it receives a CancellationException, not
 * the lock) passes the lock on to the next waiter, as asyncio does. (This is seen through the task's own
 * {@code cancel()}; a task that calls {@code uncancel()} in that window keeps the exception and loses the lock.)
 *
 * <p><b>Threads.</b> A lock belongs to the event loop running on the thread that first waits on it, and is used
 * on that thread only (as asyncio's primitives are); waiting on it from another loop throws
 * IllegalStateException. It is not a lock between threads.
 */
public final class Lock {
    private final ArrayDeque<Waiter<Object>> waiters = new ArrayDeque<>();
    private final LoopBinding binding = new LoopBinding();
    private boolean locked;

    /** A new, unlocked lock. */
    public Lock() {
    }

    /**
     * Acquires the lock: a future that is done at once when the lock is free and nobody waits, else done when
     * the lock is handed to this caller.
     *
     * @return a future to {@code await}; cancelling it (or the task awaiting it) withdraws from the queue
     */
    @SuppressWarnings("unchecked")
    public Future<Void> acquire() {
        return (Future<Void>) (Future<?>) acquireWith(null);
    }

    /**
     * As {@link #acquire()}, for try-with-resources: the future's value is a {@link Guard} whose
     * {@code close()} releases the lock (once).
     *
     * <pre>{@code
     * try (Lock.Guard held = await(lock.acquireGuard())) {
     *     await(writeRecord(r));
     * }
     * }</pre>
     */
    @SuppressWarnings("unchecked")
    public Future<Guard> acquireGuard() {
        return (Future<Guard>) (Future<?>) acquireWith(new Guard(this));
    }

    private Future<Object> acquireWith(Object value) {
        EventLoop loop = binding.check(this);
        if (!locked) {
            locked = true;
            return Future.completed(value);
        }
        Waiter<Object> w = new Waiter<>(loop, waiters);
        waiters.addLast(w);
        w.preset = value;
        return w;
    }

    /**
     * Releases the lock: the first waiter gets it, or, when none waits, it becomes unlocked.
     *
     * @throws IllegalStateException when the lock is not locked
     */
    public void release() {
        if (!locked) {
            throw new IllegalStateException("Lock is not acquired: " + this);
        }
        Waiter<Object> w;
        while ((w = waiters.pollFirst()) != null) {
            if (w.grant(w.preset, this::release)) {
                return; // still locked: it now belongs to w
            }
        }
        locked = false;
    }

    /** True while some code holds the lock (or it is being handed to a waiter). */
    public boolean isLocked() {
        return locked;
    }

    @Override
    public String toString() {
        return "Lock@" + Integer.toHexString(System.identityHashCode(this)) + "[" + (locked ? "locked" : "unlocked")
                + (waiters.isEmpty() ? "" : ", waiters:" + waiters.size()) + "]";
    }

    /** The lock held by one {@link #acquireGuard()}: {@link #close()} releases it, the first time only. */
    public static final class Guard implements AutoCloseable {
        private final Lock lock;
        private boolean released;

        private Guard(Lock lock) {
            this.lock = lock;
        }

        /** Releases the lock, unless this guard already did. */
        @Override
        public void close() {
            if (!released) {
                released = true;
                lock.release();
            }
        }
    }
}
