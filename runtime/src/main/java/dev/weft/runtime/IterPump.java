package dev.weft.runtime;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;

/**
 * The body of an intermediate operator of {@link AsyncIterators} (map, filter, take, timeout): an
 * {@link AsyncGenerator} whose body is this hand-written coroutine, asyncio's
 * {@code async def op(it): try: async for x in it: yield f(x) finally: await it.aclose()}. The generator gives the
 * protocol (laziness, the hand-over inside {@code hasNext()}, closing at the suspended emit, cancelling a pending
 * answer); this class only pulls from upstream, transforms and emits, one item per step, so a long run of items
 * that need no waiting neither grows the stack nor takes turns of the loop.
 *
 * <p>Every way out (upstream's end, its failure, the function's failure, the generator closed or cancelled, take's
 * count reached) goes through one closing of upstream, awaited before the body ends; a failure of that closing is
 * the body's failure, or is added as suppressed to the failure that ended it.
 *
 * @param <T> upstream's item type
 * @param <R> the item type emitted
 */
abstract class IterPump<T, R> implements AsyncGenerator.Body<R>, Coroutine<Void> {

    /** What {@link #onItem} returns for an item that is not emitted (filter). */
    static final Object SKIP = new Object() {
        @Override
        public String toString() {
            return "IterPump.SKIP";
        }
    };

    /** Asks upstream for its next item (the first step starts here). */
    private static final int ASK = 0;
    /** Resumed with upstream's answer. */
    private static final int ASKED = 1;
    /** Resumed with the item to emit (mapAsync: the outcome of the function's stage). */
    private static final int MAPPED = 2;
    /** take: resumed after closing upstream, the last item in hand. */
    private static final int LAST_CLOSED = 3;
    /** Resumed from the emit: the consumer asks again, or closed. */
    private static final int EMITTED = 4;
    /** Ends: closes upstream (once). */
    private static final int CLOSING = 5;
    /** Resumed after upstream's closing. */
    private static final int CLOSED = 6;

    final AsyncIterator<T> upstream;
    private Emitter<R> out;
    private int label = ASK;
    private R item;
    /** What ends the body (a CancellationException when the generator was closed or cancelled), or null. */
    private Throwable failure;
    /** take: upstream's close failure when it was closed before the last item was handed on; thrown after it. */
    private Throwable lateFailure;
    private boolean upstreamClosed;

    IterPump(AsyncIterator<T> upstream) {
        this.upstream = java.util.Objects.requireNonNull(upstream, "upstream");
    }

    // ------------------------------------------------------------------------------------------ what operators change

    /** False once no more items are wanted (take): upstream is then closed and the iterator ends. */
    boolean wantsMore() {
        return true;
    }

    /** Asks upstream (timeout: and starts the timer when the answer is pending). */
    Future<Boolean> ask(Task<Void> task) {
        return upstream.hasNext();
    }

    /** Upstream's answer came, {@code thrown} when it failed; returns the failure to go on with (timeout's own). */
    Throwable answered(Task<Void> task, Throwable thrown) {
        return thrown;
    }

    /** The item to emit for {@code x}, or {@link #SKIP}; when {@link #isAsync()}, a stage whose result is. */
    abstract Object onItem(T x) throws Throwable;

    /** True when {@link #onItem} returns a stage to await (mapAsync). */
    boolean isAsync() {
        return false;
    }

    /** True when the item about to be emitted is the last wanted (take): upstream is closed before it is. */
    boolean isLast() {
        return false;
    }

    // ------------------------------------------------------------------------------------------ the coroutine

    @Override
    public final CompletionStage<?> run(Emitter<R> out) {
        if (this.out != null) {
            throw new IllegalStateException(this + " already runs in a generator");
        }
        this.out = out;
        return Task.start(this);
    }

    @Override
    @SuppressWarnings("unchecked")
    public final Object step(Task<Void> task, Object sent, Throwable thrown) throws Throwable {
        for (;;) {
            try {
                switch (label) {
                    case ASK: {
                        if (thrown != null) {
                            throw thrown; // cancelled before the first step: caught below, upstream closed
                        }
                        if (!wantsMore()) {
                            label = CLOSING;
                            continue;
                        }
                        Future<Boolean> f = ask(task);
                        label = ASKED;
                        if (!f.isDone()) {
                            return task.suspendOn(f);
                        }
                        try {
                            sent = f.result();
                        } catch (Throwable e) {
                            thrown = e;
                        }
                    }
                    // fall through
                    case ASKED: {
                        thrown = answered(task, thrown);
                        if (thrown != null) {
                            Throwable e = thrown;
                            thrown = null;
                            throw e;
                        }
                        if (!(sent instanceof Boolean has)) {
                            throw new IllegalStateException("hasNext() of " + upstream + " gave " + sent
                                    + " instead of true or false");
                        }
                        if (!has) {
                            upstreamClosed = true; // at its end: nothing to close
                            label = CLOSING;
                            continue;
                        }
                        Object r = onItem(upstream.next());
                        if (r == SKIP) {
                            label = ASK;
                            continue;
                        }
                        label = MAPPED;
                        if (isAsync()) {
                            if (r == null) {
                                throw new NullPointerException("the function of " + this
                                        + " returned null instead of a CompletionStage");
                            }
                            if (!(r instanceof Future<?> stage) || !stage.isDone()) {
                                return task.suspendOn((CompletionStage<?>) r);
                            }
                            try {
                                sent = stage.result();
                            } catch (Throwable e) {
                                thrown = e;
                            }
                        } else {
                            sent = r;
                        }
                    }
                    // fall through
                    case MAPPED: {
                        if (thrown != null) {
                            Throwable e = thrown;
                            thrown = null;
                            throw e;
                        }
                        item = (R) sent;
                        sent = null;
                        if (isLast()) {
                            upstreamClosed = true;
                            Future<Void> c = upstream.close();
                            label = LAST_CLOSED;
                            if (!c.isDone()) {
                                return task.suspendOn(c);
                            }
                            thrown = failureOf(c);
                        } else {
                            label = LAST_CLOSED;
                        }
                    }
                    // fall through
                    case LAST_CLOSED: {
                        if (thrown != null) {
                            if (task.cancelling() > 0) { // cancelled while upstream closed: the item is not wanted
                                Throwable e = thrown;
                                thrown = null;
                                throw e;
                            }
                            lateFailure = thrown; // the item was produced: handed on first, the failure after it
                            thrown = null;
                        }
                        R x = item;
                        item = null;
                        Future<Void> e = out.emit(x);
                        label = EMITTED;
                        if (!e.isDone()) {
                            return task.suspendOn(e);
                        }
                        thrown = failureOf(e);
                    }
                    // fall through
                    case EMITTED: {
                        if (thrown != null || lateFailure != null) {
                            Throwable e = lateFailure != null ? lateFailure : thrown; // closed: the close fails with it
                            thrown = null;
                            lateFailure = null;
                            throw e;
                        }
                        label = ASK;
                        continue;
                    }
                    case CLOSING: {
                        if (upstreamClosed) {
                            return finish(null);
                        }
                        upstreamClosed = true;
                        Future<Void> c = upstream.close();
                        label = CLOSED;
                        if (!c.isDone()) {
                            return task.suspendOn(c);
                        }
                        thrown = failureOf(c);
                    }
                    // fall through
                    case CLOSED:
                        return finish(thrown);
                    default:
                        throw new IllegalStateException(this + " resumed at label " + label);
                }
            } catch (Throwable e) {
                if (label >= CLOSING) {
                    throw e;
                }
                failure = e;
                item = null;
                sent = null;
                thrown = null;
                label = CLOSING;
            }
        }
    }

    /** The end, upstream closed: its close failure {@code closeFailure} (or null) with the failure that ended it. */
    private Object finish(Throwable closeFailure) throws Throwable {
        Throwable e = failure;
        failure = null;
        if (closeFailure != null) {
            if (e == null || e instanceof CancellationException) {
                e = closeFailure; // closed by the consumer: its close() fails with upstream's close failure
            } else if (e != closeFailure && !(closeFailure instanceof CancellationException)) {
                e.addSuppressed(closeFailure); // not a cancellation of the wait for the close: that is no failure
            }
        }
        if (e != null) {
            throw e;
        }
        return null;
    }

    /** The failure of a done future (a CancellationException when cancelled), or null when it finished. */
    static Throwable failureOf(Future<?> f) {
        return f.isCancelled() ? f.cancellationException() : f.exception();
    }
}
