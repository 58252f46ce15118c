package dev.weft.runtime;

/**
 * Thrown when an operation does not fit a future's state, as asyncio's {@code InvalidStateError}: completing a
 * future that is already done, or asking a pending future for its result.
 */
public class InvalidStateException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public InvalidStateException(String message) {
        super(message);
    }
}
