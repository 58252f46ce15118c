package dev.weft.it.library.iter;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.AsyncGenerator;
import dev.weft.runtime.Emitter;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Flows;
import dev.weft.runtime.Future;
import dev.weft.runtime.LoopError;
import dev.weft.runtime.LoopGroup;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Flows#publisher}: an {@code @Async} generator served to a Flow.Subscriber. Demand bounds the body, the
 * rules on request(n <= 0), null items, a throwing subscriber, failures, subscribing from other threads and a
 * closed loop, and an unbounded demand that still lets the loop's other work run.
 */
@Timeout(20)
class FlowPublisherTest {

    /** What the body did: how many items it got to (before each emit), and how often its finally ran. */
    static final class Progress {
        final AtomicInteger emitted = new AtomicInteger();
        final AtomicInteger finallies = new AtomicInteger();
        final CompletableFuture<Void> ended = new CompletableFuture<>();
    }

    /** Emits 0 .. n - 1, waiting a turn of the loop before each when {@code slow}; Long.MAX_VALUE: no end. */
    @Async
    static Task<Void> numbers(Emitter<Integer> out, long n, boolean slow, Progress p) {
        try {
            for (int i = 0; i < n; i++) {
                if (slow) {
                    await(Tasks.sleep(Duration.ZERO));
                }
                p.emitted.incrementAndGet();
                await(out.emit(i));
            }
        } finally {
            p.finallies.incrementAndGet();
            p.ended.complete(null);
        }
        return Task.completed(null);
    }

    static Flow.Publisher<Integer> numbers(EventLoop loop, long n, boolean slow, Progress p) {
        return Flows.publisher(loop, () -> AsyncGenerator.of(out -> numbers(out, n, slow, p)));
    }

    /** Waits on the loop until {@code f} is done: a test step, not a timing. */
    @Async
    static Task<Void> until(CompletableFuture<?> f) {
        await(f);
        return Task.completed(null);
    }

    @Async
    static Task<String> demandBoundsTheBody(boolean slow) {
        Progress p = new Progress();
        FlowRecorder<Integer> r = new FlowRecorder<>();
        CompletableFuture<Void> two = new CompletableFuture<>();
        CompletableFuture<Void> five = new CompletableFuture<>();
        r.onItem = n -> {
            if (n == 2) {
                two.complete(null);
            } else if (n == 5) {
                five.complete(null);
            }
        };
        numbers(EventLoop.running(), 10, slow, p).subscribe(r); // on the loop thread: onSubscribe before it returns
        StringBuilder trace = new StringBuilder("emitted " + p.emitted + " before any request");
        r.subscription().request(2);
        await(until(two));
        for (int i = 0; i < 5; i++) {
            await(Tasks.sleep(Duration.ZERO)); // give the body every chance to run ahead
        }
        trace.append(", ").append(p.emitted).append(" after request(2)");
        r.subscription().request(3);
        await(until(five));
        for (int i = 0; i < 5; i++) {
            await(Tasks.sleep(Duration.ZERO));
        }
        trace.append(", ").append(p.emitted).append(" after request(3)");
        r.subscription().cancel();
        await(until(p.ended));
        trace.append(", finally ").append(p.finallies).append(", ").append(r.signals());
        return Task.completed(trace.toString());
    }

    @Test
    void theBodyNeverRunsAheadOfTheDemand() {
        String expected = "emitted 0 before any request, 2 after request(2), 5 after request(3), finally 1, "
                + "[subscribe, next 0, next 1, next 2, next 3, next 4]";
        assertEquals(expected, EventLoop.run(() -> demandBoundsTheBody(false)));
        assertEquals(expected, EventLoop.run(() -> demandBoundsTheBody(true)));
    }

    @Async
    static Task<String> requestZero() {
        Progress p = new Progress();
        FlowRecorder<Integer> r = new FlowRecorder<>();
        numbers(EventLoop.running(), 10, true, p).subscribe(r);
        r.subscription().request(1);
        r.subscription().request(0);
        Throwable e = await(r.terminated());
        await(until(p.ended));
        r.subscription().request(1); // after the end: nothing (rule 3.6)
        await(Tasks.sleep(Duration.ZERO));
        return Task.completed(r.signals() + ", " + e.getMessage().contains("rule 3.9") + ", finally " + p.finallies);
    }

    @Test
    void requestZeroSignalsIllegalArgumentExceptionAndClosesTheBody() {
        assertEquals("[subscribe, error IllegalArgumentException], true, finally 1",
                EventLoop.run(FlowPublisherTest::requestZero));
    }

    @Async
    static Task<Void> nullAfterOne(Emitter<String> out, Progress p) {
        try {
            await(out.emit("one"));
            await(out.emit(null));
            await(out.emit("never"));
        } finally {
            p.finallies.incrementAndGet();
        }
        return Task.completed(null);
    }

    @Test
    void aNullItemSignalsNullPointerExceptionAndClosesTheBody() {
        Progress p = new Progress();
        FlowRecorder<String> r = new FlowRecorder<>();
        EventLoop.run(() -> {
            Flows.<String>publisher(() -> AsyncGenerator.of(out -> nullAfterOne(out, p))).subscribe(r);
            r.subscription().request(5);
            return r.terminated();
        });
        assertEquals(List.of("subscribe", "next one", "error NullPointerException"), r.signals());
        assertEquals(1, p.finallies.get());
    }

    static final class Thrown extends RuntimeException {
        Thrown() {
            super("the subscriber broke");
        }
    }

    @Test
    void aThrowingOnNextCancelsAndGoesToTheLoopsExceptionHandler() {
        Progress p = new Progress();
        FlowRecorder<Integer> r = new FlowRecorder<>();
        Thrown thrown = new Thrown();
        List<LoopError> reported = new ArrayList<>();
        r.onItem = n -> {
            if (n == 2) {
                throw thrown;
            }
        };
        EventLoop.run(() -> {
            EventLoop.running().setExceptionHandler((loop, error) -> reported.add(error));
            numbers(EventLoop.running(), 10, false, p).subscribe(r);
            r.subscription().request(10);
            return until(p.ended);
        });
        assertEquals(List.of("subscribe", "next 0", "next 1"), r.signals()); // nothing after, not even onError
        assertEquals(1, p.finallies.get());
        assertEquals(1, reported.size());
        assertSame(thrown, reported.get(0).exception());
        assertTrue(reported.get(0).message().contains("rule 2.13"), reported.get(0).message());
    }

    static final class Broken extends Exception {
        Broken() {
            super("the body broke");
        }
    }

    @Async
    static Task<Void> failsAfterOne(Emitter<Integer> out, Broken e) throws Broken {
        await(out.emit(1));
        await(Tasks.sleep(Duration.ZERO));
        throw e;
    }

    @Test
    void theBodysFailureArrivesUnwrapped() {
        Broken broken = new Broken();
        FlowRecorder<Integer> r = new FlowRecorder<>();
        Throwable e = EventLoop.run(() -> {
            Flows.<Integer>publisher(() -> AsyncGenerator.of(out -> failsAfterOne(out, broken))).subscribe(r);
            r.subscription().request(Long.MAX_VALUE);
            return r.terminated();
        });
        assertSame(broken, e);
        assertEquals(List.of("subscribe", "next 1", "error Broken"), r.signals());
    }

    @Test
    void subscribeRequestAndCancelFromOtherThreads_signalsOnTheLoopThread() throws Exception {
        Progress p = new Progress();
        try (LoopGroup loops = LoopGroup.start(1, "flow-publisher-loop-")) {
            FlowRecorder<Integer> r = new FlowRecorder<>();
            CompletableFuture<Void> three = new CompletableFuture<>();
            r.onItem = n -> {
                if (n == 3) {
                    three.complete(null);
                }
            };
            numbers(loops.loop(0), Long.MAX_VALUE, true, p).subscribe(r);
            Flow.Subscription s = r.subscribed().get(10, TimeUnit.SECONDS);
            Thread[] requesters = new Thread[3];
            for (int i = 0; i < requesters.length; i++) {
                requesters[i] = new Thread(() -> s.request(1), "requester-" + i);
                requesters[i].start();
            }
            for (Thread t : requesters) {
                t.join();
            }
            three.get(10, TimeUnit.SECONDS);
            Thread canceller = new Thread(s::cancel, "canceller");
            canceller.start();
            canceller.join();
            p.ended.get(10, TimeUnit.SECONDS);
            assertEquals(List.of("subscribe", "next 0", "next 1", "next 2"), r.signals());
            assertEquals(Set.of("flow-publisher-loop-0"), r.threads().stream().collect(Collectors.toSet()));
            assertEquals(3, p.emitted.get());
            assertEquals(1, p.finallies.get());
        }
    }

    @Test
    void aSubscribeAfterTheLoopClosedGetsOnSubscribeThenOnError() throws Exception {
        LoopGroup loops = LoopGroup.start(1);
        EventLoop loop = loops.loop(0);
        loops.close();
        FlowRecorder<Integer> r = new FlowRecorder<>();
        Progress p = new Progress();
        numbers(loop, 3, false, p).subscribe(r);
        assertEquals(List.of("subscribe", "error IllegalStateException"), r.signals());
        assertInstanceOf(IllegalStateException.class, r.terminated().get(1, TimeUnit.SECONDS));
        assertEquals(0, p.emitted.get());
    }

    /** Emits one item, then waits for {@code never} (nothing completes it) before the second. */
    @Async
    static Task<Void> oneThenWait(Emitter<Integer> out, Future<Void> never, Progress p) {
        try {
            await(out.emit(1));
            p.emitted.incrementAndGet();
            await(never);
            await(out.emit(2));
        } finally {
            p.finallies.incrementAndGet();
            p.ended.complete(null);
        }
        return Task.completed(null);
    }

    @Async
    static Task<String> cancelWhileTheBodyWaits() {
        Progress p = new Progress();
        Future<Void> never = new Future<>();
        FlowRecorder<Integer> r = new FlowRecorder<>();
        Flows.<Integer>publisher(() -> AsyncGenerator.of(out -> oneThenWait(out, never, p))).subscribe(r);
        r.subscription().request(5); // item 1 at once, then the body waits inside the second hasNext()
        String before = "waiting " + p.emitted + ", finally " + p.finallies;
        r.subscription().cancel();
        await(until(p.ended));
        await(Tasks.sleep(Duration.ZERO));
        return Task.completed(before + "; after cancel: finally " + p.finallies + ", " + r.signals()
                + ", the wait cancelled " + never.isCancelled());
    }

    @Test
    void cancelWhileTheBodyWaitsForAnItemRunsItsFinallyOnce() {
        assertEquals("waiting 1, finally 0; after cancel: finally 1, [subscribe, next 1], the wait cancelled true",
                EventLoop.run(FlowPublisherTest::cancelWhileTheBodyWaits));
    }

    @Async
    static Task<Void> countTurns(AtomicInteger turns, CompletableFuture<Void> stop) {
        while (!stop.isDone()) {
            turns.incrementAndGet();
            await(Tasks.sleep(Duration.ZERO));
        }
        return Task.completed(null);
    }

    @Async
    static Task<String> unboundedDemand() {
        Progress p = new Progress();
        AtomicInteger turns = new AtomicInteger();
        CompletableFuture<Void> stop = new CompletableFuture<>();
        Task<Void> other = countTurns(turns, stop); // one turn now, then one per turn of the loop
        FlowRecorder<Integer> r = new FlowRecorder<>();
        List<Integer> turnsAt = new ArrayList<>();
        r.onItem = n -> {
            if (n % 1000 == 0) {
                turnsAt.add(turns.get());
            }
            if (n == 3000) {
                r.subscription().cancel();
                stop.complete(null);
            }
        };
        numbers(EventLoop.running(), Long.MAX_VALUE, false, p).subscribe(r);
        r.subscription().request(Long.MAX_VALUE);
        await(other);
        await(until(p.ended));
        // the body never waits, yet the other task ran between the items: a turn per 256 items
        boolean yielded = turnsAt.size() == 3 && turnsAt.get(0) > 1 && turnsAt.get(1) > turnsAt.get(0)
                && turnsAt.get(2) > turnsAt.get(1);
        return Task.completed("yielded " + yielded + " " + turnsAt + ", emitted " + p.emitted + ", finally "
                + p.finallies);
    }

    @Test
    void anUnboundedDemandLetsTheLoopsOtherWorkRun() {
        String s = EventLoop.run(FlowPublisherTest::unboundedDemand);
        assertTrue(s.startsWith("yielded true"), s);
        assertTrue(s.endsWith(", emitted 3000, finally 1"), s);
    }
}
