package dev.weft.runtime;

import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;

/**
 * The state and code of an {@link AsyncGenerator}: what the generator's body holds (through its emitter), so that
 * the facade the consumer holds can become unreachable while the body waits at an emit, and be cleaned up (see
 * {@link AsyncGenerator}). Loop thread, as the generator.
 */
final class GeneratorCore<T> implements AsyncIterator<T> {

    private static final Future<Boolean> TRUE = Future.completed(Boolean.TRUE);
    private static final Future<Boolean> FALSE = Future.completed(Boolean.FALSE);
    private static final String CLOSED = "the generator was closed";

    /** Not started: the body has not run. */
    private static final byte NEW = 0;
    /** The body runs or waits: it is suspended at an emit, or awaits something else for a pending answer. */
    private static final byte STARTED = 1;
    /** The body ended (or never started and was closed). */
    private static final byte ENDED = 2;

    private final AsyncGenerator.Body<T> body;
    /** The loop, for the clean-up of an abandoned generator (read by the Cleaner's thread); null before the start. */
    private volatile EventLoop cleanupLoop;
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

    GeneratorCore(AsyncGenerator.Body<T> body) {
        this.body = Objects.requireNonNull(body, "body");
    }

    /**
     * The consumer dropped the generator without closing it (its facade was collected), on the loop's thread: a
     * body suspended at an emit is closed, its finally blocks run (asyncio's finalizer of an abandoned async
     * generator); what the close fails with goes to the loop's exception handler.
     */
    void abandoned() {
        if (state != STARTED || closing || running) {
            return;
        }
        Future<Void> c = close();
        c.addDoneCallback(f -> {
            if (!f.isCancelled() && f.exception() != null) {
                loop.reportError(new LoopError("an abandoned " + this + " failed while it was closed",
                        f.exception(), this));
            }
        });
    }

    /** What the Cleaner runs when the facade is collected: hands {@link #abandoned} to the loop, if there is one. */
    static final class Abandon implements Runnable {
        private final GeneratorCore<?> core;

        Abandon(GeneratorCore<?> core) {
            this.core = core;
        }

        @Override
        public void run() {
            EventLoop l = core.cleanupLoop;
            if (l != null && !l.isClosed()) {
                try {
                    l.callSoonThreadsafe(core::abandoned);
                } catch (RuntimeException closedMeanwhile) {
                    // the loop closed between the check and the call: its end cancelled the body already
                }
            }
        }
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
        cleanupLoop = loop;
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
        } else if (f instanceof GeneratorCore<?>.Answer a) {
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
    final class Answer extends Future<Boolean> {
        /** The message of the cancellation that stops the body, once {@link #stop} was called. */
        String stopMessage;
        /**
         * The generator whose hasNext() gave this answer: whoever awaits the answer keeps the generator reachable, so
         * it is not taken for abandoned while its consumer waits for the item.
         */
        Object holder;
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
