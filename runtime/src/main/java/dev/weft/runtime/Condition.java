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
 * <p><b>Cancellation.</b> A task cancelled in {@code waitFor} still takes the lock back before the
 * CancellationException reaches it, so its {@code finally { release(); }} is right in every case. When the
 * cancelled waiter had already been signalled, the signal is passed to the next waiter (asyncio does the same;
 * a condition variable allows such spurious wake-ups, hence the predicate loop).
 *
 * <p>Waiters are woken in the order they started waiting. A condition belongs to the event loop running on the
 * thread that first waits on it and is used on that thread only, as asyncio's are.
 */
public final class Condition {
    private final Lock lock;
    private final ArrayDeque<Waiter<Void>> waiters = new ArrayDeque<>();
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
     * Releases the lock, waits until signalled, and acquires the lock again; the returned future is done only
     * once the lock is held again, also when the wait is cancelled.
     *
     * @return a future to {@code await}
     * @throws IllegalStateException when the lock is not held
     */
    public Future<Void> waitFor() {
        requireLocked("waitFor");
        EventLoop loop = binding.check(this);
        Waiter<Void> signal = new Waiter<>(loop, waiters);
        waiters.addLast(signal);
        lock.release();
        SignalWait wait = new SignalWait(loop, signal);
        signal.addDoneCallback(s -> wait.reacquire());
        return wait;
    }

    /**
     * Waits until {@code predicate} is true: checks it now, and again after each wake-up, with the lock held.
     * The returned future fails with what the predicate throws.
     *
     * @return a future to {@code await}, done with the lock held
     * @throws IllegalStateException when the lock is not held
     */
    public Future<Void> waitFor(BooleanSupplier predicate) {
        Objects.requireNonNull(predicate, "predicate");
        requireLocked("waitFor");
        PredicateWait wait = new PredicateWait(binding.check(this), predicate);
        wait.check();
        return wait;
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
        wake(n);
    }

    /** Wakes every waiting task; the caller must hold the lock. */
    public void signalAll() {
        signal(Integer.MAX_VALUE);
    }

    private void wake(int n) {
        int woken = 0;
        Waiter<Void> w;
        while (woken < n && (w = waiters.pollFirst()) != null) {
            if (w.tryComplete(null)) {
                woken++;
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
     * One {@link #waitFor()}: waits for {@code signal}, then for the lock. A cancellation is held back until the
     * lock is taken again, then delivered (asyncio's {@code finally: await self.acquire()}).
     */
    private final class SignalWait extends Future<Void> {
        private final Waiter<Void> signal;
        private final Task<?> task = Task.current();
        private boolean cancelRequested;
        private String cancelMessage;
        private int cancellingAtDone;

        SignalWait(EventLoop loop, Waiter<Void> signal) {
            super(loop);
            this.signal = signal;
        }

        /** The signal came (or was cancelled): take the lock back, whatever happened. */
        void reacquire() {
            lock.acquire().addDoneCallback(acquired -> relocked());
        }

        private void relocked() {
            if (!cancelRequested) {
                cancellingAtDone = task == null ? 0 : task.cancelling();
                tryComplete(null);
                return;
            }
            if (!signal.isCancelled()) {
                wake(1); // signalled, then cancelled: the signal goes to someone who will use it
            }
            super.cancel(cancelMessage);
        }

        @Override
        public boolean cancel(String message) {
            if (isDone()) {
                if (!isCancelled() && Waiter.grantWillBeLost(task, this, cancellingAtDone)) {
                    cancellingAtDone = Integer.MAX_VALUE; // once
                    wake(1);
                }
                return false;
            }
            if (!cancelRequested) {
                cancelRequested = true;
                cancelMessage = message;
                signal.cancel(message); // when still waiting for a signal; relocked() finishes the cancellation
            }
            return true;
        }
    }

    /** One {@link #waitFor(BooleanSupplier)}: a {@link SignalWait} per wake-up until the predicate holds. */
    private final class PredicateWait extends Future<Void> {
        private final BooleanSupplier predicate;
        private Future<Void> current;

        PredicateWait(EventLoop loop, BooleanSupplier predicate) {
            super(loop);
            this.predicate = predicate;
        }

        /** With the lock held: done when the predicate holds, else one more wait. */
        void check() {
            if (isDone()) {
                return;
            }
            try {
                if (predicate.getAsBoolean()) {
                    tryComplete(null);
                    return;
                }
                current = waitFor();
            } catch (Throwable e) {
                tryFail(e);
                return;
            }
            current.addDoneCallback(this::woken);
        }

        private void woken(Future<Void> wait) {
            if (wait.isCancelled()) {
                super.cancel(wait.cancelMessage());
            } else if (wait.isFailed()) {
                tryFail(wait.exception());
            } else {
                check();
            }
        }

        @Override
        public boolean cancel(String message) {
            if (isDone()) {
                return false;
            }
            Future<Void> c = current;
            if (c != null && !c.isDone()) {
                return c.cancel(message); // this future is cancelled once the lock is held again
            }
            return super.cancel(message); // the lock is held now
        }
    }
}
