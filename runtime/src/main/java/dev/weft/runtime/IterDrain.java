package dev.weft.runtime;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;

/**
 * The coroutine of a terminal operation of {@link AsyncIterators} (toList, forEach, forEachAsync): asyncio's
 * {@code try: async for x in it: action(x) finally: await it.aclose()}, hand-written. Items that need no waiting are
 * taken in one step, in a loop, so a long run of them neither grows the stack nor takes turns of the loop.
 *
 * <p>The iterator is closed on every way out, and the close awaited before the task ends: at the end, when the
 * iterator or the action fails (the task then fails with that exception, the original, with a failure of the
 * closing added as suppressed), and when the task is cancelled.
 *
 * @param <T> the item type
 * @param <A> what the task returns
 */
final class IterDrain<T, A> implements Coroutine<A> {

    /** What is done with each item: returns anything, or, for an async action, the stage to await. */
    @FunctionalInterface
    interface Action<T> {
        Object apply(T item) throws Throwable;
    }

    private static final int ASK = 0;
    private static final int ASKED = 1;
    private static final int ACTED = 2;
    private static final int CLOSING = 3;
    private static final int CLOSED = 4;

    private final AsyncIterator<T> source;
    private final Action<? super T> action;
    private final boolean async;
    private final A result;
    private final String name;
    private int label = ASK;
    private Throwable failure;

    IterDrain(String name, AsyncIterator<T> source, Action<? super T> action, boolean async, A result) {
        this.name = name;
        this.source = java.util.Objects.requireNonNull(source, "iterator");
        this.action = action;
        this.async = async;
        this.result = result;
    }

    @Override
    public Object step(Task<A> task, Object sent, Throwable thrown) throws Throwable {
        for (;;) {
            try {
                switch (label) {
                    case ASK: {
                        if (thrown != null) {
                            throw thrown;
                        }
                        Future<Boolean> f = source.hasNext();
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
                        if (thrown != null) {
                            throw thrown;
                        }
                        if (!(sent instanceof Boolean has)) {
                            throw new IllegalStateException("hasNext() of " + source + " gave " + sent
                                    + " instead of true or false");
                        }
                        if (!has) {
                            label = CLOSING;
                            continue;
                        }
                        Object r = action.apply(source.next());
                        label = ACTED;
                        if (async) {
                            if (r == null) {
                                throw new NullPointerException("the action of " + this
                                        + " returned null instead of a CompletionStage");
                            }
                            if (!(r instanceof Future<?> stage) || !stage.isDone()) {
                                return task.suspendOn((CompletionStage<?>) r);
                            }
                            thrown = IterPump.failureOf(stage);
                        }
                    }
                    // fall through
                    case ACTED: {
                        if (thrown != null) {
                            throw thrown;
                        }
                        label = ASK;
                        continue;
                    }
                    case CLOSING: {
                        Future<Void> c = source.close();
                        label = CLOSED;
                        if (!c.isDone()) {
                            return task.suspendOn(c);
                        }
                        thrown = IterPump.failureOf(c);
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
                sent = null;
                thrown = null;
                label = CLOSING;
            }
        }
    }

    private Object finish(Throwable closeFailure) throws Throwable {
        Throwable e = failure;
        failure = null;
        if (e == null) {
            if (closeFailure != null) {
                throw closeFailure;
            }
            return result;
        }
        if (closeFailure != null && closeFailure != e && !(closeFailure instanceof CancellationException)) {
            e.addSuppressed(closeFailure);
        }
        throw e;
    }

    @Override
    public String toString() {
        return name + "(" + source + ")";
    }
}
