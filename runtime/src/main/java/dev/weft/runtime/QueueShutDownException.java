package dev.weft.runtime;

/**
 * Thrown, and the future of {@link Queue#get()} or {@link Queue#put(Object)} failed with it, when the queue is shut
 * down (asyncio 3.13's {@code QueueShutDown}): by a put after {@link Queue#shutdown(boolean)}, by a get once the
 * shut-down queue is empty, and by the gets and puts that were waiting when it was shut down.
 */
public final class QueueShutDownException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with {@code message}. */
    public QueueShutDownException(String message) {
        super(message);
    }
}
