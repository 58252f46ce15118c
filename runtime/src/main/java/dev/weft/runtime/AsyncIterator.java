package dev.weft.runtime;

import java.util.NoSuchElementException;

/**
 * A sequence whose items arrive asynchronously: asyncio's asynchronous iterator ({@code __anext__} /
 * {@code aclose()}), in an await-friendly Java shape. The consumer's loop:
 *
 * <pre>{@code
 * AsyncIterator<Row> rows = db.query(sql);
 * try {
 *     while (await(rows.hasNext())) {      // waits for the next item, or the end
 *         Row r = rows.next();              // the item hasNext() announced; never waits
 *         if (done(r)) break;               // leaving early: close() below stops the source
 *     }
 * } finally {
 *     await(rows.close());                  // the source's finally blocks have run when this returns
 * }
 * }</pre>
 *
 * <p><b>The protocol.</b> {@link #hasNext()} asks for the next item: its future is done with {@code true} when
 * an item is ready for {@link #next()}, with {@code false} at the end, or with the source's exception (the
 * original, unwrapped, thrown at the consumer's {@code await}). Until {@code next()} takes the item, further calls
 * of {@code hasNext()} give {@code true} again and ask for nothing; while an answer is pending, they give the same
 * pending future. {@code next()} takes the item; without one (hasNext() not called, or its answer not
 * {@code true} yet) it throws {@link NoSuchElementException}. After the end or a failure, {@code hasNext()} gives
 * {@code false}.
 *
 * <p><b>Cancellation.</b> Cancelling the future of a pending {@code hasNext()} (which is what cancelling the task
 * awaiting it does) cancels the source's work for that item; a source that stops on it is then at its end.
 *
 * <p><b>Closing.</b> {@link #close()} is asyncio's {@code aclose()}: it stops the source where it is (a generator
 * gets a {@link java.util.concurrent.CancellationException} at its suspended {@code emit}, so its {@code finally}
 * blocks run), and its future is done once the source has stopped, failed with what the source threw while
 * stopping, if anything. Closing twice, or after the end, does nothing more. A consumer that stops early must
 * close; {@link AsyncIterators#forEach} and the other terminal operations close for it.
 *
 * <p>An iterator belongs to one event loop and is used on that loop's thread, as asyncio's are.
 *
 * @param <T> the item type
 * @see AsyncGenerator
 * @see AsyncIterators
 */
public interface AsyncIterator<T> {

    /**
     * Asks for the next item.
     *
     * @return a future done with {@code true} when {@link #next()} has an item, {@code false} at the end, or
     *     failed with the source's exception
     */
    Future<Boolean> hasNext();

    /**
     * Takes the item that {@link #hasNext()} announced.
     *
     * @throws NoSuchElementException when no item is ready
     */
    T next();

    /**
     * Stops the source, as asyncio's {@code aclose()}; see the class documentation.
     *
     * @return a future done when the source has stopped
     */
    Future<Void> close();
}
