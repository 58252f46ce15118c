package dev.weft.runtime;

/**
 * The loop a synchronisation primitive belongs to: the one running on the thread that first waits on it, as
 * asyncio's {@code _LoopBoundMixin}. Once bound, waiting from another thread is an error, since the primitive's
 * state is confined to its loop's thread.
 */
final class LoopBinding {
    private EventLoop loop;

    /** The loop to own a new waiter: the one running here, after checking it is the primitive's. */
    EventLoop check(Object primitive) {
        EventLoop here = EventLoop.runningOrNull();
        if (loop == null) {
            loop = here;
        } else if (here != loop) {
            throw new IllegalStateException(primitive + " belongs to the event loop of another thread;"
                    + " a synchronisation primitive is used on its loop's thread only");
        }
        return here;
    }
}
