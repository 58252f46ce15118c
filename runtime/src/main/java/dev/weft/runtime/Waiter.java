package dev.weft.runtime;

import java.util.Collection;

/**
 * The future a synchronisation primitive hands to one waiting task ({@link Lock}, {@link Semaphore},
 * {@link Queue}, {@link Event}): what the primitive grants (the lock, a permit, an item) reaches the task as this
 * future's value.
 *
 * <p>Why a subclass: asyncio's primitives catch {@code CancelledError} around their own {@code await} and pass on
 * a grant that arrived just before the cancellation. Here the waiting is done by the user's {@code await}, so the
 * primitive learns of it through {@link #cancel}: a task cancelled while suspended on a future calls that
 * future's {@code cancel} first, and when the future is already done (granted, the task not yet resumed) the task
 * will get a CancellationException instead of the value. This class sees that call and gives the grant back, so a
 * cancelled waiter never keeps a lock, a permit or an item it will never see.
 *
 * @param <T> what is granted
 */
final class Waiter<T> extends Future<T> {
    /** The task that created this waiter (and, as {@code await(x.acquire())} is written, awaits it), or null. */
    private final Task<?> task;
    /** Where the primitive keeps its pending waiters; a waiter cancelled while pending leaves it at once. */
    private final Collection<? super Waiter<T>> queue;
    /** What the primitive grants this waiter when the value does not depend on the moment (a Lock's guard). */
    T preset;
    /** Set once granted, until the grant is given back or the task has taken it. */
    private Runnable giveBack;
    /** The task's cancellation requests when granted: one more means the task's own cancel() came after. */
    private int cancellingAtGrant;

    Waiter(EventLoop loop, Collection<? super Waiter<T>> queue) {
        super(loop);
        this.queue = queue;
        this.task = Task.current();
    }

    /**
     * Completes the waiter with {@code value}.
     *
     * @param giveBack what to do with the grant if the waiting task turns out to be cancelled before it resumes
     * @return false when the waiter was already done (cancelled): the caller offers the grant to the next one
     */
    boolean grant(T value, Runnable giveBack) {
        if (!tryComplete(value)) {
            return false;
        }
        this.giveBack = giveBack;
        this.cancellingAtGrant = task == null ? 0 : task.cancelling();
        return true;
    }

    @Override
    public boolean cancel(String message) {
        if (super.cancel(message)) {
            if (loop == null || EventLoop.runningOrNull() == loop) {
                queue.remove(this); // else it is skipped when its turn comes
            }
            return true;
        }
        Runnable g = giveBack;
        if (g != null && grantWillBeLost(task, this, cancellingAtGrant)) {
            giveBack = null;
            g.run();
        }
        return false;
    }

    /**
     * True when {@code task}, suspended on the done future {@code granted}, has just been asked to cancel (its
     * request count grew since the grant): its next step throws a CancellationException instead of the value.
     */
    static boolean grantWillBeLost(Task<?> task, Future<?> granted, int cancellingAtGrant) {
        return task != null && !task.isDone() && task.awaiting() == granted
                && task.cancelling() > cancellingAtGrant;
    }
}
