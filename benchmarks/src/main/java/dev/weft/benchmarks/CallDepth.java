package dev.weft.benchmarks;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
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
    static final int DEPTH = 10;
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
    public long completableFuture() {
        long r = EventLoop.run(() -> chainsCf(EventLoop.running(), 0, N, 0));
        return Checks.expect(r, (long) N * DEPTH);
    }

    private ExecutorService loopThread;

    @Setup(Level.Trial)
    public void startLoopThread() {
        loopThread = Executors.newSingleThreadExecutor();
    }

    @TearDown(Level.Trial)
    public void stopLoopThread() {
        loopThread.shutdownNow();
    }

    static int levelBlocking(int depth, CompletableFuture<Integer> leaf) throws Exception {
        return depth == 0 ? leaf.get() : levelBlocking(depth - 1, leaf) + 1;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long virtualThread() throws Exception {
        ExecutorService completer = loopThread;
        return Checks.expect(VirtualThreads.call(() -> {
            long sum = 0;
            for (int i = 0; i < N; i++) {
                CompletableFuture<Integer> leaf = new CompletableFuture<>();
                completer.execute(() -> leaf.complete(ZERO));
                sum += levelBlocking(DEPTH, leaf);
            }
            return sum;
        }), (long) N * DEPTH);
    }
}
