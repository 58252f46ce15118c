package dev.weft.runtime.net;

import java.io.EOFException;

/** {@link StreamReader#readExactly}, or {@code readUntil}, met the end of the stream first (asyncio's IncompleteReadError). */
public final class IncompleteReadException extends EOFException {
    private final byte[] partial;
    private final int expected;

    IncompleteReadException(byte[] partial, int expected) {
        super(partial.length + " bytes read on a total of " + (expected < 0 ? "undefined" : expected) + " expected bytes");
        this.partial = partial;
        this.expected = expected;
    }

    /** The bytes that did arrive (they are consumed). */
    public byte[] partial() {
        return partial.clone();
    }

    /** How many were asked for; -1 for a read up to a separator. */
    public int expected() {
        return expected;
    }
}
