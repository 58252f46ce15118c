package dev.weft.runtime;

import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@link Flows#iterate}'s iterator: a {@link Flow.Publisher} read as an {@link AsyncIterator}, through the
 * {@link Flow.Subscriber} it subscribes at the first {@link #hasNext()}.
 *
 * <p><b>Threads.</b> The publisher signals on any thread; the iterator lives on its loop's thread. The signals meet
 * in one lock-free queue ({@link #inbox}, items and the terminal signal in their order), and a signal wakes the loop
 * with one {@link EventLoop#callSoonThreadsafe} while no wake-up is pending ({@link #wakePending}); the wake-up
 * answers a pending {@code hasNext()}. Everything else is the loop thread's: the subscription's {@code request} and
 * {@code cancel} are only ever called there, so they are serial (rule 2.7).
 *
 * <p><b>Demand.</b> {@code prefetch} items are requested when the subscription arrives, then {@code batch}
 * ({@code ceil(prefetch / 2)}) more each time the consumer has taken that many with {@link #next()}: items requested
 * and not yet taken, buffered ones included, never exceed {@code prefetch}. {@link #demand} counts what was requested
 * and not received: a publisher that sends more (against rule 1.1) is cancelled, the extra items are dropped, and
 * the iterator fails with an {@link IllegalStateException} after the items it was entitled to.
 */
final class FlowIterator<T> implements AsyncIterator<T> {

    private static final Future<Boolean> TRUE = Future.completed(Boolean.TRUE);
    private static final Future<Boolean> FALSE = Future.completed(Boolean.FALSE);
    private static final String CLOSED = "the iterator was closed";

    /**
     * The publisher's onComplete or onError, in the inbox behind the items sent before it; or a rule it broke, with
     * {@code cancel} when its subscription is to be cancelled.
     */
    private record Terminal(Throwable error, boolean cancel) {
    }

    private static final Terminal COMPLETE = new Terminal(null, false);

    private final Flow.Publisher<? extends T> publisher;
    private final int prefetch;
    private final int batch;
    private final Inlet inlet = new Inlet();

    // ---------------------------------------------------------------- written by the publisher's threads
    private final ConcurrentLinkedQueue<Object> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    /** The first subscription given to onSubscribe; later ones are cancelled (rule 2.5). */
    private final AtomicReference<Flow.Subscription> firstSubscription = new AtomicReference<>();
    /** Set before subscribing; read by the signals, which the publisher orders after the subscribe call. */
    private volatile EventLoop loop;
    /** Closed, or the publisher broke a rule: items that still arrive are dropped (rule 2.8). */
    private volatile boolean cancelled;
    /** Requested and not received yet: added on the loop thread before each request, taken by each onNext. */
    private final AtomicLong demand = new AtomicLong();

    // ---------------------------------------------------------------- the loop thread's
    private boolean subscribed;
    /** The subscription once it reached the loop thread; null before, and after it was cancelled or ended. */
    private Flow.Subscription subscription;
    /** Taken by next() since the last request. */
    private int taken;
    private boolean hasItem;
    private T item;
    /** The publisher's onComplete or onError was taken from the inbox: its subscription is done (rule 2.4). */
    private boolean terminalReceived;
    /** At the end: terminal signal taken, failed, or closed. */
    private boolean ended;
    /** The failure not yet given to the consumer's hasNext(). */
    private Throwable failure;
    private Answer answer;
    private Future<Void> closeFuture;

    FlowIterator(Flow.Publisher<? extends T> publisher, int prefetch) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        if (prefetch < 1) {
            throw new IllegalArgumentException("prefetch must be at least 1: " + prefetch);
        }
        this.prefetch = prefetch;
        this.batch = prefetch - prefetch / 2;
    }

    // ------------------------------------------------------------------------------------------ the consumer

    @Override
    public Future<Boolean> hasNext() {
        if (!subscribed) {
            subscribe(); // lazy: the first hasNext() subscribes
        }
        checkThread("hasNext()");
        if (hasItem) {
            return TRUE;
        }
        if (answer != null) {
            return answer;
        }
        if (!ended && !poll()) {
            Answer a = new Answer(loop);
            answer = a;
            return a;
        }
        return answerNow();
    }

    @Override
    public T next() {
        checkThread("next()");
        if (!hasItem) {
            throw new NoSuchElementException(ended ? this + " is at its end"
                    : "no item ready in " + this + ": await(hasNext()) first, and call next() when it gave true");
        }
        T x = item;
        item = null;
        hasItem = false;
        if (++taken >= batch && !ended) {
            taken = 0;
            request(batch);
        }
        return x;
    }

    @Override
    public Future<Void> close() {
        if (loop != null) {
            checkThread("close()");
        }
        if (closeFuture == null) {
            closeFuture = Future.completed(null);
            subscribed = true; // a close before the first hasNext(): never subscribe
            stop(null);
            failure = null;
            Answer a = answer;
            if (a != null) {
                answer = null;
                a.cancelHere(CLOSED);
            }
        }
        return closeFuture;
    }

    private void subscribe() {
        EventLoop l = EventLoop.runningOrNull();
        if (l == null) {
            throw new IllegalStateException("hasNext() of " + this + " needs a running event loop on thread '"
                    + Thread.currentThread().getName() + "' (inside EventLoop.run, or on a LoopGroup's loop): the"
                    + " publisher's signals are carried to that loop");
        }
        loop = l;
        subscribed = true;
        try {
            publisher.subscribe(inlet);
        } catch (Throwable e) { // against rule 1.9: subscribe must return normally
            stop(e);
        }
    }

    /** Takes the inbox's next signal: true when there is an answer now (an item, or the end). */
    @SuppressWarnings("unchecked")
    private boolean poll() {
        Object x = inbox.poll();
        if (x == null) {
            return false;
        }
        if (x instanceof Terminal t) {
            if (!t.cancel()) {
                terminalReceived = true;
                subscription = null; // done, or counts as cancelled (rule 2.13): never called again (rule 2.4)
            }
            stop(t.error());
            return true;
        }
        item = (T) x;
        hasItem = true;
        return true;
    }

    /** The answer once poll() found one, or after the end. */
    private Future<Boolean> answerNow() {
        if (hasItem) {
            return TRUE;
        }
        Throwable e = failure;
        if (e != null) {
            failure = null;
            return Future.failed(e);
        }
        return FALSE;
    }

    /** The end: cancels the subscription if it is still on, drops what is buffered; {@code e} for the consumer. */
    private void stop(Throwable e) {
        if (ended) {
            return;
        }
        ended = true;
        failure = e;
        cancelled = true;
        hasItem = false;
        item = null;
        inbox.clear();
        Flow.Subscription s = subscription;
        subscription = null;
        if (s != null) {
            try {
                s.cancel();
            } catch (Throwable thrown) { // against rule 3.15
                loop.reportError(new LoopError("Subscription.cancel() of " + publisher + " threw", thrown, s));
            }
        }
    }

    private void request(long n) {
        Flow.Subscription s = subscription;
        if (s == null) {
            return;
        }
        demand.addAndGet(n);
        try {
            s.request(n);
        } catch (Throwable e) { // against rule 3.16
            subscription = null;
            stop(e);
        }
    }

    /** The subscription, on the loop thread: requests the first prefetch, or cancels it if closed meanwhile. */
    private void subscriptionArrived(Flow.Subscription s) {
        if (ended) {
            if (terminalReceived) {
                return; // onComplete or onError came first: nothing to cancel (rule 2.4)
            }
            try {
                s.cancel();
            } catch (Throwable thrown) {
                loop.reportError(new LoopError("Subscription.cancel() of " + publisher + " threw", thrown, s));
            }
            return;
        }
        subscription = s;
        request(prefetch);
    }

    /** The wake-up, on the loop thread: answers a pending hasNext() from the inbox. */
    private void drain() {
        wakePending.set(false);
        Answer a = answer;
        if (a == null) {
            if (ended) {
                inbox.clear();
            }
            return;
        }
        if (!poll()) {
            return;
        }
        answer = null;
        if (hasItem) {
            a.tryComplete(Boolean.TRUE);
        } else if (failure != null) {
            Throwable e = failure;
            failure = null;
            a.tryFail(e);
        } else {
            a.tryComplete(Boolean.FALSE);
        }
    }

    private void wake() {
        if (wakePending.compareAndSet(false, true)) {
            try {
                loop.callSoonThreadsafe(this::drain);
            } catch (IllegalStateException loopClosed) {
                // nobody is left to consume
            }
        }
    }

    private void checkThread(String what) {
        EventLoop l = loop;
        if (l != null && !l.isConfinedHere()) {
            throw new IllegalStateException("Cannot call " + what + " of " + this + " from thread '"
                    + Thread.currentThread().getName() + "': only from its loop's thread");
        }
    }

    @Override
    public String toString() {
        return "Flows.iterate[" + (!subscribed ? "not subscribed" : ended ? "ended" : hasItem ? "item ready"
                : answer != null ? "waiting" : "subscribed") + ", prefetch " + prefetch + ", " + publisher + "]";
    }

    /** The subscriber given to the publisher: rules 2.5, 2.8, 2.9, 2.10, 2.13. Any thread. */
    private final class Inlet implements Flow.Subscriber<T> {
        @Override
        public void onSubscribe(Flow.Subscription s) {
            Objects.requireNonNull(s, "onSubscribe(null) (rule 2.13)");
            if (!firstSubscription.compareAndSet(null, s)) {
                s.cancel(); // rule 2.5: one subscription at a time
                return;
            }
            EventLoop l = loop;
            if (l.inLoopThread()) {
                subscriptionArrived(s);
            } else {
                try {
                    l.callSoonThreadsafe(() -> subscriptionArrived(s));
                } catch (IllegalStateException loopClosed) {
                    s.cancel(); // the only call ever made on it
                }
            }
        }

        @Override
        public void onNext(T x) {
            if (x == null) {
                NullPointerException e = new NullPointerException("onNext(null) from " + publisher + " (rule 2.13)");
                cancelled = true;
                inbox.offer(new Terminal(e, false));
                wake();
                throw e;
            }
            if (cancelled) {
                return;
            }
            if (demand.getAndDecrement() <= 0) {
                cancelled = true;
                inbox.offer(new Terminal(new IllegalStateException(publisher + " sent more items than were"
                        + " requested (rule 1.1); its subscription is cancelled"), true));
            } else {
                inbox.offer(x);
            }
            wake();
        }

        @Override
        public void onError(Throwable e) {
            Objects.requireNonNull(e, "onError(null) (rule 2.13)");
            inbox.offer(new Terminal(e, false));
            wake();
        }

        @Override
        public void onComplete() {
            inbox.offer(COMPLETE);
            wake();
        }

        @Override
        public String toString() {
            return "the subscriber of " + FlowIterator.this;
        }
    }

    /** A pending hasNext(): cancelling it (the consumer's task cancelled) cancels the subscription. */
    private final class Answer extends Future<Boolean> {
        Answer(EventLoop loop) {
            super(loop);
        }

        @Override
        public boolean cancel(String message) {
            EventLoop l = loop();
            if (!l.isConfinedHere()) {
                if (isDone()) {
                    return super.cancel(message); // refused
                }
                l.callSoonThreadsafe(() -> cancel(message)); // the iterator's state is its loop thread's
                return true;
            }
            if (!super.cancel(message)) {
                return false;
            }
            if (answer == this) {
                answer = null;
                close();
            }
            return true;
        }

        /** Cancelled by close(), which has done the rest. */
        void cancelHere(String message) {
            super.cancel(message);
        }
    }
}
