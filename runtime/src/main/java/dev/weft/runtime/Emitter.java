package dev.weft.runtime;

/**
 * What an {@link AsyncGenerator}'s body emits its items through: asyncio's {@code yield} in an
 * {@code async def}.
 *
 * <pre>{@code
 * @Async
 * static Task<Void> countdown(Emitter<Integer> out, int from) {
 *     for (int i = from; i > 0; i--) {
 *         await(out.emit(i));      // suspends until the consumer asks for the next item
 *     }
 *     return Task.completed(null);
 * }
 * }</pre>
 *
 * @param <T> the item type
 */
public interface Emitter<T> {

    /**
     * Hands {@code item} to the consumer. The body must await the future before it emits again: the future is
     * done when the consumer asks for the next item, and is cancelled (a
     * {@link java.util.concurrent.CancellationException} at the body's {@code await}, so its {@code finally} blocks
     * run) when the consumer closes the generator instead.
     *
     * @param item the item; {@code null} is allowed
     * <p>The future is the generator's to reuse: once the body has resumed from it, the next {@code emit} may give the
     * same object again, pending, so an item costs no future. Await it; do not keep it.
     *
     * @return the future to await
     * @throws IllegalStateException when the previous emit's future was not awaited to its end
     */
    Future<Void> emit(T item);
}
