package dev.weft.runtime;

import java.lang.ref.Cleaner;
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
 * <p><b>Abandoned.</b> A generator the consumer drops without closing it, its body suspended at an emit, is closed
 * on its loop once the garbage collector has found it unreachable (asyncio's finalizer of an abandoned async
 * generator): the body's finally blocks run then, and its task leaves the loop's pending tasks. Close it yourself
 * when you can: when that happens is the collector's choice.
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

    /** Closes generators whose consumers dropped them (see the class documentation). */
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "weft-generator-cleaner");
        t.setDaemon(true);
        return t;
    });

    private final GeneratorCore<T> core;

    private AsyncGenerator(GeneratorCore<T> core) {
        this.core = core;
    }

    /**
     * A generator running {@code body} at the first {@link #hasNext()}; nothing runs now.
     *
     * @param body the body, which emits through the emitter it is given
     * @param <T> the item type
     * @return the generator
     */
    public static <T> AsyncGenerator<T> of(Body<T> body) {
        GeneratorCore<T> core = new GeneratorCore<>(body);
        AsyncGenerator<T> g = new AsyncGenerator<>(core);
        CLEANER.register(g, new GeneratorCore.Abandon(core));
        return g;
    }

    @Override
    public Future<Boolean> hasNext() {
        Future<Boolean> f = core.hasNext();
        if (f instanceof GeneratorCore<?>.Answer a) {
            a.holder = this; // a pending answer keeps the generator: its consumer is not gone
        }
        return f;
    }

    @Override
    public T next() {
        return core.next();
    }

    @Override
    public Future<Void> close() {
        return core.close();
    }

    @Override
    public String toString() {
        return core.toString();
    }
}
