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
 * W2: N times, create a future that is not done, have the same loop thread complete it later (a callback posted
 * to the loop's queue), await it. ns and bytes per cycle; the future and the posted callback are part of every
 * contender's cycle.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SuspendResume {
    static final int N = 1000;
    static final Integer ONE = 1;

    @Async
    static Task<Long> pingPong(int n) {
        EventLoop loop = EventLoop.running();
        long sum = 0;
        for (int i = 0; i < n; i++) {
            Future<Integer> f = new Future<>();
            loop.callSoon(() -> f.complete(ONE));
            sum += await(f);
        }
        return Task.completed(sum);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long weft() {
        long r = EventLoop.run(() -> pingPong(N));
        return Checks.expect(r, N);
    }

    /** The same loop as a hand-written CompletableFuture state machine, on the same event loop. */
    static CompletableFuture<Long> pingPongCf(EventLoop loop, int i, int n, long sum) {
        if (i == n) {
            return CompletableFuture.completedFuture(sum);
        }
        CompletableFuture<Integer> f = new CompletableFuture<>();
        loop.callSoon(() -> f.complete(ONE));
        return f.thenCompose(v -> pingPongCf(loop, i + 1, n, sum + v));
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long completableFuture() {
        long r = EventLoop.run(() -> pingPongCf(EventLoop.running(), 0, N, 0));
        return Checks.expect(r, N);
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

    /** A virtual thread parks on each future; a single platform thread (its "loop") completes them. */
    @Benchmark
    @OperationsPerInvocation(N)
    public long virtualThread() throws Exception {
        ExecutorService completer = loopThread;
        return Checks.expect(VirtualThreads.call(() -> {
            long sum = 0;
            for (int i = 0; i < N; i++) {
                CompletableFuture<Integer> f = new CompletableFuture<>();
                completer.execute(() -> f.complete(ONE));
                sum += f.get();
            }
            return sum;
        }), N);
    }
}
