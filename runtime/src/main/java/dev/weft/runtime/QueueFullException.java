package dev.weft.runtime;

/** Thrown by {@link Queue#putNow(Object)} when a bounded queue is full (asyncio's {@code QueueFull}). */
public final class QueueFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with {@code message}. */
    public QueueFullException(String message) {
        super(message);
    }
}
