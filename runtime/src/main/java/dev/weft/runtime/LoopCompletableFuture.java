package dev.weft.runtime;

import java.util.concurrent.CompletableFuture;

/**
 * A CompletableFuture that code of one loop completes: what {@link Future#toCompletableFuture()} returns (and so
 * an {@code @Async} method declared to return {@code CompletableFuture}), and {@link EventLoop#submit}'s result.
 * Awaited by a task of that same loop, it is the loop's own work and does not hold a {@linkplain VirtualClock virtual
 * clock}; a task of another loop, or a plain CompletableFuture, does. The stages derived from it ({@code thenApply}
 * and the rest) are of this class too, for the same loop.
 */
final class LoopCompletableFuture<T> extends CompletableFuture<T> {
    final EventLoop loop;

    LoopCompletableFuture(EventLoop loop) {
        this.loop = loop;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new LoopCompletableFuture<>(loop);
    }

    /** True when a task of {@code awaiter}'s loop awaiting {@code cf} waits for work that left that loop. */
    static boolean leavesLoop(CompletableFuture<?> cf, EventLoop awaiter) {
        return !(cf instanceof LoopCompletableFuture<?> own && own.loop == awaiter);
    }
}
