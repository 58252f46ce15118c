package dev.weft.runtime;

/**
 * A callback scheduled with {@link EventLoop#callSoonCancellable}, asyncio's {@code Handle}: {@link #cancel()} keeps
 * it from running if it has not run yet. Plain {@link EventLoop#callSoon(Runnable)} returns nothing and allocates
 * no handle; ask for one only when the callback may have to be taken back.
 */
public final class Handle implements Runnable {
    private final Runnable callback;
    private volatile boolean cancelled;

    Handle(Runnable callback) {
        this.callback = callback;
    }

    /** Keeps the callback from running; after it ran, or a second time, does nothing. Any thread. */
    public void cancel() {
        cancelled = true;
    }

    /** True once {@link #cancel()} was called. */
    public boolean isCancelled() {
        return cancelled;
    }

    /** Runs the callback unless cancelled: what the loop calls. */
    @Override
    public void run() {
        if (!cancelled) {
            callback.run();
        }
    }

    @Override
    public String toString() {
        return "Handle[" + callback + (cancelled ? ", cancelled" : "") + "]";
    }
}
