package dev.weft.benchmarks;

import dev.weft.benchmarks.coroutines.KotlinWorkloads;
import dev.weft.benchmarks.eaasync.EaWorkloads;
import dev.weft.runtime.EventLoop;
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
 * W2 ({@link SuspendResume}) for the peer libraries. Kotlin runs on runBlocking's event loop (the benchmark
 * thread, like Weft's EventLoop.run), EA Async on Weft's EventLoop. ns and bytes per cycle.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SuspendResumePeers {

    /** The future is a CompletableDeferred. */
    @Benchmark
    @OperationsPerInvocation(SuspendResume.N)
    public long kotlin() {
        return Checks.expect(KotlinWorkloads.suspendResume(SuspendResume.N), SuspendResume.N);
    }

    /** The future is the coroutine's own continuation, from suspendCancellableCoroutine. */
    @Benchmark
    @OperationsPerInvocation(SuspendResume.N)
    public long kotlinSuspendCancellable() {
        return Checks.expect(KotlinWorkloads.suspendResumeContinuation(SuspendResume.N), SuspendResume.N);
    }

    /** W2 awaiting a pending CompletableFuture with kotlinx.coroutines.future.await (issue #13's W2-CF row). */
    @Benchmark
    @OperationsPerInvocation(SuspendResume.N)
    public long kotlinAwaitingCompletableFuture() {
        return Checks.expect(KotlinWorkloads.suspendResumeCompletableFuture(SuspendResume.N), SuspendResume.N);
    }

    @Benchmark
    @OperationsPerInvocation(SuspendResume.N)
    public long eaAsync() {
        long r = EventLoop.run(() -> EaWorkloads.pingPong(EventLoop.running()::callSoon, SuspendResume.N));
        return Checks.expect(r, SuspendResume.N);
    }
}
