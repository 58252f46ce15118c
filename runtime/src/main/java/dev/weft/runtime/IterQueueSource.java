package dev.weft.runtime;

import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * {@link AsyncIterators#fromQueue}'s generator body, hand-written: asyncio's
 * {@code while True: try: x = await q.get() except QueueShutDown: return; yield x}. An item is taken only when the
 * consumer asks for one; a get cancelled (the consumer's pending hasNext cancelled, or the iterator closed while it
 * waits) loses no item, as {@link Queue#get()} guarantees.
 *
 * @param <T> the item type
 */
final class IterQueueSource<T> implements AsyncGenerator.Body<T>, Coroutine<Void> {
    private static final int GET = 0;
    private static final int GOT = 1;
    private static final int EMITTED = 2;

    private final Queue<T> queue;
    private Emitter<T> out;
    private int label = GET;

    IterQueueSource(Queue<T> queue) {
        this.queue = Objects.requireNonNull(queue, "queue");
    }

    @Override
    public CompletionStage<?> run(Emitter<T> out) {
        this.out = out;
        return Task.start(this);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object step(Task<Void> task, Object sent, Throwable thrown) throws Throwable {
        for (;;) {
            switch (label) {
                case GET: {
                    if (thrown != null) {
                        throw thrown;
                    }
                    Future<T> g = queue.get();
                    label = GOT;
                    if (!g.isDone()) {
                        return task.suspendOn(g);
                    }
                    try {
                        sent = g.result();
                    } catch (Throwable e) {
                        thrown = e;
                    }
                }
                // fall through
                case GOT: {
                    if (thrown instanceof QueueShutDownException) {
                        return null; // shut down and empty: the end
                    }
                    if (thrown != null) {
                        throw thrown;
                    }
                    Future<Void> e = out.emit((T) sent);
                    sent = null;
                    label = EMITTED;
                    if (!e.isDone()) {
                        return task.suspendOn(e);
                    }
                    thrown = IterPump.failureOf(e);
                }
                // fall through
                case EMITTED: {
                    if (thrown != null) {
                        throw thrown; // closed: nothing more is taken
                    }
                    label = GET;
                    continue;
                }
                default:
                    throw new IllegalStateException(this + " resumed at label " + label);
            }
        }
    }

    @Override
    public String toString() {
        return "AsyncIterators.fromQueue(" + queue + ")";
    }
}
