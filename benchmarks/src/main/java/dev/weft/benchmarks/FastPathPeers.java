package dev.weft.benchmarks;

import dev.weft.benchmarks.coroutines.KotlinWorkloads;
import dev.weft.benchmarks.eaasync.EaWorkloads;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import kotlinx.coroutines.Deferred;
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

/** W1 ({@link FastPath}) for the peer libraries: Kotlin coroutines and EA Async. ns and bytes per await. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FastPathPeers {
    final Deferred<Integer> doneDeferred = KotlinWorkloads.completed(1);
    final CompletableFuture<Integer> doneCf = CompletableFuture.completedFuture(1);

    @Benchmark
    @OperationsPerInvocation(FastPath.N)
    public long kotlin() {
        return Checks.expect(KotlinWorkloads.fastPath(doneDeferred, FastPath.N), FastPath.N);
    }

    /** Kotlin awaiting a done CompletableFuture (kotlinx.coroutines.future.await). */
    @Benchmark
    @OperationsPerInvocation(FastPath.N)
    public long kotlinAwaitingCompletableFuture() {
        return Checks.expect(KotlinWorkloads.fastPathCompletableFuture(doneCf, FastPath.N), FastPath.N);
    }

    @Benchmark
    @OperationsPerInvocation(FastPath.N)
    public long eaAsync() {
        return Checks.expect(EaWorkloads.sumDone(doneCf, FastPath.N).join(), FastPath.N);
    }
}
