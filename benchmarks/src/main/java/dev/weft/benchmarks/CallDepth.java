package dev.weft.benchmarks;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * W4: an async method that calls and awaits an async method, 10 levels deep, the innermost awaiting one future
 * completed later by the loop. ns and bytes per whole chain (N chains per invocation).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CallDepth {
    static final int N = 200;
    /** Levels DEPTH down to 0: 10 async calls per chain, as issue #13's harness (level(10) down to level(1)). */
    static final int DEPTH = 9;
    static final Integer ZERO = 0;

    @Async
    static Task<Integer> level(int depth, Future<Integer> leaf) {
        if (depth == 0) {
            return Task.completed(await(leaf));
        }
        return Task.completed(await(level(depth - 1, leaf)) + 1);
    }

    @Async
    static Task<Long> chains(int n) {
        EventLoop loop = EventLoop.running();
        long sum = 0;
        for (int i = 0; i < n; i++) {
            Future<Integer> leaf = new Future<>();
            Task<Integer> top = level(DEPTH, leaf);
            loop.callSoon(() -> leaf.complete(ZERO));
            sum += await(top);
        }
        return Task.completed(sum);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long weft() {
        long r = EventLoop.run(() -> chains(N));
        return Checks.expect(r, (long) N * DEPTH);
    }

    static CompletableFuture<Integer> levelCf(int depth, CompletableFuture<Integer> leaf) {
        if (depth == 0) {
            return leaf.thenApply(v -> v);
        }
        return levelCf(depth - 1, leaf).thenApply(v -> v + 1);
    }

    static CompletableFuture<Long> chainsCf(EventLoop loop, int i, int n, long sum) {
        if (i == n) {
            return CompletableFuture.completedFuture(sum);
        }
        CompletableFuture<Integer> leaf = new CompletableFuture<>();
        CompletableFuture<Integer> top = levelCf(DEPTH, leaf);
        loop.callSoon(() -> leaf.complete(ZERO));
        return top.thenCompose(v -> chainsCf(loop, i + 1, n, sum + v));
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long cfChain() {
        long r = EventLoop.run(() -> chainsCf(EventLoop.running(), 0, N, 0));
        return Checks.expect(r, (long) N * DEPTH);
    }

    /** One level of the chain as a hand-written CompletableFuture state machine: an object, no lambda. */
    static final class CfLevel implements java.util.function.BiConsumer<Integer, Throwable> {
        final int depth;
        final CompletableFuture<Integer> result = new CompletableFuture<>();

        CfLevel(int depth) {
            this.depth = depth;
        }

        CompletableFuture<Integer> start(CompletableFuture<Integer> leaf) {
            CompletableFuture<Integer> below = depth == 0 ? leaf : new CfLevel(depth - 1).start(leaf);
            below.whenComplete(this);
            return result;
        }

        @Override
        public void accept(Integer v, Throwable error) {
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(depth == 0 ? v : v + 1);
            }
        }
    }

    /** N chains, one after the other, driven by a hand-written state machine on the event loop. */
    static final class CfChains implements java.util.function.BiConsumer<Integer, Throwable> {
        final EventLoop loop;
        final int n;
        final CompletableFuture<Long> result = new CompletableFuture<>();
        int i;
        long sum;

        CfChains(EventLoop loop, int n) {
            this.loop = loop;
            this.n = n;
        }

        CompletableFuture<Long> start() {
            next();
            return result;
        }

        private void next() {
            if (i == n) {
                result.complete(sum);
                return;
            }
            CompletableFuture<Integer> leaf = new CompletableFuture<>();
            CompletableFuture<Integer> top = new CfLevel(DEPTH).start(leaf);
            loop.callSoon(() -> leaf.complete(ZERO));
            top.whenComplete(this);
        }

        @Override
        public void accept(Integer v, Throwable error) {
            if (error != null) {
                result.completeExceptionally(error);
                return;
            }
            sum += v;
            i++;
            next();
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long cfStateMachine() {
        long r = EventLoop.run(() -> new CfChains(EventLoop.running(), N).start());
        return Checks.expect(r, (long) N * DEPTH);
    }

    static int levelBlocking(int depth, CompletableFuture<Integer> leaf) throws Exception {
        return depth == 0 ? leaf.get() : levelBlocking(depth - 1, leaf) + 1;
    }

    /** Ten nested blocking calls in a virtual thread; the leaf is completed by another virtual thread. */
    @Benchmark
    @OperationsPerInvocation(N)
    @Fork(value = 1, jvmArgsAppend = VirtualThreads.ONE_CARRIER)
    public long virtualThread() throws Exception {
        try (VirtualThreads.Loop loop = new VirtualThreads.Loop()) {
            return Checks.expect(VirtualThreads.call(() -> {
                long sum = 0;
                for (int i = 0; i < N; i++) {
                    CompletableFuture<Integer> leaf = new CompletableFuture<>();
                    loop.post(() -> leaf.complete(ZERO));
                    sum += levelBlocking(DEPTH, leaf);
                }
                return sum;
            }), (long) N * DEPTH);
        }
    }
}
