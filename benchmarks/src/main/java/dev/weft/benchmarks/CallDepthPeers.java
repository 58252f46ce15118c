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
 * W4 ({@link CallDepth}) for the peer libraries: Kotlin as nested suspend funs on runBlocking's event loop, EA
 * Async as nested async methods on Weft's EventLoop. ns and bytes per whole chain.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CallDepthPeers {

    @Benchmark
    @OperationsPerInvocation(CallDepth.N)
    public long kotlin() {
        return Checks.expect(KotlinWorkloads.callDepth(CallDepth.N, CallDepth.DEPTH), (long) CallDepth.N * CallDepth.DEPTH);
    }

    /** The bottom level suspends with suspendCancellableCoroutine instead of awaiting a CompletableDeferred. */
    @Benchmark
    @OperationsPerInvocation(CallDepth.N)
    public long kotlinSuspendCancellable() {
        return Checks.expect(KotlinWorkloads.callDepthContinuation(CallDepth.N, CallDepth.DEPTH),
                (long) CallDepth.N * CallDepth.DEPTH);
    }

    @Benchmark
    @OperationsPerInvocation(CallDepth.N)
    public long eaAsync() {
        long r = EventLoop.run(() -> EaWorkloads.chains(EventLoop.running()::callSoon, CallDepth.N, CallDepth.DEPTH));
        return Checks.expect(r, (long) CallDepth.N * CallDepth.DEPTH);
    }
}
