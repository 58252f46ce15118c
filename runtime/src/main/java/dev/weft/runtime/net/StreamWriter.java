package dev.weft.runtime.net;

import dev.weft.runtime.Future;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The writing half of a {@link Connection} (asyncio's {@code StreamWriter}): {@link #write} never blocks, writing
 * what the socket takes and buffering the rest; {@link #drain} is the back-pressure, waiting while more than the
 * high-water mark is buffered until it is down to the low-water mark. A failure of the socket (a reset, say) ends
 * every waiting {@code drain} with the socket's exception, and the next {@code write} throws it. Loop thread only.
 */
public final class StreamWriter {
    private final SocketStream stream;
    private final int high;
    private final int low;
    /** One future per waiting drain (a cancelled drain must not cancel the others'). */
    private final List<Future<Void>> drainers = new ArrayList<>(1);

    StreamWriter(SocketStream stream, int high, int low) {
        this.stream = stream;
        this.high = high;
        this.low = low;
    }

    /**
     * Writes {@code data}, or buffers what the socket does not take now; never blocks. Once the socket has failed,
     * what is written is dropped and {@link #drain} fails with the socket's exception, as asyncio's writer does.
     *
     * @throws IllegalStateException after {@link #writeEof} or {@link #close}; under TLS, also once the TLS output
     *     is closed (a TLS 1.2 peer's close_notify closes both directions; a TLS 1.3 peer's only its own)
     */
    public void write(byte[] data) {
        write(data, 0, data.length);
    }

    /** As {@link #write(byte[])}, for {@code length} bytes of {@code data} from {@code offset}. */
    public void write(byte[] data, int offset, int length) {
        stream.checkLoopThread("write to");
        stream.write(data, offset, length);
    }

    /**
     * How many bytes are buffered, not yet taken by the socket: what {@link #drain} compares with its marks. Under
     * TLS, the TLS records queued (the bytes written plus a few dozen per record of up to 16 KiB) and the bytes
     * written that wait, unencrypted, for the handshake.
     */
    public long buffered() {
        return stream.pendingBytes();
    }

    /**
     * Done at once while the buffer is at or under the high-water mark; else when it is down to the low-water mark.
     * Fails with the socket's exception when it failed, and with an IOException when the connection was closed
     * with bytes still buffered.
     */
    public Future<Void> drain() {
        stream.checkLoopThread("drain");
        Throwable failure = stream.failure();
        if (failure != null) {
            return Future.failed(failure);
        }
        if (stream.pendingBytes() <= high) {
            return Future.completed(null);
        }
        Future<Void> f = new Future<>();
        drainers.add(f);
        return f;
    }

    /**
     * Shuts the output down once the buffered bytes are out (a half-close: the peer reads the end of the stream).
     *
     * @throws UnsupportedOperationException on a TLS connection (as asyncio's SSL transport): {@link #close} sends
     *     close_notify and closes instead
     */
    public void writeEof() {
        stream.checkLoopThread("shut the output of");
        stream.writeEof();
    }

    /** Closes the connection once the buffered bytes are out; see {@link Connection#close}. */
    public void close() {
        stream.checkLoopThread("close");
        stream.close();
    }

    /** Done when the connection is closed (asyncio's {@code wait_closed}). */
    public Future<Void> closed() {
        return stream.closedFuture;
    }

    /** True once {@link #close} was called or the connection closed. */
    public boolean isClosing() {
        return stream.isClosing();
    }

    public SocketAddress remoteAddress() {
        try {
            return stream.channel.getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------------------------------ the stream's side

    void written() {
        if (!drainers.isEmpty() && stream.pendingBytes() <= low) {
            List<Future<Void>> ready = new ArrayList<>(drainers);
            drainers.clear();
            for (Future<Void> f : ready) {
                f.tryComplete(null);
            }
        }
    }

    void failed(Throwable e) {
        List<Future<Void>> waiting = new ArrayList<>(drainers);
        drainers.clear();
        for (Future<Void> f : waiting) {
            f.tryFail(e);
        }
    }

    void closed(Throwable cause) {
        if (cause != null) {
            failed(cause);
            return;
        }
        List<Future<Void>> waiting = new ArrayList<>(drainers);
        drainers.clear();
        for (Future<Void> f : waiting) {
            f.tryFail(new IOException("the connection was closed before its buffered bytes were written"));
        }
    }
}
