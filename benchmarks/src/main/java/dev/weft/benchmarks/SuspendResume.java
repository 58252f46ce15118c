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

    @Async
    static Task<Long> pingPongAwaitingCf(int n) {
        EventLoop loop = EventLoop.running();
        long sum = 0;
        for (int i = 0; i < n; i++) {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            loop.callSoon(() -> f.complete(ONE));
            sum += await(f);
        }
        return Task.completed(sum);
    }

    /** W2 awaiting a pending {@code CompletableFuture} that a {@code callSoon} callback completes (issue #13). */
    @Benchmark
    @OperationsPerInvocation(N)
    public long weftAwaitingCompletableFuture() {
        long r = EventLoop.run(() -> pingPongAwaitingCf(N));
        return Checks.expect(r, N);
    }

    @Async
    static Task<Integer> nothing() {
        return Task.completed(1);
    }

    /** One {@code EventLoop.run} whose main is done in its first step: the loop's own cost (issue #13). */
    @Benchmark
    public long emptyRun() {
        return Checks.expect((long) EventLoop.run(() -> nothing()), 1);
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
    public long cfChain() {
        long r = EventLoop.run(() -> pingPongCf(EventLoop.running(), 0, N, 0));
        return Checks.expect(r, N);
    }

    /**
     * The hand-written CompletableFuture state machine, the practical floor for callback code: one object holds
     * the loop state and is the completion callback of every future (no lambda per step).
     */
    static final class CfStateMachine implements java.util.function.BiConsumer<Integer, Throwable> {
        final EventLoop loop;
        final int n;
        final CompletableFuture<Long> result = new CompletableFuture<>();
        int i;
        long sum;

        CfStateMachine(EventLoop loop, int n) {
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
            CompletableFuture<Integer> f = new CompletableFuture<>();
            loop.callSoon(() -> f.complete(ONE));
            f.whenComplete(this);
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
        long r = EventLoop.run(() -> new CfStateMachine(EventLoop.running(), N).start());
        return Checks.expect(r, N);
    }

    /** A virtual thread parks on each future; another virtual thread (its "loop", same carrier) completes it. */
    @Benchmark
    @OperationsPerInvocation(N)
    @Fork(value = 1, jvmArgsAppend = VirtualThreads.ONE_CARRIER)
    public long virtualThread() throws Exception {
        try (VirtualThreads.Loop loop = new VirtualThreads.Loop()) {
            return Checks.expect(VirtualThreads.call(() -> {
                long sum = 0;
                for (int i = 0; i < N; i++) {
                    CompletableFuture<Integer> f = new CompletableFuture<>();
                    loop.post(() -> f.complete(ONE));
                    sum += f.get();
                }
                return sum;
            }), N);
        }
    }
}
