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
 * <p><b>As asyncio's, step by step.</b> {@link #release()} unlocks and wakes the first waiter; the waiter takes
 * the lock when its task runs, in its next turn. Meanwhile the lock is unlocked ({@link #isLocked()} is false)
 * but not free: a task that calls {@code acquire()} then waits behind the woken one, since a newcomer takes a free
 * lock at once only when every waiter is cancelled. So waiters get the lock in the order they asked.
 *
 * <p><b>Cancellation.</b> A waiter cancelled while waiting never takes the lock; it leaves the queue when its task
 * runs, and, if the lock is unlocked then, wakes the first waiter. A waiter whose task is cancelled after it was
 * woken but before it ran does the same when it runs: it receives the CancellationException, not the lock, and
 * wakes the next one. (A task that calls {@code uncancel()} in that window withdraws the cancellation and takes
 * the lock, as in asyncio 3.13.)
 *
 * <p><b>Threads.</b> A lock belongs to the event loop running on the thread that first waits on it, and is used
 * on that thread only (as asyncio's primitives are); waiting on it from another loop throws
 * IllegalStateException. It is not a lock between threads.
 */
public final class Lock {
    /**
     * asyncio's {@code _waiters}: the waits for the lock, in the order they started, until each one's resumption
     * has run (woken and cancelled ones included); {@link Condition} waits re-acquiring the lock are among them.
     */
    private final ArrayDeque<PrimitiveWait<?>> waiters = new ArrayDeque<>();
    private final LoopBinding binding = new LoopBinding();
    private boolean locked;

    /** A new, unlocked lock. */
    public Lock() {
    }

    /**
     * Acquires the lock: a future that is done at once when the lock is unlocked and nobody waits (or only
     * cancelled waiters do), else done when this caller, woken by a release, has taken it.
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
        if (tryAcquireNow()) {
            return Future.completed(value);
        }
        Acquire w = new Acquire(loop, value);
        waiters.addLast(w);
        return w;
    }

    /**
     * Releases the lock: it is unlocked, and the first waiter, if any, is woken to take it.
     *
     * @throws IllegalStateException when the lock is not locked
     */
    public void release() {
        if (!locked) {
            throw new IllegalStateException("Lock is not acquired: " + this);
        }
        locked = false;
        wakeUpFirst();
    }

    // ------------------------------------------------------------------------------------------ asyncio's code
    // Shared with Condition, whose wait re-acquires the lock with these.

    /** The start of {@code acquire()}: takes the lock when unlocked and no waiter but a cancelled one waits. */
    boolean tryAcquireNow() {
        if (locked) {
            return false;
        }
        for (PrimitiveWait<?> w : waiters) {
            if (!w.futCancelled()) {
                return false;
            }
        }
        locked = true;
        return true;
    }

    /** {@code acquire()} waits: {@code w} joins the waiters. */
    void enqueue(PrimitiveWait<?> w) {
        waiters.addLast(w);
    }

    /**
     * {@code acquire()} after its {@code await}: {@code w} leaves the waiters, then takes the lock, or, cancelled,
     * wakes the first waiter when the lock is unlocked.
     *
     * @return true when {@code w} holds the lock now
     */
    boolean resumeAcquire(PrimitiveWait<?> w, boolean cancelled) {
        waiters.remove(w);
        if (cancelled) {
            if (!locked) {
                wakeUpFirst();
            }
            return false;
        }
        locked = true;
        return true;
    }

    /** asyncio's {@code _wake_up_first}: the first waiter, unless already woken or cancelled, is woken. */
    private void wakeUpFirst() {
        PrimitiveWait<?> first = waiters.peekFirst();
        if (first != null && !first.waitOver()) {
            first.wake();
        }
    }

    /** One {@code acquire()} that waits. */
    private final class Acquire extends PrimitiveWait<Object> {
        /** What the future gives once the lock is taken: null, or the Guard of acquireGuard(). */
        private final Object value;

        Acquire(EventLoop loop, Object value) {
            super(loop);
            this.value = value;
        }

        @Override
        void resume(boolean cancelled) {
            if (resumeAcquire(this, cancelled)) {
                finish(value);
            } else {
                finishCancelled(cancellationMessage());
            }
        }

        @Override
        String kind() {
            return "Lock.acquire";
        }
    }

    /**
     * True while some code holds the lock (asyncio's {@code locked()}): false from a release until the woken waiter
     * has run, though a new {@code acquire()} waits then.
     */
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
