package dev.weft.runtime;

import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;

/**
 * {@code await}: the suspension point of an {@code @Async} method.
 *
 * <pre>{@code
 * import static dev.weft.runtime.Await.await;
 *
 * @Async
 * static Task<String> greet(CompletableFuture<String> name) {
 *     return Task.completed("hello " + await(name));
 * }
 * }</pre>
 *
 * <p>In a transformed method (built with {@code dev.weft:async-maven-plugin}, or loaded under
 * {@code -javaagent:async-agent.jar}) the transformer replaces each call: a future that is done gives its
 * result at once, one that is not suspends the method until it is. The methods below are what runs when the
 * code was <em>not</em> transformed (contract item 8): on an event loop thread they throw an
 * IllegalStateException that says how to enable the transformation; elsewhere they block until the future is
 * done, then return its value or throw its exception (the original one, unwrapped), the correct, slow
 * fallback.
 */
public final class Await {
    private Await() {
    }

    /**
     * The result of {@code future}, suspending until it is done.
     *
     * @throws java.util.concurrent.CancellationException when the future was cancelled (or, in the blocking
     *     fallback, when the waiting thread is interrupted; its interrupt flag is then set again)
     * @throws Throwable (unchecked at the call site) the future's exception, unwrapped
     */
    public static <T> T await(Future<T> future) {
        Objects.requireNonNull(future, "future");
        refuseOnLoopThread();
        try {
            return future.join();
        } catch (InterruptedException e) {
            throw interrupted(future);
        }
    }

    /**
     * The result of {@code stage}, suspending until it is done; a {@link java.util.concurrent.CompletionException}
     * around its exception is removed.
     *
     * @throws java.util.concurrent.CancellationException as {@link #await(Future)}
     * @throws Throwable (unchecked at the call site) the stage's exception, unwrapped
     */
    public static <T> T await(CompletionStage<T> stage) {
        Objects.requireNonNull(stage, "stage");
        refuseOnLoopThread();
        Future<T> future = new Future<>((EventLoop) null);
        future.follow(stage);
        try {
            return future.join();
        } catch (InterruptedException e) {
            throw interrupted(stage);
        }
    }

    private static void refuseOnLoopThread() {
        if (EventLoop.runningOrNull() != null) {
            throw new IllegalStateException(
                    "await(...) was called on the event loop thread '" + Thread.currentThread().getName()
                    + "' from code that was not transformed, so it cannot suspend (and blocking would stop the loop). "
                    + "Mark the calling method @Async (or make it an async lambda) and enable Weft: add the "
                    + "dev.weft:async-maven-plugin to the build (goals instrument and instrument-test), or start the "
                    + "JVM with -javaagent:async-agent.jar.");
        }
    }

    private static CancellationException interrupted(Object what) {
        Thread.currentThread().interrupt();
        return new CancellationException("Interrupted while blocked in await(" + what + ")");
    }
}
