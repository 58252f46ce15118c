package dev.weft.runtime;

import java.util.Collection;

/**
 * The future an {@link Event} or a {@link Queue#join()} hands to one waiting task: done when the event is set, or
 * the queue's work is done. Nothing is claimed when it resumes (as asyncio's {@code Event.wait()} claims nothing),
 * so it is a plain future; cancelled while pending, it leaves its primitive's list at once. The primitives whose
 * waiters claim something when they run are {@link PrimitiveWait}s.
 *
 * @param <T> the result type
 */
final class Waiter<T> extends Future<T> {
    /** Where the primitive keeps its pending waiters. */
    private final Collection<? super Waiter<T>> queue;

    Waiter(EventLoop loop, Collection<? super Waiter<T>> queue) {
        super(loop);
        this.queue = queue;
    }

    @Override
    public boolean cancel(String message) {
        if (super.cancel(message)) {
            if (loop == null || EventLoop.runningOrNull() == loop) {
                queue.remove(this); // else it is skipped when its turn comes
            }
            return true;
        }
        return false;
    }
}
