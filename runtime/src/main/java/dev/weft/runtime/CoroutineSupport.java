package dev.weft.runtime;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Entry points for the code the transformer generates; not meant to be called by hand. Their names and
 * descriptors are part of the contract between the transformer and the runtime, so generated classes keep
 * working with any runtime of the same major version.
 */
public final class CoroutineSupport {
    private CoroutineSupport() {
    }

    /**
     * The first step, run by the generated entry method itself:
     * {@code prev = enter(frame); try { r = body(frame, null, null); } catch (Throwable e) { threw(frame, prev, e); }
     * returned(frame, prev, r);}, where the body is the entry's own copy of the method's code. An async call
     * that completes at once so costs one stack frame (contract item 11: recursion 2,000 deep on a default stack).
     *
     * @return the task that was current before, to pass back
     */
    public static Task<?> enter(Task<?> frame) {
        return frame.enterFirstStep();
    }

    /** The first step returned {@code result} (a value, or {@link Coroutine#SUSPENDED}). */
    public static void returned(Task<?> frame, Task<?> previous, Object result) {
        frame.leaveFirstStep(previous, result);
    }

    /** The first step threw. */
    public static void threw(Task<?> frame, Task<?> previous, Throwable exception) {
        frame.failFirstStep(previous, exception);
    }

    /** What an {@code @Async} method declared to return {@code CompletableFuture}/{@code CompletionStage} returns. */
    public static <T> CompletableFuture<T> toCompletableFuture(Task<T> task) {
        return task.toCompletableFuture();
    }

    /**
     * The future to await for {@code await(stage)}: a done {@link CompletableFuture} gives a done future (so the
     * await does not suspend), anything else a future that follows the stage.
     */
    public static <T> Future<T> toFuture(CompletionStage<T> stage) {
        if (stage instanceof Future<T> f) {
            return f;
        }
        CompletableFuture<T> cf = Future.doneView(stage);
        return cf != null ? Future.copyOfDone(cf) : Future.from(stage);
    }

    /**
     * What a {@code return x} of an async method waits for before the task finishes: the future {@code x} itself,
     * a future following a {@link CompletionStage}, or a done future of {@code null}.
     */
    @SuppressWarnings("unchecked")
    public static Future<Object> awaitableReturn(Object value) {
        if (value == null) {
            return Future.completed(null);
        }
        if (value instanceof Future<?> f) {
            return (Future<Object>) f;
        }
        if (value instanceof CompletionStage<?> stage) {
            return toFuture((CompletionStage<Object>) stage);
        }
        throw new IllegalStateException("an @Async method returned " + value.getClass().getName()
                + ", which is not a Task, CompletableFuture or CompletionStage");
    }
}
