package dev.weft.runtime;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * A condition variable for tasks, in the model of asyncio's {@code Condition}: a task holding the condition's
 * {@link Lock} waits in {@link #waitFor()} (which releases the lock while it waits and takes it again before it
 * returns) until another task, holding the lock, calls {@link #signal()} or {@link #signalAll()}.
 *
 * <pre>{@code
 * Condition changed = new Condition();
 * List<String> inbox = new ArrayList<>();
 *
 * @Async
 * Task<String> take() {
 *     await(changed.acquire());
 *     try {
 *         await(changed.waitFor(() -> !inbox.isEmpty()));   // lock released while waiting
 *         return Task.completed(inbox.remove(0));
 *     } finally {
 *         changed.release();
 *     }
 * }
 *
 * @Async
 * Task<Void> offer(String s) {
 *     await(changed.acquire());
 *     try {
 *         inbox.add(s);
 *         changed.signal();
 *     } finally {
 *         changed.release();
 *     }
 *     return Task.completed(null);
 * }
 * }</pre>
 *
 * <p>{@code wait}, {@code notify} and {@code notifyAll} are {@link Object}'s final methods, so the operations are
 * named {@code waitFor}, {@code signal} and {@code signalAll}, as in {@code java.util.concurrent.locks.Condition}.
 *
 * <p><b>As asyncio's, step by step.</b> {@code waitFor()} releases the lock and waits for a signal; a signal wakes
 * the waiter, which, when its task runs, takes the lock back (waiting for it if another task holds it, behind
 * the lock's other waiters) and only then goes on. {@code waitFor(predicate)} checks the predicate each time it
 * holds the lock again, and waits again, in the same step, while it is false.
 *
 * <p><b>Cancellation.</b> A task cancelled in {@code waitFor} still takes the lock back before the
 * CancellationException reaches it, so its {@code finally { release(); }} is right in every case; a cancellation
 * while it waits for the lock is kept, and it waits on. A waiter whose wait ends with a cancellation passes a
 * signal on to the next waiter, whether it had been signalled or not (asyncio does the same; a condition variable
 * allows such spurious wake-ups, hence the predicate loop).
 *
 * <p>Waiters are woken in the order they started waiting. A condition belongs to the event loop running on the
 * thread that first waits on it and is used on that thread only, as asyncio's are.
 */
public final class Condition {
    private final Lock lock;
    /** asyncio's {@code _waiters}: the waits for a signal, in order, until each one's resumption has run. */
    private final ArrayDeque<Wait> waiters = new ArrayDeque<>();
    private final LoopBinding binding = new LoopBinding();

    /** A condition with its own new lock. */
    public Condition() {
        this(new Lock());
    }

    /** A condition over {@code lock}, which other conditions may share. */
    public Condition(Lock lock) {
        this.lock = Objects.requireNonNull(lock, "lock");
    }

    /** The lock this condition waits with. */
    public Lock lock() {
        return lock;
    }

    /** Acquires the condition's lock; see {@link Lock#acquire()}. */
    public Future<Void> acquire() {
        return lock.acquire();
    }

    /** Releases the condition's lock; see {@link Lock#release()}. */
    public void release() {
        lock.release();
    }

    /** True while the condition's lock is held. */
    public boolean isLocked() {
        return lock.isLocked();
    }

    /**
     * Releases the lock, waits until signalled, and acquires the lock again (asyncio's {@code wait()}); the
     * returned future is done only once the lock is held again, also when the wait is cancelled.
     *
     * @return a future to {@code await}
     * @throws IllegalStateException when the lock is not held
     */
    public Future<Void> waitFor() {
        requireLocked("waitFor");
        Wait w = new Wait(binding.check(this), null);
        w.waitForSignal();
        return w;
    }

    /**
     * Waits until {@code predicate} is true (asyncio's {@code wait_for}): checks it now, and again each time the
     * lock is held again after a wake-up. The returned future fails with what the predicate throws.
     *
     * @return a future to {@code await}, done with the lock held
     * @throws IllegalStateException when the lock is not held
     */
    public Future<Void> waitFor(BooleanSupplier predicate) {
        Objects.requireNonNull(predicate, "predicate");
        requireLocked("waitFor");
        EventLoop loop = binding.check(this);
        try {
            if (predicate.getAsBoolean()) {
                return Future.completed(null);
            }
        } catch (Throwable e) {
            return Future.failed(e);
        }
        Wait w = new Wait(loop, predicate);
        w.waitForSignal();
        return w;
    }

    /** Wakes the first waiting task, if any; the caller must hold the lock. */
    public void signal() {
        signal(1);
    }

    /**
     * Wakes up to {@code n} waiting tasks, in the order they started waiting; the caller must hold the lock.
     *
     * @throws IllegalStateException when the lock is not held
     */
    public void signal(int n) {
        requireLocked("signal");
        notifyWaiters(n);
    }

    /** Wakes every waiting task; the caller must hold the lock. */
    public void signalAll() {
        signal(Integer.MAX_VALUE);
    }

    /** asyncio's {@code _notify(n)}: wakes the first {@code n} waiters not woken or cancelled yet. */
    private void notifyWaiters(int n) {
        int woken = 0;
        for (Wait w : waiters) {
            if (woken >= n) {
                break;
            }
            if (!w.waitOver()) {
                woken++;
                w.wake();
            }
        }
    }

    private void requireLocked(String what) {
        if (!lock.isLocked()) {
            throw new IllegalStateException("Cannot " + what + " on a Condition whose lock is not acquired");
        }
    }

    @Override
    public String toString() {
        return "Condition@" + Integer.toHexString(System.identityHashCode(this)) + "[" + lock
                + (waiters.isEmpty() ? "" : ", waiters:" + waiters.size()) + "]";
    }

    /**
     * One {@code waitFor}: asyncio's {@code wait()} (looped by {@code wait_for} when there is a predicate). It waits
     * for a signal in the condition's waiters, then, as {@code wait()}'s {@code finally}, for the lock in the lock's
     * waiters, as a {@code Lock.acquire()} would, until it holds it; a cancellation seen on the way is kept and
     * raised once the lock is held, after passing a signal on.
     */
    private final class Wait extends PrimitiveWait<Void> {
        private final BooleanSupplier predicate;
        /** False while waiting for a signal, true while waiting for the lock. */
        private boolean forLock;
        /** asyncio's {@code err}: a cancellation seen, raised once the lock is held; its message. */
        private boolean cancelled;
        private String cancelledMessage;

        Wait(EventLoop loop, BooleanSupplier predicate) {
            super(loop);
            this.predicate = predicate;
        }

        /** {@code wait()} up to its {@code await fut}; the lock is held. */
        void waitForSignal() {
            lock.release();
            forLock = false;
            waiters.addLast(this);
        }

        @Override
        void resume(boolean cancelledHere) {
            if (!forLock) {
                waiters.remove(this);
                if (cancelledHere) {
                    keep(cancellationMessage());
                }
                reacquire();
            } else if (lock.resumeAcquire(this, cancelledHere)) {
                lockHeld();
            } else {
                keep(cancellationMessage());
                reacquire(); // asyncio's loop: a cancelled acquire() is tried again
            }
        }

        private void keep(String message) {
            cancelled = true;
            cancelledMessage = message;
        }

        /** {@code await self.acquire()}: the lock at once when it is free, else a wait for it. */
        private void reacquire() {
            if (lock.tryAcquireNow()) {
                lockHeld();
                return;
            }
            forLock = true;
            waitAgain();
            lock.enqueue(this);
        }

        /** The lock is held again: raise a kept cancellation, or return, or (with a predicate) check it. */
        private void lockHeld() {
            if (cancelled) {
                notifyWaiters(1); // wait()'s except BaseException: the signal may have been meant for this one
                finishCancelled(cancelledMessage);
                return;
            }
            if (predicate == null) {
                finish(null);
                return;
            }
            boolean holds;
            try {
                holds = predicate.getAsBoolean();
            } catch (Throwable e) {
                finishFailed(e);
                return;
            }
            if (holds) {
                finish(null);
            } else {
                waitAgain();
                waitForSignal();
            }
        }

        @Override
        String kind() {
            return "Condition.waitFor";
        }
    }
}
