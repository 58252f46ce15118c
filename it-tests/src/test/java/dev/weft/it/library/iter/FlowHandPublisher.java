package dev.weft.it.library.iter;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A publisher the test drives by hand: it records what its one subscriber asks for, and signals only when the test
 * calls {@link #subscriber()}'s methods, from whatever thread the test picks. With {@code synchronous}, each
 * request is answered at once, inside the call, with the next numbers up to {@code count}, then onComplete.
 */
final class FlowHandPublisher implements Flow.Publisher<Integer>, Flow.Subscription {
    private final boolean synchronous;
    private final int count;
    private final List<Long> requests = new ArrayList<>();
    private final AtomicInteger cancels = new AtomicInteger();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger subscribes = new AtomicInteger();
    /** One permit per item requested, for a producer thread: {@link #awaitDemand()}. */
    private final Semaphore demand = new Semaphore(0);
    private volatile Flow.Subscriber<? super Integer> subscriber;
    private boolean completed;

    private FlowHandPublisher(boolean synchronous, int count) {
        this.synchronous = synchronous;
        this.count = count;
    }

    /** Signals only when the test does. */
    static FlowHandPublisher byHand() {
        return new FlowHandPublisher(false, 0);
    }

    /** Sends 0, 1, ... count - 1 inside the requests, as far as they go, then completes. */
    static FlowHandPublisher counting(int count) {
        return new FlowHandPublisher(true, count);
    }

    @Override
    public void subscribe(Flow.Subscriber<? super Integer> s) {
        subscribes.incrementAndGet();
        subscriber = s;
        s.onSubscribe(this);
    }

    @Override
    public void request(long n) {
        synchronized (requests) {
            requests.add(n);
        }
        if (!synchronous) {
            demand.release((int) Math.min(n, 1 << 20));
            return;
        }
        for (long i = 0; i < n && sent.get() < count; i++) {
            subscriber.onNext(sent.getAndIncrement());
        }
        if (sent.get() == count && !completed) {
            completed = true;
            subscriber.onComplete();
        }
    }

    @Override
    public void cancel() {
        cancels.incrementAndGet();
    }

    Flow.Subscriber<? super Integer> subscriber() {
        return subscriber;
    }

    /** As the publisher's own onNext: counted in {@link #sent()}. */
    void send(int x) {
        sent.incrementAndGet();
        subscriber.onNext(x);
    }

    /** Blocks the producer thread until one more item was requested. */
    void awaitDemand() {
        try {
            demand.acquire();
        } catch (InterruptedException e) {
            throw new AssertionError("interrupted while waiting for a request", e);
        }
    }

    List<Long> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    long requested() {
        return requests().stream().mapToLong(Long::longValue).sum();
    }

    int cancels() {
        return cancels.get();
    }

    int sent() {
        return sent.get();
    }

    int subscribes() {
        return subscribes.get();
    }
}
