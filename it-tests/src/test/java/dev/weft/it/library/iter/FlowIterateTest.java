package dev.weft.it.library.iter;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Flows#iterate}: a Flow.Publisher read from {@code @Async} code. The prefetch bound, the requests it makes,
 * cancellation of a pending hasNext(), errors unwrapped, signals from other threads, and the section 2 rules the
 * TCK does not reach.
 */
@Timeout(20)
class FlowIterateTest {

    /** Reads to the end; at each next(), checks that items sent and not taken are within {@code prefetch}. */
    @Async
    static Task<List<Integer>> readAll(AsyncIterator<Integer> it, FlowHandPublisher p, int prefetch) {
        List<Integer> got = new ArrayList<>();
        while (await(it.hasNext())) {
            got.add(it.next());
            int ahead = p.sent() - got.size();
            if (ahead > prefetch) {
                throw new AssertionError(ahead + " items sent ahead of the consumer, prefetch " + prefetch);
            }
        }
        return Task.completed(got);
    }

    @Async
    static Task<List<Long>> takeTenWithPrefetchFour() {
        FlowHandPublisher p = FlowHandPublisher.counting(10);
        AsyncIterator<Integer> it = Flows.iterate(p, 4);
        if (p.subscribes() != 0) {
            throw new AssertionError("subscribed before the first hasNext()");
        }
        List<Integer> got = await(readAll(it, p, 4));
        if (!got.equals(IntStream.range(0, 10).boxed().toList())) {
            throw new AssertionError(got);
        }
        return Task.completed(p.requests());
    }

    @Test
    void requestsThePrefetchThenHalfOfItAsTheConsumerTakes() {
        // 4 up front; 2 more after each 2 taken; the last request comes before the end was seen, which is allowed
        assertEquals(List.of(4L, 2L, 2L, 2L, 2L, 2L), EventLoop.run(FlowIterateTest::takeTenWithPrefetchFour));
    }

    @Test
    void theDefaultPrefetchIs16() {
        assertEquals(List.of(16L, 8L), EventLoop.run(() -> {
            FlowHandPublisher p = FlowHandPublisher.counting(10);
            return readAll(Flows.iterate(p), p, 16).thenApply(items -> p.requests());
        }));
    }

    @Async
    static Task<List<Integer>> tenThousandFromAnotherThread() {
        FlowHandPublisher p = FlowHandPublisher.byHand();
        AsyncIterator<Integer> it = Flows.iterate(p, 16);
        Task<List<Integer>> reader = readAll(it, p, 16); // subscribes, requests 16, waits
        Thread producer = new Thread(() -> {
            for (int i = 0; i < 10_000; i++) {
                p.awaitDemand();
                p.send(i);
            }
            p.subscriber().onComplete();
        }, "producer");
        producer.start();
        return reader;
    }

    @Test
    void signalsFromAnotherThreadArriveInOrderWithinThePrefetch() {
        assertEquals(IntStream.range(0, 10_000).boxed().toList(),
                EventLoop.run(FlowIterateTest::tenThousandFromAnotherThread));
    }

    @Async
    static Task<Boolean> firstAnswer(AsyncIterator<Integer> it) {
        return Task.completed(await(it.hasNext()));
    }

    @Async
    static Task<String> cancelTheWaitingConsumer() {
        FlowHandPublisher p = FlowHandPublisher.byHand();
        AsyncIterator<Integer> it = Flows.iterate(p);
        Task<Boolean> consumer = firstAnswer(it); // waits: nothing is sent
        String before = "cancels " + p.cancels();
        consumer.cancel();
        String outcome;
        try {
            outcome = "answered " + await(consumer);
        } catch (CancellationException expected) {
            outcome = "cancelled";
        }
        p.subscriber().onNext(1); // late: dropped (rule 2.8)
        return Task.completed(before + ", " + outcome + ", cancels " + p.cancels() + ", requests " + p.requests()
                + ", then hasNext " + await(it.hasNext()));
    }

    @Test
    void cancellingThePendingHasNextCancelsTheSubscription() {
        assertEquals("cancels 0, cancelled, cancels 1, requests [16], then hasNext false",
                EventLoop.run(FlowIterateTest::cancelTheWaitingConsumer));
    }

    /** The exception the consumer caught, and the items before it. */
    record Failure(List<Integer> items, Throwable caught) {
    }

    @Async
    static Task<Failure> failFromAnotherThread(Throwable error) {
        FlowHandPublisher p = FlowHandPublisher.byHand();
        AsyncIterator<Integer> it = Flows.iterate(p);
        List<Integer> got = new ArrayList<>();
        Thread producer = new Thread(() -> {
            p.send(1);
            p.send(2);
            p.subscriber().onError(error);
        }, "producer");
        Throwable caught = null;
        Future<Boolean> answer = it.hasNext(); // subscribes
        producer.start();
        try {
            while (await(answer, IOException.class)) {
                got.add(it.next());
                answer = it.hasNext();
            }
        } catch (IOException e) {
            caught = e;
        }
        return Task.completed(new Failure(got, caught));
    }

    @Test
    void onErrorFailsHasNextWithTheOriginalExceptionAfterTheItems() {
        IOException error = new IOException("disk gone");
        Failure f = EventLoop.run(() -> failFromAnotherThread(error));
        assertEquals(List.of(1, 2), f.items());
        assertSame(error, f.caught());
    }

    @Async
    static Task<String> closeEarly() {
        FlowHandPublisher p = FlowHandPublisher.counting(100);
        AsyncIterator<Integer> it = Flows.iterate(p, 8);
        List<Integer> got = new ArrayList<>();
        while (got.size() < 3 && await(it.hasNext())) {
            got.add(it.next());
        }
        Future<Void> closed = it.close();
        return Task.completed(got + ", close done " + closed.isDone() + ", cancels " + p.cancels()
                + ", then hasNext " + await(it.hasNext()) + ", close again " + (it.close() == closed)
                + ", cancels " + p.cancels());
    }

    @Test
    void closeCancelsTheSubscriptionOnce() {
        assertEquals("[0, 1, 2], close done true, cancels 1, then hasNext false, close again true, cancels 1",
                EventLoop.run(FlowIterateTest::closeEarly));
    }

    @Test
    void closeBeforeTheFirstHasNextNeverSubscribes() {
        FlowHandPublisher p = FlowHandPublisher.counting(3);
        assertEquals("false, subscribes 0", EventLoop.run(() -> {
            AsyncIterator<Integer> it = Flows.iterate(p);
            it.close();
            return it.hasNext().thenApply(more -> more + ", subscribes " + p.subscribes());
        }));
    }

    @Test
    void aSecondOnSubscribeIsCancelled() {
        FlowHandPublisher p = FlowHandPublisher.byHand();
        AtomicBoolean secondCancelled = new AtomicBoolean();
        EventLoop.run(() -> {
            AsyncIterator<Integer> it = Flows.iterate(p);
            it.hasNext();
            p.subscriber().onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                    throw new AssertionError("requested from a second subscription");
                }

                @Override
                public void cancel() {
                    secondCancelled.set(true);
                }
            });
            return it.close();
        });
        assertTrue(secondCancelled.get());
        assertEquals(1, p.cancels()); // the first, by close()
    }

    @Async
    static Task<String> nullItem() {
        FlowHandPublisher p = FlowHandPublisher.byHand();
        AsyncIterator<Integer> it = Flows.iterate(p);
        Task<Boolean> answer = firstAnswer(it);
        NullPointerException thrown = assertThrows(NullPointerException.class, () -> p.subscriber().onNext(null));
        String outcome;
        try {
            outcome = "answered " + await(answer);
        } catch (NullPointerException e) {
            outcome = "failed with the one thrown " + (e == thrown);
        }
        return Task.completed(outcome + ", cancels " + p.cancels());
    }

    @Test
    void onNextNullThrowsAndFailsTheIterator() {
        // rule 2.13: the subscription counts as cancelled, so cancel() is not called
        assertEquals("failed with the one thrown true, cancels 0", EventLoop.run(FlowIterateTest::nullItem));
    }

    @Async
    static Task<String> moreThanRequested() {
        FlowHandPublisher p = FlowHandPublisher.byHand();
        AsyncIterator<Integer> it = Flows.iterate(p, 2);
        Task<Boolean> answer = firstAnswer(it); // requests 2
        p.send(0);
        p.send(1);
        p.send(2); // one too many
        List<Integer> got = new ArrayList<>();
        String outcome = "ended";
        try {
            if (await(answer)) {
                got.add(it.next());
                while (await(it.hasNext())) {
                    got.add(it.next());
                }
            }
        } catch (IllegalStateException e) {
            outcome = e.getMessage().contains("rule 1.1") ? "rule 1.1" : e.getMessage();
        }
        return Task.completed(got + ", " + outcome + ", cancels " + p.cancels());
    }

    @Test
    void aPublisherSendingMoreThanRequestedIsCancelled() {
        assertEquals("[0, 1], rule 1.1, cancels 1", EventLoop.run(FlowIterateTest::moreThanRequested));
    }

    @Async
    static Task<Void> upTo(Emitter<Integer> out, int n, List<String> threads) {
        for (int i = 0; i < n; i++) {
            if (i == 0) {
                threads.add(Thread.currentThread().getName());
            }
            await(out.emit(i));
        }
        return Task.completed(null);
    }

    @Async
    static Task<List<Integer>> readFromAnotherLoop(Flow.Publisher<Integer> p) {
        AsyncIterator<Integer> it = Flows.iterate(p, 4);
        List<Integer> got = new ArrayList<>();
        while (await(it.hasNext())) {
            got.add(it.next());
        }
        return Task.completed(got);
    }

    @Test
    void aGeneratorOnOneLoopIsReadOnAnother() {
        List<String> threads = new CopyOnWriteArrayList<>();
        try (LoopGroup loops = LoopGroup.start(1, "flow-producer-loop-")) {
            Flow.Publisher<Integer> p = Flows.publisher(loops.loop(0),
                    () -> AsyncGenerator.of(out -> upTo(out, 1000, threads)));
            assertEquals(IntStream.range(0, 1000).boxed().toList(),
                    EventLoop.run(() -> readFromAnotherLoop(p)));
        }
        assertEquals(List.of("flow-producer-loop-0"), threads);
    }

    @Test
    void hasNextNeedsARunningLoop() {
        AsyncIterator<Integer> it = Flows.iterate(FlowHandPublisher.counting(1));
        IllegalStateException e = assertThrows(IllegalStateException.class, it::hasNext);
        assertTrue(e.getMessage().contains("needs a running event loop"), e.getMessage());
    }

    @Test
    void prefetchBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Flows.iterate(FlowHandPublisher.counting(1), 0));
    }
}
