package dev.weft.runtime;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Futures for time: {@link #sleep(Duration)}.
 */
public final class Tasks {
    private Tasks() {
    }

    /**
     * A future that completes (with {@code null}) once {@code delay} has passed, on the loop running on this
     * thread. {@code sleep(Duration.ZERO)} yields: a task that awaits it resumes on the next turn, after the
     * callbacks already ready have run; as asyncio's {@code sleep(0)}, a bare yield, cancelling the task that waits
     * in it does not cancel this future but is delivered on that next step, so {@link Task#uncancel()} can still
     * take it back. Cancelling the future cancels its timer.
     *
     * <p>Where no loop runs, the future has no loop and a shared timer thread completes it; awaiting it there
     * blocks the caller for the delay.
     *
     * <pre>{@code
     * await(Tasks.sleep(Duration.ofMillis(10)));
     * }</pre>
     */
    public static Future<Void> sleep(Duration delay) {
        return sleep(delay, null);
    }

    /** As {@link #sleep(Duration)}, completing with {@code result}. */
    public static <T> Future<T> sleep(Duration delay, T result) {
        Objects.requireNonNull(delay, "delay");
        EventLoop loop = EventLoop.runningOrNull();
        if (loop == null) {
            Future<T> f = new Future<>((EventLoop) null);
            if (delay.isNegative() || delay.isZero()) {
                f.tryComplete(result);
            } else {
                CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS)
                        .execute(() -> f.tryComplete(result));
            }
            return f;
        }
        if (delay.isNegative() || delay.isZero()) {
            Yield<T> y = new Yield<>(loop);
            loop.callSoon(() -> y.tryComplete(result));
            return y;
        }
        Sleep<T> s = new Sleep<>(loop);
        s.timer = loop.callLater(delay, () -> s.tryComplete(result));
        return s;
    }

    /**
     * Runs blocking work on another thread and returns a future that completes with its result: on the running
     * loop's default executor (see {@link EventLoop#runInExecutor(java.util.concurrent.Callable)}), or, where no
     * loop runs, on a new daemon thread. As asyncio's {@code to_thread}, the work runs in a copy of the caller's
     * context: it sees the caller's {@link ContextVar}s, and what it sets stays in the copy
     * ({@code runInExecutor} does not copy, as {@code run_in_executor} does not):
     *
     * <pre>{@code
     * byte[] data = await(Tasks.toThread(() -> Files.readAllBytes(path)));
     * }</pre>
     */
    public static <T> Future<T> toThread(java.util.concurrent.Callable<T> callable) {
        java.util.concurrent.Callable<T> work = Context.carrying(Objects.requireNonNull(callable, "work"));
        EventLoop loop = EventLoop.runningOrNull();
        if (loop != null) {
            return loop.runInExecutor(work);
        }
        Future<T> f = new Future<>((EventLoop) null);
        Thread t = new Thread(() -> {
            try {
                f.tryComplete(work.call());
            } catch (Throwable e) {
                f.tryFail(e);
            }
        }, "weft-to-thread");
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** A sleep on a loop: cancelling it cancels its timer, so cancelled sleeps leave nothing behind. */
    static final class Sleep<T> extends Future<T> {
        TimerHandle timer;

        Sleep(EventLoop loop) {
            super(loop);
        }

        @Override
        public boolean cancel(String message) {
            boolean cancelled = super.cancel(message);
            if (cancelled && timer != null && loop.isConfinedHere()) {
                timer.cancel();
            }
            return cancelled;
        }
    }

    /**
     * {@code sleep(ZERO)}: a task awaiting it is rescheduled directly, one turn later, as asyncio's bare
     * {@code yield} in {@code sleep(0)}; the future itself completes on that turn for anyone else. As that yield
     * has no future, a task suspended here does not cancel this one when it is cancelled (see {@code Task}).
     */
    static final class Yield<T> extends Future<T> {
        Yield(EventLoop loop) {
            super(loop);
        }
    }
    /**
     * Makes the call's task start on a later turn instead of at once (asyncio's {@code create_task} without the
     * eager task factory): returns a pending task now; on its first step, queued behind the callbacks already
     * ready, it calls {@code call} (usually an {@code @Async} method, whose own first step then runs) and finishes
     * as what that returned does. Cancelled before its first step, the call is never made. Weft starts tasks
     * eagerly by default (contract item 2); use this where the asyncio order of "created, then started" matters.
     *
     * <pre>{@code
     * Task<Page> t = Tasks.startSoon(() -> fetch(url));   // fetch has not run yet
     * }</pre>
     *
     * @throws IllegalStateException when no loop runs on this thread
     */
    public static <T> Task<T> startSoon(java.util.function.Supplier<? extends Future<T>> call) {
        EventLoop loop = EventLoop.running();
        Task.LaterTask<T> task = new Task.LaterTask<>(call);
        task.startOn(loop);
        return task;
    }

    /**
     * Calls {@code call} with {@code name} given to the first task made in it (the {@code @Async} method's own,
     * before its first step, so debug reports of that step already carry it), as asyncio's {@code
     * create_task(coro, name=...)}; returns that task. When the call made no task (it returned one made before),
     * the returned task is named.
     *
     * <pre>{@code
     * Task<Page> t = Tasks.named("fetch " + url, () -> fetch(url));
     * }</pre>
     */
    public static <T> Task<T> named(String name, java.util.function.Supplier<? extends Task<T>> call) {
        Objects.requireNonNull(name, "name");
        EventLoop loop = EventLoop.runningOrNull();
        Task<T> task;
        if (loop != null) {
            loop.nextTaskName = name;
            try {
                task = call.get();
            } finally {
                loop.nextTaskName = null; // not taken: no task was made in the call
            }
        } else {
            task = call.get();
        }
        if (task != null && TaskNames.given(task) == null) {
            task.setName(name);
        }
        return task;
    }
}
