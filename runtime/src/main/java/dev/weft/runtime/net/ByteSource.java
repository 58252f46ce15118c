package dev.weft.runtime.net;

/** What a {@link StreamReader} reads from: a socket's stream, or a test's hand-fed bytes. Loop thread. */
interface ByteSource {
    /** Throws IllegalStateException, saying {@code what} was tried, off the source's loop thread. */
    void checkLoopThread(String what);

    /** The reader is at or under its limit: reading may go on. */
    void resumeReading();

    /** A read waits: reading goes on whatever the reader holds. */
    void resumeReadingNow();
}
