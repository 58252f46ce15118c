package dev.weft.runtime;

import java.util.function.Consumer;

/**
 * A done-callback of the runtime's own that runs inside the completion, on the loop's thread, instead of a turn
 * later through the loop: an {@link AsyncGenerator} sees its body's task end within the step that ended it, so its
 * consumer goes on in that step, as asyncio's does. Added to a future that is done already, or completed from
 * another thread, it runs through the loop as any callback. Never for user code: user callbacks always run through
 * the loop.
 */
interface DoneHook extends Consumer<Future<?>> {
}
