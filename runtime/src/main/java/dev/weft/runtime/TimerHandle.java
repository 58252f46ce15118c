package dev.weft.runtime;

/**
 * A callback scheduled with {@link EventLoop#callLater} or {@link EventLoop#callAt}; cancel it with
 * {@link #cancel()}. Timers run in deadline order, and timers with equal deadlines in the order they were
 * scheduled.
 */
public final class TimerHandle implements Comparable<TimerHandle> {
    final long when;
    final long sequence;
    final Runnable callback;
    private final EventLoop loop;
    private volatile boolean cancelled;
    /** Set once the loop has taken it off the heap (ran, or moved to the ready queue). */
    boolean unscheduled;

    TimerHandle(EventLoop loop, long when, long sequence, Runnable callback) {
        this.loop = loop;
        this.when = when;
        this.sequence = sequence;
        this.callback = callback;
    }

    /** The deadline, on the loop's clock ({@link EventLoop#time()}, nanoseconds). */
    public long when() {
        return when;
    }

    /**
     * Cancels the timer: its callback will not run. Cancelling twice, or after it ran, does nothing. Cancelled
     * timers are dropped from the loop's heap once they are a large share of it, so they do not pile up.
     */
    public void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        if (!unscheduled && loop.isConfinedHere()) {
            loop.timerCancelled();
        }
    }

    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public int compareTo(TimerHandle o) {
        int c = Long.compare(when - o.when, 0L); // nanoTime values: compare by difference
        return c != 0 ? c : Long.compare(sequence, o.sequence);
    }

    @Override
    public String toString() {
        return "TimerHandle[" + callback + (cancelled ? ", cancelled" : "") + "]";
    }
}
