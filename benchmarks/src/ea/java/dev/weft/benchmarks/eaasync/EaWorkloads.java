package dev.weft.benchmarks.eaasync;

import static com.ea.async.Async.await;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The EA Async contender: issue #5's workloads with the same logic as the Java contenders, as methods returning
 * CompletableFuture that call {@code Async.await}. Compiled for Java 11 (EA's transformer reads class files only
 * up to Java 13) and rewritten at build time by its transformer (see the pom); the JMH classes
 * ({@code dev.weft.benchmarks.*Peers}) call them and check the results. The loop is passed as an Executor (Weft's
 * {@code EventLoop::callSoon}), which keeps the Java 17 runtime's types out of EA's frame analysis.
 */
public final class EaWorkloads {
    private static final Integer ONE = 1;
    private static final Integer ZERO = 0;

    private EaWorkloads() {
    }

    /** W1: awaits an already-completed future n times, summing. */
    public static CompletableFuture<Long> sumDone(CompletableFuture<Integer> done, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += await(done);
        }
        return CompletableFuture.completedFuture(sum);
    }

    /** W2: n times, a future that is not done, completed by a callback posted to the loop, awaited. */
    public static CompletableFuture<Long> pingPong(Executor loop, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            loop.execute(() -> f.complete(ONE));
            sum += await(f);
        }
        return CompletableFuture.completedFuture(sum);
    }

    static CompletableFuture<Integer> level(int depth, CompletableFuture<Integer> leaf) {
        if (depth == 0) {
            return CompletableFuture.completedFuture(await(leaf));
        }
        return CompletableFuture.completedFuture(await(level(depth - 1, leaf)) + 1);
    }

    /** W4: n chains of async methods depth levels deep, the innermost awaiting a future the loop completes. */
    public static CompletableFuture<Long> chains(Executor loop, int n, int depth) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            CompletableFuture<Integer> leaf = new CompletableFuture<>();
            CompletableFuture<Integer> top = level(depth, leaf);
            loop.execute(() -> leaf.complete(ZERO));
            sum += await(top);
        }
        return CompletableFuture.completedFuture(sum);
    }

    /** W3's task: suspends on its own future, then adds one. */
    public static CompletableFuture<Integer> waiter(CompletableFuture<Integer> f) {
        return CompletableFuture.completedFuture(await(f) + 1);
    }
}
