package dev.weft.runtime;

import java.util.concurrent.CancellationException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One subscription of a {@link FlowPublisher}: its iterator, read on the loop's thread as far as the subscriber's
 * demand goes.
 *
 * <p><b>Threads.</b> {@link #request} and {@link #cancel} come from any thread: they record what they ask in atomic
 * fields and schedule {@link #drain()}, which runs on the loop's thread only, and never twice at once: {@link #wip}
 * counts the requests for a drain, and only the call that raises it from zero runs one (at once when it is already on
 * the loop's thread, else through {@link EventLoop#callSoonThreadsafe}). A request made inside {@code onNext} or
 * {@code onSubscribe} is served by the drain already running, after that call has returned: no recursion (rule
 * 3.3), and the signals are serial (rule 1.3). A drain hands out at most {@link #TURN_BUDGET} items, then lets the
 * loop run its other callbacks and goes on in a later turn: an unbounded demand on a source that never waits does
 * not starve the loop.
 *
 * <p><b>Demand.</b> {@code hasNext()} is asked only while demand is left, so the source never runs ahead of it: an
 * {@link AsyncGenerator}'s body is suspended at the emit of the last item requested.
 */
final class FlowSubscription<T> implements Flow.Subscription {

    /** Items one drain hands out before it gives the loop back for a turn. */
    static final int TURN_BUDGET = 256;

    private final EventLoop loop;
    private final Supplier<? extends AsyncIterator<? extends T>> source;
    /** Null once the subscription is over (cancelled, or terminated): rule 3.13 drops the reference. */
    private volatile Flow.Subscriber<? super T> subscriber;

    // ---------------------------------------------------------------- any thread
    /** Demand not served yet; Long.MAX_VALUE is unbounded (rule 3.17). */
    private final AtomicLong requested = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private volatile boolean cancelRequested;
    /** A request(n) with n <= 0 came (rule 3.9); {@link #invalidCount} is the first such n. */
    private volatile boolean invalidRequest;
    private long invalidCount;

    // ---------------------------------------------------------------- the loop thread's
    private AsyncIterator<? extends T> iterator;
    /** Items the running drain may still hand out in this turn of the loop. */
    private int budget;
    /** A hasNext() answer still pending. */
    private Future<Boolean> inFlight;
    /** Cancelled or terminated: no more signals. */
    private boolean over;
    /** inFlight's done-callback: schedules a drain, from whatever thread completes it. */
    private final Consumer<Future<Boolean>> answered = f -> schedule();

    FlowSubscription(EventLoop loop, Supplier<? extends AsyncIterator<? extends T>> source,
                     Flow.Subscriber<? super T> subscriber) {
        this.loop = loop;
        this.source = source;
        this.subscriber = subscriber;
    }

    // ------------------------------------------------------------------------------------------ the subscriber's

    @Override
    public void request(long n) {
        if (n <= 0) {
            if (!invalidRequest) {
                invalidCount = n; // published by the volatile write below
                invalidRequest = true;
            }
        } else {
            requested.accumulateAndGet(n, FlowSubscription::addCapped);
        }
        schedule();
    }

    @Override
    public void cancel() {
        cancelRequested = true;
        schedule();
    }

    private static long addCapped(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    // ------------------------------------------------------------------------------------------ the loop's

    /** On the loop thread: makes the iterator, then onSubscribe (rule 1.9), then serves what it requested. */
    void start() {
        Flow.Subscriber<? super T> s = subscriber;
        wip.incrementAndGet(); // held through onSubscribe: what it requests is served once it has returned
        AsyncIterator<? extends T> it;
        try {
            it = source.get();
            if (it == null) {
                throw new NullPointerException("the source of " + this + " gave null instead of an iterator");
            }
        } catch (Throwable e) {
            over = true;
            subscriber = null;
            if (signal(s, "onSubscribe", () -> s.onSubscribe(this))) {
                signal(s, "onError", () -> s.onError(e));
            }
            return;
        }
        iterator = it;
        if (!signal(s, "onSubscribe", () -> s.onSubscribe(this))) {
            stop();
            return;
        }
        drain();
    }

    /** The loop is closed: no iterator was made; onSubscribe then onError on the subscribing thread (rule 1.9). */
    void rejected(Throwable e) {
        Flow.Subscriber<? super T> s = subscriber;
        subscriber = null;
        over = true;
        if (signal(s, "onSubscribe", () -> s.onSubscribe(this))) {
            signal(s, "onError", () -> s.onError(e));
        }
    }

    private void schedule() {
        if (wip.getAndIncrement() != 0) {
            return; // a drain runs, or is scheduled: it will see what was asked
        }
        if (loop.inLoopThread()) {
            drain();
        } else {
            try {
                loop.callSoonThreadsafe(this::drain);
            } catch (IllegalStateException loopClosed) {
                // the loop is gone, and the iterator with it: nothing can be signalled any more
            }
        }
    }

    /** The only place signals are sent from, after start(); serial through wip. */
    private void drain() {
        int missed = 1;
        budget = TURN_BUDGET;
        while (true) {
            if (serve()) {
                loop.callSoon(this::drain); // the budget ran out: wip stays up, the next turn goes on from here
                return;
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    /** Signals what can be signalled now; true when the turn's budget ran out with demand left. */
    private boolean serve() {
        while (!over) {
            if (cancelRequested) {
                stop();
                return false;
            }
            if (invalidRequest) {
                closeAndFail(new IllegalArgumentException("request(" + invalidCount + ") on " + this
                        + ": the number of items requested must be positive (rule 3.9)"));
                return false;
            }
            Future<Boolean> h = inFlight;
            if (h != null) {
                if (!h.isDone()) {
                    return false; // its callback schedules the next drain
                }
                inFlight = null;
            } else {
                if (requested.get() == 0) {
                    return false;
                }
                if (budget == 0) {
                    return true;
                }
                try {
                    h = iterator.hasNext();
                    if (h == null) {
                        throw new NullPointerException("hasNext() of " + iterator + " gave null, not a future");
                    }
                } catch (Throwable e) {
                    closeAndFail(e);
                    return false;
                }
                if (!h.isDone()) {
                    inFlight = h;
                    h.addDoneCallback(answered);
                    continue; // it may have completed meanwhile, on another thread
                }
            }
            if (deliver(h)) {
                budget--;
            }
        }
        return false;
    }

    /** Signals what the answer {@code h} says; true when that was an item. */
    private boolean deliver(Future<Boolean> h) {
        Flow.Subscriber<? super T> s = subscriber;
        if (h.isCancelled()) {
            closeAndFail(new CancellationException("hasNext() of " + iterator + " was cancelled"
                    + (h.cancelMessage() != null ? ": " + h.cancelMessage() : "")));
            return false;
        }
        if (h.isFailed()) {
            Throwable e = h.exception(); // the original, unwrapped
            over = true;
            subscriber = null;
            signal(s, "onError", () -> s.onError(e));
            return false;
        }
        Boolean more = h.result();
        if (more == null) {
            closeAndFail(new NullPointerException("hasNext() of " + iterator + " answered null, not true or false"));
            return false;
        }
        if (!more) {
            over = true;
            subscriber = null;
            signal(s, "onComplete", s::onComplete);
            return false;
        }
        T x;
        try {
            x = iterator.next();
        } catch (Throwable e) { // NoSuchElementException: against the AsyncIterator protocol
            closeAndFail(e);
            return false;
        }
        if (x == null) {
            closeAndFail(new NullPointerException(iterator + " gave a null item, which Flow does not allow"
                    + " (rule 2.13)"));
            return false;
        }
        requested.getAndUpdate(r -> r == Long.MAX_VALUE ? r : r - 1);
        if (!signal(s, "onNext", () -> s.onNext(x))) {
            stop();
        }
        return true;
    }

    /** Cancelled, or the subscriber broke a rule: closes the iterator (its finally blocks run), no more signals. */
    private void stop() {
        if (over) {
            return;
        }
        over = true;
        subscriber = null;
        Future<Boolean> h = inFlight;
        inFlight = null;
        if (h != null) {
            h.cancel("the subscription was cancelled"); // cancels the source's work for that item
        }
        closeIterator();
    }

    private void closeIterator() {
        AsyncIterator<? extends T> it = iterator;
        Future<Void> closed;
        try {
            closed = it.close();
        } catch (Throwable e) {
            loop.reportError(new LoopError("close() of " + it + " threw, after " + this + " ended", e, it));
            return;
        }
        closed.addDoneCallback(c -> {
            if (c.isFailed()) {
                loop.reportError(new LoopError("Closing " + it + " failed, after " + this + " ended",
                        c.exception(), it));
            }
        });
    }

    /** The iterator broke its contract, or gave an unusable item: it is closed and the subscriber gets {@code e}. */
    private void closeAndFail(Throwable e) {
        Flow.Subscriber<? super T> s = subscriber;
        stop();
        fail(s, e);
    }

    private void fail(Flow.Subscriber<? super T> s, Throwable e) {
        Flow.Subscriber<? super T> target = s;
        if (target == null) {
            return;
        }
        signal(target, "onError", () -> target.onError(e));
    }

    /**
     * Calls the subscriber. One that throws broke rule 2.13: its subscription counts as cancelled, and the exception
     * goes to the loop's exception handler, there being no one else to tell. Returns false then.
     */
    private boolean signal(Flow.Subscriber<? super T> s, String what, Runnable call) {
        try {
            call.run();
            return true;
        } catch (Throwable e) {
            loop.reportError(new LoopError(what + " of " + s + " threw, against rule 2.13; " + this
                    + " is cancelled", e, s));
            return false;
        }
    }

    @Override
    public String toString() {
        return "the subscription to " + (iterator != null ? iterator : source);
    }
}
