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
 * <p>{@code await(future, IOException.class)} is the same {@code await}, declared to throw the checked exception
 * it names, for a call site that catches it.
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

    /**
     * {@link #await(Future)}, declared to throw {@code X}: for a call site that catches a checked exception the
     * future may fail with. Java rejects {@code catch (IOException e)} around a call that does not declare it, and
     * {@code await(future)} declares nothing; name the exception here and the catch compiles.
     *
     * <pre>{@code
     * import static dev.weft.runtime.Await.await;
     *
     * @Async
     * static Task<String> page(HttpClient client, URI uri) {
     *     String body;
     *     try {
     *         body = await(client.sendAsync(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofString()),
     *                 IOException.class).body();
     *     } catch (IOException e) {     // a refused connection, a reset: the original exception, unwrapped
     *         body = "unreachable: " + e;
     *     }
     *     return Task.completed(body);
     * }
     * }</pre>
     *
     * The same shape works for any future: {@code try { line = await(reader.readLine(), IOException.class); }
     * catch (IOException e) { ... }}.
     *
     * <p>It behaves exactly as {@code await(future)}: the transformer rewrites both alike, and untransformed it
     * refuses on a loop thread and blocks elsewhere. {@code thrown} is for the compiler only and never read: a
     * future that fails with an exception of another type throws that exception, unwrapped, as
     * {@code await(future)} does.
     *
     * @param future what to wait for
     * @param thrown the checked exception type the call site handles, e.g. {@code IOException.class}
     * @throws X the future's exception, when it is an {@code X}
     * @throws java.util.concurrent.CancellationException as {@link #await(Future)}
     */
    public static <T, X extends Exception> T await(Future<T> future, Class<X> thrown) throws X {
        return await(future);
    }

    /**
     * {@link #await(CompletionStage)}, declared to throw {@code X}; see {@link #await(Future, Class)}:
     *
     * <pre>{@code
     * try {
     *     response = await(client.sendAsync(request, BodyHandlers.ofString()), IOException.class);
     * } catch (IOException e) {
     *     ...
     * }
     * }</pre>
     *
     * @param stage what to wait for; a {@link java.util.concurrent.CompletionException} around its exception is
     *     removed
     * @param thrown the checked exception type the call site handles; for the compiler only, never read
     * @throws X the stage's exception, when it is an {@code X}
     * @throws java.util.concurrent.CancellationException as {@link #await(Future)}
     */
    public static <T, X extends Exception> T await(CompletionStage<T> stage, Class<X> thrown) throws X {
        return await(stage);
    }

    /**
     * The error of contract item 8. Its message says why the caller was not transformed when the Java agent knows
     * (it refused the class, its options exclude it, it stopped at a bad option, it was installed too late), and
     * how to enable the transformation otherwise; it is worked out only here, when the error is thrown.
     */
    private static void refuseOnLoopThread() {
        if (EventLoop.runningOrNull() != null) {
            throw new IllegalStateException(NotTransformed.message());
        }
    }

    private static CancellationException interrupted(Object what) {
        Thread.currentThread().interrupt();
        return new CancellationException("Interrupted while blocked in await(" + what + ")");
    }
}
