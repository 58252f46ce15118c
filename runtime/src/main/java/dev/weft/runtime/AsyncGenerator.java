package dev.weft.runtime;

import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;

/**
 * An asynchronous generator: asyncio's {@code async def} with {@code yield}, written as {@code @Async} code that
 * emits its items through an {@link Emitter}, and consumed as an {@link AsyncIterator}.
 *
 * <pre>{@code
 * @Async
 * static Task<Void> lines(Emitter<String> out, Connection c) {
 *     try {
 *         String line;
 *         while ((line = await(c.reader().readTextLine(UTF_8))) != null) {
 *             await(out.emit(line));               // suspended here until the consumer asks again
 *         }
 *     } finally {
 *         c.close();                               // runs at the end, on a failure, and on close()
 *     }
 *     return Task.completed(null);
 * }
 *
 * AsyncIterator<String> it = AsyncGenerator.of(out -> lines(out, connection));
 * }</pre>
 *
 * <p><b>As asyncio's.</b> Nothing runs before the first {@link #hasNext()}: the body starts there, runs until it
 * emits its first item (or ends, or fails), and is suspended at each {@code emit} until the consumer asks for the
 * next item. The body runs inside the consumer's {@code hasNext()} call as far as it can without waiting, so an item
 * that needs no waiting costs no turn of the loop, and the answer is done at once; when the body awaits something
 * else (I/O, a timer), the answer is pending until it emits. The body's exception arrives at the consumer's
 * {@code await(it.hasNext())}, original and unwrapped; the generator is then at its end.
 *
 * <p><b>Stopping.</b> {@link #close()} (asyncio's {@code aclose()}) throws a {@link CancellationException} in at the
 * body's suspended {@code emit}, so its {@code finally} blocks run, at once, inside the call; the close future is
 * done when the body has ended (later, if a {@code finally} block awaits), failed with what the body threw while
 * ending, or with an {@link IllegalStateException} if the body emitted again instead of ending (asyncio's "async
 * generator ignored GeneratorExit"). Cancelling a pending {@code hasNext()} (the consumer's task cancelled while
 * it waits for an item, or a timeout on it) cancels the body at its {@code await}: the consumer's
 * {@link CancellationException} arrives once the body has ended (after its {@code finally} blocks), and the generator
 * is then at its end; a body that catches the cancellation and goes on emitting gives the consumer its next item
 * instead, as asyncio's does.
 *
 * <p>The body runs as a task of its own on the consumer's loop (or without a loop, as the consumer does), started
 * at the first {@code hasNext()}; it sees that task as {@link Task#current()}. One generator is iterated once, on
 * its loop's thread.
 *
 * @param <T> the item type
 */
public final class AsyncGenerator<T> implements AsyncIterator<T> {

    /**
     * The generator's body: usually {@code out -> myAsyncMethod(out, args)}, an {@code @Async} method that emits
     * through {@code out}.
     *
     * @param <T> the item type
     */
    @FunctionalInterface
    public interface Body<T> {
        /**
         * Runs the body; it ends when the returned stage does.
         *
         * @param out what the body emits through
         * @return the body's task (or any stage that completes when the body ends)
         * @throws Exception what the body throws before it returns a stage, which the consumer gets as a failure
         */
        CompletionStage<?> run(Emitter<T> out) throws Exception;
    }

    private static final Future<Boolean> TRUE = Future.completed(Boolean.TRUE);
    private static final Future<Boolean> FALSE = Future.completed(Boolean.FALSE);
    private static final String CLOSED = "the generator was closed";

    /** Not started: the body has not run. */
    private static final byte NEW = 0;
    /** The body runs or waits: it is suspended at an emit, or awaits something else for a pending answer. */
    private static final byte STARTED = 1;
    /** The body ended (or never started and was closed). */
    private static final byte ENDED = 2;

    private final Body<T> body;
    private final Emitter<T> emitter = this::emit;
    private EventLoop loop;
    private byte state = NEW;
    /** The body's code runs inside a call of ours (its first step, or a resumption from hasNext or close). */
    private boolean running;
    private boolean closing;
    /** The body emitted after close(): the close future fails. */
    private boolean emittedAfterClose;
    private boolean hasItem;
    private T item;
    /** The future the body waits on at its emit, until the consumer asks again; or null. */
    private Future<Void> emitWait;
    /** The last emit's future, finished: the next emit reopens it instead of making one (not in debug mode). */
    private Future<Void> spareEmit;
    /** The pending answer of hasNext(), while the body awaits something else; or null. */
    private Answer answer;
    /** What the body returned: its task, usually. */
    private CompletionStage<?> bodyStage;
    /** The body's failure, not yet given to the consumer. */
    private Throwable failure;
    private Future<Void> closeFuture;

    private AsyncGenerator(Body<T> body) {
        this.body = Objects.requireNonNull(body, "body");
    }

    /**
     * A generator running {@code body} at the first {@link #hasNext()}; nothing runs now.
     *
     * @param body the body, which emits through the emitter it is given
     * @param <T> the item type
     * @return the generator
     */
    public static <T> AsyncGenerator<T> of(Body<T> body) {
        return new AsyncGenerator<>(body);
    }

    // ------------------------------------------------------------------------------------------ the consumer

    @Override
    public Future<Boolean> hasNext() {
        checkThread("hasNext()");
        if (hasItem) {
            return TRUE;
        }
        if (answer != null) {
            return answer;
        }
        if (closing) {
            return FALSE; // closed, the body still unwinding (a finally that awaits): no more items
        }
        if (running) {
            throw new IllegalStateException("hasNext() of " + this + " called from its own body");
        }
        if (state == NEW) {
            start();
        } else if (state == STARTED && emitWait != null) {
            Future<Void> w = emitWait;
            emitWait = null;
            resumeBody(w, Future.FINISHED, null);
        }
        return answerNow();
    }

    @Override
    public T next() {
        checkThread("next()");
        if (!hasItem) {
            throw new NoSuchElementException(state == ENDED ? this + " is at its end"
                    : "no item ready in " + this + ": await(hasNext()) first, and call next() when it gave true");
        }
        T x = item;
        item = null;
        hasItem = false;
        return x;
    }

    @Override
    public Future<Void> close() {
        checkThread("close()");
        if (closeFuture != null) {
            return closeFuture;
        }
        hasItem = false;
        item = null;
        if (state == NEW) {
            state = ENDED;
        }
        if (state == ENDED) {
            closeFuture = Future.completed(null);
            return closeFuture;
        }
        if (running) {
            throw new IllegalStateException("close() of " + this + " called from its own body: return instead");
        }
        closeFuture = new Future<>(loop);
        closing = true;
        if (answer != null) {
            if (!answer.stopping) {
                answer.stop(CLOSED); // the waiting consumer gets a CancellationException once the body has ended
            }
        } else if (emitWait != null) {
            Future<Void> w = emitWait;
            emitWait = null;
            resumeBody(w, Future.CANCELLED, CLOSED); // its finally blocks run now
        } else {
            cancelBody(CLOSED);
        }
        return closeFuture;
    }

    // ------------------------------------------------------------------------------------------ the body

    private void start() {
        loop = EventLoop.runningOrNull();
        state = STARTED;
        running = true;
        CompletionStage<?> stage;
        try {
            stage = body.run(emitter);
        } catch (Throwable e) {
            running = false;
            ended(e);
            return;
        }
        running = false;
        if (stage == null) {
            ended(new NullPointerException("the body of " + this + " returned null instead of its task"));
            return;
        }
        bodyStage = stage;
        if (stage instanceof Future<?> f) {
            if (f.isDone()) {
                bodyEnded(f);
            } else {
                f.addCallback((DoneHook) this::bodyEnded); // inside the body's last step: the consumer goes on in it
            }
        } else {
            EventLoop l = loop;
            stage.whenComplete((v, e) -> {
                if (l == null || l.inLoopThread()) {
                    stageEnded(e);
                } else {
                    l.callSoonThreadsafe(() -> stageEnded(e));
                }
            });
        }
    }

    private Future<Void> emit(T x) {
        if (closing || state == ENDED) {
            emittedAfterClose = closing;
            Future<Void> stop = new Future<>(loop);
            stop.cancel(CLOSED);
            return stop;
        }
        if (hasItem || emitWait != null) {
            throw new IllegalStateException("emit() in " + this + " before the previous emit's future was done:"
                    + " await(out.emit(item)) each item");
        }
        item = x;
        hasItem = true;
        Future<Void> w = spareEmit;
        spareEmit = null;
        if (w != null && w.state() == Future.FINISHED) {
            w.reopen(); // the body resumed from it: nobody waits on it any more
        } else {
            w = new Future<>(loop, true); // the runtime's own: debug mode does not track it
        }
        emitWait = w;
        Answer a = answer;
        if (a != null) {
            answer = null;
            settle(a, Boolean.TRUE, null);
        }
        return w;
    }

    /**
     * Ends the body's wait at {@code w} with {@code outcome} (FINISHED: the consumer asks again; CANCELLED: closed).
     * When the body's task is the one waiting, on this loop, its step runs now, inside this call (asyncio runs the
     * generator's frame inside {@code __anext__}); else {@code w} is completed as any future and the body resumes
     * through its callbacks.
     */
    private void resumeBody(Future<Void> w, int outcome, String message) {
        EventLoop l = loop;
        if (l != null && w.pendingCallbacks() instanceof Task<?> t && t.loop == l // checkThread passed: on l
                && t.awaiting() == w && w.takeSoleCallback(t)) {
            w.transitionKeepingCallbacks(outcome, message);
            running = true;
            try {
                t.resumeFrom(w);
            } finally {
                running = false;
            }
            if (outcome == Future.FINISHED && spareEmit == null && emitWait != w) {
                spareEmit = w; // the body resumed from it and moved on (waiting elsewhere, or ended)
            }
            if (bodyStage instanceof Future<?> f && f.isDone()) {
                bodyEnded(f); // now, not a turn later through its callback
            }
            return;
        }
        running = true;
        try {
            if (outcome == Future.CANCELLED) {
                w.cancel(message);
            } else {
                w.tryComplete(null);
            }
        } finally {
            running = false;
        }
    }

    private void cancelBody(String message) {
        CompletionStage<?> s = bodyStage;
        if (s instanceof Future<?> f) {
            f.cancel(message);
        } else if (s instanceof java.util.concurrent.Future<?> jf) {
            jf.cancel(false);
        }
    }

    /** After the body ran inside hasNext(): the answer, done when it can be. */
    private Future<Boolean> answerNow() {
        if (hasItem) {
            return TRUE;
        }
        if (state == ENDED) {
            Throwable e = failure;
            if (e != null) {
                failure = null;
                return Future.failed(e);
            }
            return FALSE;
        }
        if (emitWait != null) {
            return FALSE; // unreachable: an emit leaves an item
        }
        Answer a = new Answer(loop);
        answer = a;
        return a;
    }

    private void bodyEnded(Future<?> f) {
        if (state == ENDED) {
            return;
        }
        Throwable e;
        if (f.isCancelled()) {
            e = new CancellationException(f.cancelMessage());
        } else {
            e = f.exception(); // retrieved: handed on to the consumer or the close future
        }
        ended(e);
    }

    private void stageEnded(Throwable e) {
        if (state == ENDED) {
            return;
        }
        ended(e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e);
    }

    /** The body ended, with {@code e} when it threw (a CancellationException when it was cancelled). */
    private void ended(Throwable e) {
        state = ENDED;
        emitWait = null;
        bodyStage = null;
        Answer a = answer;
        answer = null;
        if (a != null) {
            Throwable outcome = e;
            if (a.stopping && (e == null ? closing : e instanceof CancellationException)) {
                // a cancelled answer: the consumer's CancellationException follows the body's end, as in asyncio,
                // where it passes through the generator's frame (a body that caught it and returned ends the
                // iteration instead, unless the generator was closed under the consumer)
                outcome = new CancellationException(a.stopMessage);
            }
            settle(a, Boolean.FALSE, outcome);
        }
        if (closing) {
            Future<Void> c = closeFuture;
            if (c != null) {
                if (emittedAfterClose) {
                    settle(c, null, new IllegalStateException("the body of " + this + " emitted after close()"
                            + " instead of ending (asyncio: async generator ignored GeneratorExit)"));
                } else {
                    settle(c, null, e instanceof CancellationException || a != null ? null : e);
                }
            }
        } else if (a == null) {
            failure = e; // for the next hasNext()
        }
    }

    /**
     * Completes {@code f} (a pending answer, the close future): when its one waiter is a task of this loop and a
     * callback of the loop runs now (the body's step), that task goes on as soon as the step has unwound, as
     * asyncio's consumer goes on in the step that ran the generator; else as any future, through the loop.
     */
    private static <V> void settle(Future<V> f, V value, Throwable failure) {
        EventLoop l = f.loop();
        if (l != null && l.canResumeAfterStep() && f.pendingCallbacks() instanceof Task<?> t && t.loop == l
                && t.awaiting() == f && f.takeSoleCallback(t)) {
            if (failure instanceof CancellationException ce) {
                f.transitionKeepingCallbacks(Future.CANCELLED, ce.getMessage());
            } else if (failure != null) {
                f.transitionKeepingCallbacks(Future.FAILED, failure);
            } else {
                f.transitionKeepingCallbacks(Future.FINISHED, value);
            }
            l.resumeAfterStep(t, f);
        } else if (f instanceof AsyncGenerator<?>.Answer a) {
            a.settle(value, failure);
        } else if (failure != null) {
            f.tryFail(failure);
        } else {
            f.tryComplete(value);
        }
    }

    private void checkThread(String what) {
        EventLoop l = loop;
        if (l != null && !l.isConfinedHere()) {
            throw new IllegalStateException("Cannot call " + what + " of " + this + " from thread '"
                    + Thread.currentThread().getName() + "': only from its loop's thread");
        }
    }

    /**
     * The pending answer of hasNext(). Cancelling it (the consumer's task cancelled while it waits for an item, a
     * timeout) cancels the body where it waits; the answer stays pending until the body has ended, then is
     * cancelled, so the consumer's CancellationException comes after the body's finally blocks, as in asyncio, where
     * it passes through the generator's frame. A body that catches the cancellation and emits gives the consumer
     * that item; one that catches it and returns ends the iteration (asyncio's behaviour in both cases).
     */
    private final class Answer extends Future<Boolean> {
        /** The message of the cancellation that stops the body, once {@link #stop} was called. */
        String stopMessage;
        boolean stopping;

        Answer(EventLoop loop) {
            super(loop, true); // the runtime's own: debug mode tracks the consumer's task, not each answer
        }

        @Override
        public boolean cancel(String message) {
            EventLoop l = loop();
            if (l != null && !l.isConfinedHere()) {
                if (isDone()) {
                    return super.cancel(message); // refused
                }
                l.callSoonThreadsafe(() -> cancel(message)); // the generator's state is its loop thread's
                return true;
            }
            if (isDone() || answer != this) {
                return super.cancel(message);
            }
            // each request goes on to the body's task, which takes them as asyncio's consumer task does, the body
            // running in it (a second one before the body ran is one CancellationException); the generator is not
            // closed: a body that catches the cancellation may still emit
            stop(message);
            return true;
        }

        /** Stops the body with a cancellation carrying {@code message}; this answer ends when the body has. */
        void stop(String message) {
            if (!stopping) {
                stopping = true;
                stopMessage = message;
            }
            cancelBody(message);
        }

        /** The body ended, and its consumer is not resumed in the same step: the answer completes through the loop. */
        void settle(Object value, Throwable failure) {
            if (failure instanceof CancellationException ce) {
                super.cancel(ce.getMessage());
            } else if (failure != null) {
                tryFail(failure);
            } else {
                tryComplete((Boolean) value);
            }
        }
    }

    @Override
    public String toString() {
        return "AsyncGenerator[" + (state == NEW ? "not started" : state == ENDED ? "ended" : closing ? "closing"
                : hasItem ? "item ready" : answer != null ? "waiting for the body" : "suspended") + ", " + body + "]";
    }
}
