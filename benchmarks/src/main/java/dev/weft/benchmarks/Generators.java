package dev.weft.benchmarks;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.benchmarks.coroutines.KotlinWorkloads;
import dev.weft.runtime.AsyncGenerator;
import dev.weft.runtime.AsyncIterator;
import dev.weft.runtime.Emitter;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.SubmissionPublisher;
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
 * Items through an async sequence consumed on the same loop (issue #15), ns per item: a Weft {@link AsyncGenerator}
 * whose body emits 0..N-1 and whose consumer sums them, against Kotlin's {@code flow { }} collected in
 * runBlocking (emit calls the collector directly: its strongest form), and the JDK's {@link SubmissionPublisher}
 * with a same-thread executor (its strongest form: no thread hand-off) and with its default pool (its usual form).
 * The "yielding" pair suspends the producer once per item (a loop turn each), the hand-over when items wait for
 * something. Each invocation runs a whole loop (or runBlocking) for N items.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class Generators {
    static final int N = 10_000;
    static final long SUM = (long) N * (N - 1) / 2;

    @Async
    static Task<Void> range(Emitter<Integer> out, int n) {
        for (int i = 0; i < n; i++) {
            await(out.emit(i));
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> rangeYielding(Emitter<Integer> out, int n) {
        for (int i = 0; i < n; i++) {
            await(Tasks.sleep(Duration.ZERO));
            await(out.emit(i));
        }
        return Task.completed(null);
    }

    @Async
    static Task<Long> sum(AsyncIterator<Integer> it) {
        long s = 0;
        while (await(it.hasNext())) {
            s += it.next();
        }
        return Task.completed(s);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long weft() {
        return Checks.expect(EventLoop.run(() -> sum(AsyncGenerator.of(out -> range(out, N)))), SUM);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long weftYielding() {
        return Checks.expect(EventLoop.run(() -> sum(AsyncGenerator.of(out -> rangeYielding(out, N)))), SUM);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long kotlinFlow() {
        return Checks.expect(KotlinWorkloads.flowSum(N), SUM);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long kotlinFlowYielding() {
        return Checks.expect(KotlinWorkloads.flowSumYielding(N), SUM);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long submissionPublisherSameThread() {
        return Checks.expect(publish(Runnable::run), SUM);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long submissionPublisherPool() {
        return Checks.expect(publish(java.util.concurrent.ForkJoinPool.commonPool()), SUM);
    }

    private static long publish(Executor executor) {
        long[] sum = new long[1];
        java.util.concurrent.CompletableFuture<Void> done;
        try (SubmissionPublisher<Integer> p = new SubmissionPublisher<>(executor, 256)) {
            done = p.consume(x -> sum[0] += x);
            for (int i = 0; i < N; i++) {
                p.submit(i);
            }
        }
        done.join();
        return sum[0];
    }
}
