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

    /** Starts a generated coroutine frame (a Task subclass): registers it and runs its first step now. */
    public static <T> Task<T> begin(Task<T> frame) {
        frame.begin();
        return frame;
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
        if (stage instanceof CompletableFuture<T> cf && cf.isDone()) {
            Future<T> f = new Future<>((EventLoop) null);
            f.follow(cf); // completes at once, on this thread
            return f;
        }
        return Future.from(stage);
    }

    /**
     * What a {@code return x} of an async method waits for before the task finishes: the future {@code x} itself,
     * a future following a {@link CompletionStage}, or a done future of {@code null}.
     */
    @SuppressWarnings("unchecked")
    public static Future<Object> returned(Object value) {
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
