package dev.weft.runtime;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One call handed to a loop by {@link EventLoop#submit}, as asyncio's {@code run_coroutine_threadsafe}: a
 * callback of the loop (the {@link Runnable}) that starts a task (the {@link Coroutine}) which calls the supplier
 * and awaits what it returns, and the {@link CompletableFuture} chained to that task both ways (asyncio's
 * {@code _chain_future}).
 */
final class Submission<T> implements Runnable, Coroutine<T> {
    /** What {@link EventLoop#submit} returns. */
    final CompletableFuture<T> result;
    private final EventLoop loop;
    private Supplier<? extends CompletionStage<T>> call;
    private final String description;
    /** The task, once the loop has started it; read by other threads cancelling {@link #result}. */
    private volatile Task<T> task;
    private final AtomicBoolean cancelPassed = new AtomicBoolean();
    private boolean called;

    Submission(EventLoop loop, Supplier<? extends CompletionStage<T>> call) {
        this.loop = loop;
        this.result = new LoopCompletableFuture<>(loop); // awaited on its own loop, it holds no virtual clock
        this.call = Objects.requireNonNull(call, "call");
        this.description = "EventLoop.submit(" + call + ")";
        result.whenComplete((value, error) -> {
            loop.submissionDone(this);
            if (result.isCancelled()) {
                passCancel();
            }
        });
    }

    /** On the loop thread: starts the task, unless the CompletableFuture was cancelled (or failed) first. */
    @Override
    public void run() {
        if (result.isDone()) {
            return; // cancelled before it ran: the call is never made
        }
        Task.CoroutineTask<T> t = new Task.CoroutineTask<>(this);
        task = t;
        t.begin();
        t.addCallback((Consumer<Future<?>>) done -> t.passOutcomeTo(result));
        if (result.isCancelled()) {
            passCancel(); // cancelled while the first step ran, from another thread
        }
    }

    /** Cancelling the CompletableFuture cancels the task, once. */
    private void passCancel() {
        Task<T> t = task;
        if (t != null && cancelPassed.compareAndSet(false, true)) {
            try {
                t.cancel();
            } catch (IllegalStateException loopClosed) {
                // nothing left to cancel
            }
        }
    }

    /** The loop closed with this call not run, or its task still pending: nobody would complete the future. */
    void loopClosed() {
        result.completeExceptionally(new IllegalStateException(task == null
                ? loop + " was closed before the call submitted to it ran"
                : loop + " was closed while the task of a call submitted to it was pending: " + task));
    }

    /** The task's coroutine: calls the supplier on the loop thread, then awaits what it returned. */
    @Override
    public Object step(Task<T> task, Object sent, Throwable thrown) throws Throwable {
        if (thrown != null) {
            throw thrown;
        }
        if (called) {
            return sent;
        }
        called = true;
        Supplier<? extends CompletionStage<T>> c = call;
        call = null;
        Object returned = c.get();
        Future<?> f = returned instanceof CompletionStage<?> stage ? Future.from(stage) : null;
        if (f == null) {
            return returned; // a plain value, as EventLoop.run takes one
        }
        return f.isDone() ? f.result() : task.suspendOn(f);
    }

    @Override
    public String toString() {
        return description;
    }
}
