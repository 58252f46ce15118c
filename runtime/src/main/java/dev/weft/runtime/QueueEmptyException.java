package dev.weft.runtime;

/** Thrown by {@link Queue#getNow()} when the queue has no item (asyncio's {@code QueueEmpty}). */
public final class QueueEmptyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with {@code message}. */
    public QueueEmptyException(String message) {
        super(message);
    }
}
