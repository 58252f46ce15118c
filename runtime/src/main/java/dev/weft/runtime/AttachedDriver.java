package dev.weft.runtime;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How a loop attached to an executor ({@link EventLoop#attachedTo}) gets its turns: it never waits; each turn is a
 * job on the executor, queued when there is work (at most one queued at a time), and a timer due later is met by a
 * shared daemon thread that queues a turn at its deadline.
 */
final class AttachedDriver extends LoopWaiter {
    /** Wakes attached loops when their next timer is due. */
    private static final ScheduledExecutorService WAKER =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "weft-timer-wakeup");
                t.setDaemon(true);
                return t;
            });

    final Executor executor;
    private final EventLoop loop;
    private final Runnable turn;
    private final Runnable queueTurn = this::queueTurn;
    private final AtomicBoolean turnQueued = new AtomicBoolean();
    /** The pending timer wake-up and its deadline. Loop thread. */
    private ScheduledFuture<?> wakeUp;
    private long wakeUpAt;

    AttachedDriver(EventLoop loop, Executor executor, Runnable turn) {
        this.loop = loop;
        this.executor = executor;
        this.turn = turn;
    }

    @Override
    void await(Inbox inbox, long timeoutNanos) {
        throw new IllegalStateException(loop + " is attached to an executor: it does not wait");
    }

    @Override
    void wake() {
        queueTurn();
    }

    /** Queues a turn on the executor unless one is queued already. Any thread. */
    void queueTurn() {
        if (!turnQueued.get() && turnQueued.compareAndSet(false, true)) {
            try {
                executor.execute(turn);
            } catch (RuntimeException rejected) {
                turnQueued.set(false);
                loop.reportError(new LoopError("the executor of " + loop + " rejected a turn", rejected, executor));
            }
        }
    }

    /** At the start of a turn: the next wake-up queues a new one. */
    void turnStarted() {
        turnQueued.set(false);
    }

    /** Arranges a turn at {@code deadline} (loop thread): one pending wake-up, moved earlier when needed. */
    void wakeUpAt(long deadline) {
        ScheduledFuture<?> pending = wakeUp;
        if (pending != null && !pending.isDone() && wakeUpAt - deadline <= 0) {
            return;
        }
        if (pending != null) {
            pending.cancel(false);
        }
        wakeUpAt = deadline;
        wakeUp = WAKER.schedule(queueTurn, Math.max(0L, deadline - loop.time()), TimeUnit.NANOSECONDS);
    }

    /** The loop closes: no timer wake-up after it. */
    void cancelWakeUp() {
        ScheduledFuture<?> pending = wakeUp;
        if (pending != null) {
            pending.cancel(false);
        }
    }
}
