package dev.weft.it.library.iter;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.IntConsumer;

/**
 * A subscriber that records its signals as words ("next 3", "complete", "error IllegalArgumentException"), with
 * the thread each came on, and requests only when the test says so. Any thread may read it.
 */
final class FlowRecorder<T> implements Flow.Subscriber<T> {
    private final List<String> signals = new ArrayList<>();
    private final List<String> threads = new ArrayList<>();
    private final CompletableFuture<Throwable> terminated = new CompletableFuture<>();
    private final CompletableFuture<Flow.Subscription> subscribed = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;
    /** Called with the count of items after each onNext, on the signalling thread; may request or cancel. */
    volatile IntConsumer onItem = n -> { };
    private int items;

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        record("subscribe");
        subscribed.complete(s);
    }

    @Override
    public void onNext(T item) {
        int n;
        synchronized (this) {
            n = ++items;
        }
        record("next " + item);
        onItem.accept(n);
    }

    @Override
    public void onError(Throwable e) {
        record("error " + e.getClass().getSimpleName());
        terminated.complete(e);
    }

    @Override
    public void onComplete() {
        record("complete");
        terminated.complete(null);
    }

    private synchronized void record(String signal) {
        signals.add(signal);
        threads.add(Thread.currentThread().getName());
    }

    Flow.Subscription subscription() {
        return subscription;
    }

    /** Done with the subscription once onSubscribe came. */
    CompletableFuture<Flow.Subscription> subscribed() {
        return subscribed;
    }

    synchronized List<String> signals() {
        return List.copyOf(signals);
    }

    synchronized List<String> threads() {
        return List.copyOf(threads);
    }

    /** Done at onComplete (with null) or onError (with its exception). */
    CompletableFuture<Throwable> terminated() {
        return terminated;
    }
}
