package dev.weft.benchmarks;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
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

/** W1: an async method awaits an already-completed future N times, summing; ns and bytes per await. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FastPath {
    static final int N = 1000;

    final Future<Integer> done = Future.completed(1);
    final CompletableFuture<Integer> doneCf = CompletableFuture.completedFuture(1);

    @Async
    static Task<Long> sumWeft(Future<Integer> f, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += await(f);
        }
        return Task.completed(sum);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long weft() {
        return Checks.expect(sumWeft(done, N).result(), N);
    }

    @Async
    static Task<Long> sumWeftCf(CompletableFuture<Integer> f, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += await(f);
        }
        return Task.completed(sum);
    }

    /** W1 with a done {@code CompletableFuture}: read in place (issue #13), no Weft future made. */
    @Benchmark
    @OperationsPerInvocation(N)
    public long weftAwaitingCompletableFuture() {
        return Checks.expect(sumWeftCf(doneCf, N).result(), N);
    }

    /** The same loop written against CompletableFuture: check done, join, or chain when not done. */
    static CompletableFuture<Long> sumCf(CompletableFuture<Integer> f, int i, int n, long sum) {
        while (i < n) {
            if (!f.isDone()) {
                int next = i + 1;
                long s = sum;
                return f.thenCompose(v -> sumCf(f, next, n, s + v));
            }
            sum += f.join();
            i++;
        }
        return CompletableFuture.completedFuture(sum);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long completableFuture() {
        return Checks.expect(sumCf(doneCf, 0, N, 0).join(), N);
    }

    static final int VT_N = 100_000;

    /** Blocking get() of a done future inside one virtual thread; N large so the hand-off into it is amortised. */
    @Benchmark
    @OperationsPerInvocation(VT_N)
    @Fork(value = 1, jvmArgsAppend = VirtualThreads.ONE_CARRIER)
    public long virtualThread() throws Exception {
        return Checks.expect(VirtualThreads.call(() -> {
            long sum = 0;
            for (int i = 0; i < VT_N; i++) {
                sum += doneCf.get();
            }
            return sum;
        }), VT_N);
    }
}
