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
     * What the generated entry passes as {@code sent} to the method's body to run its first step: {@code
     * body(args..., new Frame(), FIRST, null)}. The body then calls {@link #enter}, runs the code, and ends with
     * {@link #returned}; an exception it lets out reaches the entry, which hands it to {@link #firstStepThrew}. The
     * entry is a few bytes long, so the JIT inlines it into its callers, and the body has no catch-all handler:
     * an async call that completes at once costs one stack frame (contract item 11: recursion 2,000 deep on a
     * default stack).
     */
    public static final Object FIRST = new Object() {
        @Override
        public String toString() {
            return "the first step";
        }
    };

    /**
     * The first step begins: the frame is registered with its loop and becomes the current task.
     *
     * @return the task that was current before, to pass back to {@link #returned}; or {@code frame} itself when
     *     the first step must wait (see {@link #startLater})
     */
    public static Task<?> enter(Task<?> frame) {
        return frame.enterFirstStep();
    }

    /**
     * {@link #enter} returned the frame itself: the first step waits (too many are nested on this thread, contract
     * item 11). The body hands over its arguments and returns the frame; it is later resumed at label 0 with the
     * arguments as the value sent (or with the cancellation, if cancelled before it started).
     */
    public static void startLater(Task<?> frame, Object[] arguments) {
        frame.startLater(arguments);
    }

    /** The first step returned {@code result} (a value, or {@link Coroutine#SUSPENDED}). */
    public static void returned(Task<?> frame, Task<?> previous, Object result) {
        frame.leaveFirstStep(previous, result);
    }

    /**
     * The first step threw {@code exception}, before or after {@link #enter}: the task fails (or is cancelled),
     * the exception never escapes the call (contract item 4).
     *
     * @return {@code frame}, for the entry to return
     */
    public static Task<?> firstStepThrew(Task<?> frame, Throwable exception) {
        frame.failFirstStepFromEntry(exception);
        return frame;
    }

    /** What an {@code @Async} method declared to return {@code CompletableFuture}/{@code CompletionStage} returns. */
    public static <T> CompletableFuture<T> toCompletableFuture(Task<T> task) {
        return task.toCompletableFuture();
    }

    /** What {@link #valueIfDone} returns for a stage it cannot read at once. */
    public static final Object NOT_DONE = new Object() {
        @Override
        public String toString() {
            return "CoroutineSupport.NOT_DONE";
        }
    };

    /**
     * The fast path of {@code await(stage)}: the value of a {@link CompletableFuture} that finished normally, read
     * in place (one read of its result, no allocation); {@link #NOT_DONE} for anything else (pending, failed,
     * cancelled, another kind of stage, a Weft future), which then goes through {@link #toFuture}.
     */
    @SuppressWarnings("unchecked")
    public static Object valueIfDone(CompletionStage<?> stage) {
        if (stage instanceof CompletableFuture<?> cf) {
            try {
                return ((CompletableFuture<Object>) cf).getNow(NOT_DONE);
            } catch (RuntimeException e) {
                // failed or cancelled (toFuture delivers the original exception), or a subclass that does not
                // answer getNow (minimalCompletionStage's): toFuture reads it its own way
                return NOT_DONE;
            }
        }
        return NOT_DONE;
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
     * The slow path of {@code await(stage)} after {@link #valueIfDone}: what to suspend on, or a done future to read.
     * A pending {@link CompletableFuture} is returned as it is, to be awaited directly ({@link
     * Task#suspendOn(CompletionStage)}: the task is its one completion callback, no future is made); a Weft future is
     * itself; a done stage gives a done future (its failure, unwrapped, thrown by {@code result()}); any other stage
     * a future that follows it.
     */
    public static CompletionStage<?> toAwaitable(CompletionStage<?> stage) {
        if (stage instanceof Future<?> f) {
            return f;
        }
        if (stage instanceof CompletableFuture<?> c) {
            CompletableFuture<?> cf;
            try {
                cf = c.toCompletableFuture(); // itself; a minimal stage's answers through a new one
                if (!cf.isDone()) {
                    return cf;
                }
            } catch (RuntimeException e) {
                return Future.from(stage);
            }
            return Future.copyOfDone(cf);
        }
        return toFuture(stage);
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
