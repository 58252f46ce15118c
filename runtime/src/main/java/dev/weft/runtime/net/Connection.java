package dev.weft.runtime.net;

import dev.weft.runtime.Future;
import java.io.IOException;
import java.net.SocketAddress;

/** A TCP connection on a loop: its {@link #reader()} and {@link #writer()} (asyncio's reader/writer pair). */
public final class Connection implements AutoCloseable {
    private final SocketStream stream;

    Connection(SocketStream stream) {
        this.stream = stream;
    }

    public StreamReader reader() {
        return stream.reader;
    }

    public StreamWriter writer() {
        return stream.writer;
    }

    /** Closes once the buffered writes are out (asyncio's {@code writer.close()}); {@link #closed()} says when. */
    @Override
    public void close() {
        stream.checkLoopThread("close");
        stream.close();
    }

    /** Closes at once, dropping buffered writes (asyncio's {@code transport.abort()}). */
    public void abort() {
        stream.checkLoopThread("abort");
        stream.abort();
    }

    /** Done when the connection is closed. */
    public Future<Void> closed() {
        return stream.closedFuture;
    }

    public SocketAddress remoteAddress() {
        return stream.writer.remoteAddress();
    }

    public SocketAddress localAddress() {
        try {
            return stream.channel.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return stream.toString();
    }
}
