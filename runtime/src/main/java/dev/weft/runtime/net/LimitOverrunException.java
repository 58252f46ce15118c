package dev.weft.runtime.net;

import java.io.IOException;

/**
 * {@link StreamReader#readUntil} or {@code readLine} found no separator within the read limit (asyncio's
 * LimitOverrunError). Nothing is consumed when the separator was not seen; {@link #consumed()} says how many bytes
 * to skip (or read) to get past the long record.
 */
public final class LimitOverrunException extends IOException {
    private final int consumed;

    LimitOverrunException(String message, int consumed) {
        super(message);
        this.consumed = consumed;
    }

    public int consumed() {
        return consumed;
    }
}
