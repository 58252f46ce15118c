package dev.weft.it.library.iter;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.AsyncGenerator;
import dev.weft.runtime.AsyncIterator;
import dev.weft.runtime.Emitter;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Flows;
import dev.weft.runtime.Future;
import dev.weft.runtime.LoopGroup;
import dev.weft.runtime.Task;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Subscription;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Flow interop with a real reactive library, Reactor (through its JdkFlowAdapter), and with the JDK's own
 * SubmissionPublisher: a Flux read from {@code @Async} code, and a Weft generator read by Flux with its demand
 * honoured and its cancellation running the generator's finally once.
 */
@Timeout(30)
class FlowReactorInteropTest {

    private static LoopGroup loops;

    @BeforeAll
    static void startLoop() {
        loops = LoopGroup.start(1, "flow-interop-loop-");
    }

    @AfterAll
    static void stopLoop() {
        loops.close();
    }

    @Async
    static Task<List<Integer>> readAll(AsyncIterator<Integer> it) {
        List<Integer> got = new ArrayList<>();
        try {
            while (await(it.hasNext())) {
                got.add(it.next());
            }
        } finally {
            await(it.close());
        }
        return Task.completed(got);
    }

    // ------------------------------------------------------------------------------------------ Flux -> @Async

    @Test
    void aFluxOnAnotherSchedulerIsReadInAsyncCodeWithBoundedRequests() {
        List<Long> requests = new CopyOnWriteArrayList<>();
        Flux<Integer> flux = Flux.range(0, 1000).publishOn(Schedulers.parallel()).doOnRequest(requests::add);
        List<Integer> got = EventLoop.run(() -> readAll(Flows.iterate(JdkFlowAdapter.publisherToFlowPublisher(flux))));
        assertEquals(IntStream.range(0, 1000).boxed().toList(), got);
        assertEquals(16L, requests.get(0));
        assertTrue(requests.stream().skip(1).allMatch(n -> n == 8L), requests.toString());
    }

    @Async
    static Task<Throwable> readUntilItFails(AsyncIterator<Integer> it, List<Integer> got) {
        try {
            while (await(it.hasNext(), IOException.class)) {
                got.add(it.next());
            }
        } catch (IOException e) {
            return Task.completed(e);
        }
        return Task.completed(null);
    }

    @Test
    void aFluxErrorArrivesUnwrapped() {
        IOException error = new IOException("upstream broke");
        Flux<Integer> flux = Flux.concat(Flux.just(1, 2), Flux.<Integer>error(error)).subscribeOn(Schedulers.single());
        List<Integer> got = new ArrayList<>();
        Throwable caught = EventLoop.run(() -> readUntilItFails(
                Flows.iterate(JdkFlowAdapter.publisherToFlowPublisher(flux)), got));
        assertSame(error, caught);
        assertEquals(List.of(1, 2), got);
    }

    @Async
    static Task<List<Integer>> takeFirstThree(AsyncIterator<Integer> it) {
        List<Integer> got = new ArrayList<>();
        while (got.size() < 3 && await(it.hasNext())) {
            got.add(it.next());
        }
        await(it.close());
        return Task.completed(got);
    }

    @Test
    void leavingEarlyCancelsTheFlux() {
        AtomicInteger cancels = new AtomicInteger();
        Flux<Integer> endless = Flux.<Integer, Integer>generate(() -> 0, (i, sink) -> {
            sink.next(i);
            return i + 1;
        }).subscribeOn(Schedulers.parallel()).doOnCancel(cancels::incrementAndGet);
        assertEquals(List.of(0, 1, 2),
                EventLoop.run(() -> takeFirstThree(Flows.iterate(JdkFlowAdapter.publisherToFlowPublisher(endless)))));
        assertEquals(1, cancels.get());
    }

    // ------------------------------------------------------------------------------------------ @Async -> Flux

    /** The generator's body: how far it got, checked against what was requested, and its finally blocks. */
    static final class Body {
        final AtomicLong requested = new AtomicLong();
        final AtomicInteger emitted = new AtomicInteger();
        final AtomicInteger aheadOfDemand = new AtomicInteger();
        final AtomicInteger finallies = new AtomicInteger();
        final CompletableFuture<Void> ended = new CompletableFuture<>();
    }

    @Async
    static Task<Void> numbers(Emitter<Integer> out, int n, Body b) {
        try {
            for (int i = 0; i < n; i++) {
                if (b.emitted.incrementAndGet() > b.requested.get()) {
                    b.aheadOfDemand.incrementAndGet(); // the body got to an item nobody asked for yet
                }
                await(out.emit(i));
            }
        } finally {
            b.finallies.incrementAndGet();
            b.ended.complete(null);
        }
        return Task.completed(null);
    }

    /** The generator as a Flux; {@code b.requested} adds up the requests that reach the publisher. */
    static Flux<Integer> generated(int n, Body b) {
        Flow.Publisher<Integer> p = Flows.publisher(loops.loop(0), () -> AsyncGenerator.of(out -> numbers(out, n, b)));
        return JdkFlowAdapter.flowPublisherToFlux(p).doOnRequest(r -> b.requested.accumulateAndGet(r,
                (x, y) -> x + y < 0 ? Long.MAX_VALUE : x + y));
    }

    @Test
    void fluxReadsAGeneratorOneAtATime_theBodyNeverAhead() throws Exception {
        Body b = new Body();
        List<Integer> got = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        generated(50, b).subscribe(new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                s.request(1);
            }

            @Override
            protected void hookOnNext(Integer x) {
                got.add(x);
                if (b.emitted.get() != got.size()) {
                    b.aheadOfDemand.incrementAndGet(); // with one outstanding request, the body is at this item
                }
                upstream().request(1);
            }

            @Override
            protected void hookOnComplete() {
                done.complete(null);
            }

            @Override
            protected void hookOnError(Throwable e) {
                done.completeExceptionally(e);
            }
        });
        done.get(20, TimeUnit.SECONDS);
        assertEquals(IntStream.range(0, 50).boxed().toList(), got);
        assertEquals(0, b.aheadOfDemand.get());
        assertEquals(51, b.requested.get()); // one per item, and the one that found the end
        assertEquals(1, b.finallies.get());
    }

    @Test
    void fluxWithLimitRate_theBodyNeverAhead() {
        Body b = new Body();
        List<Integer> got = generated(1000, b).limitRate(10).collectList().block(Duration.ofSeconds(20));
        assertEquals(IntStream.range(0, 1000).boxed().toList(), got);
        assertEquals(0, b.aheadOfDemand.get());
        assertTrue(b.requested.get() < 1100, "limitRate(10) asks in batches: " + b.requested.get());
    }

    @Test
    void takeThreeCancelsTheGenerator_itsFinallyRunsOnce() throws Exception {
        Body b = new Body();
        List<Integer> got = generated(1_000_000, b).take(3).collectList().block(Duration.ofSeconds(20));
        assertEquals(List.of(0, 1, 2), got);
        b.ended.get(20, TimeUnit.SECONDS);
        loops.loop(0).submit(() -> CompletableFuture.completedFuture(null)).get(20, TimeUnit.SECONDS); // a turn more
        assertEquals(1, b.finallies.get());
        assertEquals(3, b.emitted.get());
        assertEquals(0, b.aheadOfDemand.get());
    }

    // ------------------------------------------------------------------------------------------ the JDK's own

    @Async
    static Task<List<Integer>> readWhileAnotherThreadSubmits(SubmissionPublisher<Integer> sp, int n) {
        AsyncIterator<Integer> it = Flows.iterate(sp, 4);
        Future<Boolean> first = it.hasNext(); // subscribes
        Thread producer = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                sp.submit(i); // blocks while the subscriber's buffer is full
            }
            sp.close();
        }, "submitter");
        producer.start();
        List<Integer> got = new ArrayList<>();
        if (await(first)) {
            got.add(it.next());
            while (await(it.hasNext())) {
                got.add(it.next());
            }
        }
        return Task.completed(got);
    }

    @Test
    void aSubmissionPublisherIsReadInAsyncCode() {
        try (SubmissionPublisher<Integer> sp = new SubmissionPublisher<>()) {
            assertEquals(IntStream.range(0, 5000).boxed().toList(),
                    EventLoop.run(() -> readWhileAnotherThreadSubmits(sp, 5000)));
        }
    }

    @Test
    void aSubmissionPublisherClosedExceptionallyFailsWithTheOriginal() {
        IllegalStateException error = new IllegalStateException("closed exceptionally");
        Throwable caught = EventLoop.run(() -> failFromSubmissionPublisher(error));
        assertSame(error, caught);
    }

    @Async
    static Task<Throwable> failFromSubmissionPublisher(IllegalStateException error) {
        SubmissionPublisher<Integer> sp = new SubmissionPublisher<>();
        AsyncIterator<Integer> it = Flows.iterate(sp);
        Future<Boolean> first = it.hasNext();
        sp.submit(7);
        sp.closeExceptionally(error);
        try {
            boolean more = await(first);
            while (more) {
                it.next();
                more = await(it.hasNext());
            }
        } catch (IllegalStateException e) {
            return Task.completed(e);
        }
        return Task.completed(null);
    }
}
