package dev.weft.runtime.net;

import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import javax.net.ssl.SSLEngine;

/**
 * A connected socket channel on a loop (asyncio's {@code _SelectorSocketTransport}): reads what arrives into the
 * reader, pausing while the reader holds more than twice its limit; writes at once what the socket takes and
 * buffers the rest, written when the socket is ready again. With TLS ({@link #startTls}) a {@link TlsLayer} sits
 * between the socket and the reader and writer: the raw paths below then carry TLS records. Loop thread only.
 */
final class SocketStream implements ByteSource {
    /** One scratch buffer per loop thread for reads: a connection holds no read buffer of its own while idle. */
    private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(
            () -> ByteBuffer.allocateDirect(256 * 1024));

    final EventLoop loop;
    final SocketChannel channel;
    final StreamReader reader;
    final StreamWriter writer;
    private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();
    private long pendingBytes;
    private boolean reading;
    /** The peer shut its side down (read gave -1). */
    private boolean readEof;
    /** This side's output is shut down ({@link #writeEof}). */
    private boolean outputShut;
    private boolean eofAfterFlush;
    private boolean closeAfterFlush;
    private boolean closed;
    /** TLS from now on (set by {@link #startTls}), else null. */
    private TlsLayer tls;
    /** close() was called under TLS: close_notify follows the bytes written (after the handshake if need be). */
    private boolean tlsClosing;
    private final java.time.Duration tlsHandshakeTimeout;
    private Throwable failure;
    final Future<Void> closedFuture;
    /** What the loop closes when it closes before this connection did: an abort (nothing can be flushed then). */
    private final AutoCloseable atLoopClose = this::abort;
    /** The selector's callbacks, made once (pausing and resuming reading is frequent under back-pressure). */
    private final Runnable readable = this::onReadable;
    private final Runnable writable = this::onWritable;

    SocketStream(EventLoop loop, SocketChannel channel, StreamOptions options) {
        this.loop = loop;
        this.channel = channel;
        this.reader = new StreamReader(this, options.readLimit());
        this.writer = new StreamWriter(this, options.highWater(), options.lowWater());
        this.closedFuture = new Future<>(loop);
        this.tlsHandshakeTimeout = options.tlsHandshakeTimeout();
    }

    void start() {
        loop.closeWithLoop(atLoopClose);
        resumeReading();
    }

    @Override
    public void checkLoopThread(String what) {
        if (!loop.inLoopThread()) {
            throw new IllegalStateException("Cannot " + what + " " + this + " from thread '"
                    + Thread.currentThread().getName() + "': only from its loop's thread");
        }
    }

    // ------------------------------------------------------------------------------------------ reading

    /** The reader is down to its limit again: reading goes on if it had paused. */
    @Override
    public void resumeReading() {
        if (reader.buffered() <= reader.limit() * 2L) {
            resumeReadingNow();
        }
    }

    /** A read waits for more than is buffered: reading goes on whatever the buffer holds (asyncio's _wait_for_data). */
    @Override
    public void resumeReadingNow() {
        if (!reading && !closed && !readEof) {
            reading = true;
            loop.addReader(channel, readable);
        }
    }

    private void pauseReading() {
        if (reading) {
            reading = false;
            loop.removeReader(channel);
        }
    }

    private void onReadable() {
        if (closed) {
            return;
        }
        if (tls != null) {
            onReadableTls();
            return;
        }
        ByteBuffer scratch = SCRATCH.get();
        scratch.clear();
        int n;
        try {
            n = channel.read(scratch);
        } catch (IOException e) {
            fail(e);
            return;
        }
        if (n > 0) {
            scratch.flip();
            reader.feed(scratch);
            if (reader.buffered() > reader.limit() * 2L) {
                pauseReading();
            }
        } else if (n < 0) {
            pauseReading();
            readEof = true;
            reader.feedEof();
            if (outputShut) {
                closeNow(null); // both directions done (asyncio closes then too)
            }
        }
    }

    private void onReadableTls() {
        int n;
        try {
            n = channel.read(tls.readBuffer());
        } catch (IOException e) {
            fail(e);
            return;
        }
        if (n < 0) {
            pauseReading();
            readEof = true;
        }
        tls.received(n);
        if (!closed && reader.buffered() > reader.limit() * 2L && !tls.handshaking()) {
            pauseReading(); // never during a handshake: it needs the peer's bytes whatever the reader holds
        }
    }

    // ------------------------------------------------------------------------------------------ TLS

    /**
     * From now on the reader and writer go through TLS with {@code engine} (configured by the caller, client or
     * server mode); the handshake starts at once. What the reader holds stays as it is (plaintext); what is
     * buffered for writing goes out first, as plaintext. Returns the handshake's future.
     */
    Future<Void> startTls(SSLEngine engine) {
        if (tls != null) {
            throw new IllegalStateException(this + " already uses TLS");
        }
        if (closed || closeAfterFlush) {
            throw new IllegalStateException("Cannot start TLS on " + this + ": it is closed or closing");
        }
        if (outputShut || eofAfterFlush) {
            throw new IllegalStateException("Cannot start TLS on " + this + " after writeEof()");
        }
        if (failure != null) {
            return Future.failed(failure);
        }
        if (readEof) {
            return Future.failed(new javax.net.ssl.SSLHandshakeException(
                    "Cannot start TLS on " + this + ": the peer closed its side"));
        }
        tls = new TlsLayer(this, engine, tlsHandshakeTimeout);
        resumeReadingNow();
        tls.start();
        return tls.handshake;
    }

    TlsLayer tls() {
        return tls;
    }

    /** Application bytes unwrapped. */
    void tlsData(byte[] data, int off, int len) {
        reader.feed(data, off, len);
    }

    /** The peer's close_notify (or its end of stream after the handshake): the reader's end. */
    void tlsEof() {
        pauseReading();
        readEof = true; // nothing after close_notify counts: no more reading
        if (!reader.atEof()) {
            reader.feedEof();
        }
    }

    /** The engine waits for a record from the peer: read whatever the reader holds. */
    void tlsNeedsBytes() {
        resumeReadingNow();
    }

    /** Bytes moved from the TLS layer's early queue to the raw path: drain() may be over. */
    void tlsWritten() {
        writer.written();
    }

    void tlsFailed(IOException e) {
        fail(e);
    }

    /** close_notify is in the raw path: close once it is out. */
    void closeAfterTls() {
        pauseReading();
        if (pending.isEmpty()) {
            closeNow(null);
        } else {
            closeAfterFlush = true;
        }
    }

    /** Writes what the socket takes now, if nothing is queued before it; the rest is dropped (a failure's alert). */
    void writeNowOnly(ByteBuffer b) throws IOException {
        if (!closed && pending.isEmpty() && b.hasRemaining()) {
            channel.write(b);
        }
    }

    boolean isClosedNow() {
        return closed;
    }

    // ------------------------------------------------------------------------------------------ writing

    void write(byte[] data, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, data.length);
        if (outputShut || eofAfterFlush) {
            throw new IllegalStateException("Cannot write to " + this + " after writeEof()");
        }
        if (failure != null) {
            return; // dropped: drain() reports the failure
        }
        if (closed || closeAfterFlush || tlsClosing) {
            throw new IllegalStateException("Cannot write to " + this + ": it is closed or closing");
        }
        if (len == 0) {
            return;
        }
        if (tls != null) {
            tls.write(data, off, len);
            return;
        }
        rawWrite(ByteBuffer.wrap(data, off, len));
    }

    /** Writes {@code b} at once, as far as the socket takes it, and queues a copy of the rest. */
    void rawWrite(ByteBuffer b) {
        if (closed) {
            return;
        }
        if (pending.isEmpty()) {
            try {
                channel.write(b);
            } catch (IOException e) {
                fail(e);
                return;
            }
            if (!b.hasRemaining()) {
                return;
            }
            loop.addWriter(channel, writable);
        }
        ByteBuffer copy = ByteBuffer.allocate(b.remaining());
        copy.put(b).flip(); // the caller may reuse its array
        pending.add(copy);
        pendingBytes += copy.remaining();
    }

    /**
     * What drain() counts: the bytes queued for the socket (TLS records under TLS: the application bytes plus a few
     * dozen bytes per record of at most 16 KiB) and, under TLS, the application bytes that wait for the handshake.
     */
    long pendingBytes() {
        return tls == null ? pendingBytes : pendingBytes + tls.earlyBytes();
    }

    private void onWritable() {
        try {
            while (!pending.isEmpty()) {
                ByteBuffer b = pending.peek();
                int n = channel.write(b);
                pendingBytes -= n;
                if (b.hasRemaining()) {
                    break;
                }
                pending.poll();
            }
        } catch (IOException e) {
            fail(e);
            return;
        }
        if (pending.isEmpty()) {
            loop.removeWriter(channel);
            if (closeAfterFlush) {
                closeNow(null);
                return;
            }
            if (eofAfterFlush) {
                eofAfterFlush = false;
                shutdownOutput();
            }
        }
        writer.written();
    }

    void writeEof() {
        if (tls != null) {
            throw new UnsupportedOperationException("writeEof() is not supported on a TLS connection: TLS has no"
                    + " half-close here (close() sends close_notify and closes), as asyncio's SSL transport");
        }
        if (closed || outputShut || eofAfterFlush) {
            return;
        }
        if (pending.isEmpty()) {
            shutdownOutput();
        } else {
            eofAfterFlush = true;
        }
    }

    private void shutdownOutput() {
        try {
            channel.shutdownOutput();
            outputShut = true;
            if (readEof) {
                closeNow(null);
            }
        } catch (IOException e) {
            fail(e);
        }
    }

    // ------------------------------------------------------------------------------------------ closing

    /** asyncio's {@code transport.close()}: no more reading; closes once the buffered writes are out. */
    void close() {
        if (closed) {
            return;
        }
        if (tls != null) {
            if (!tlsClosing && !closeAfterFlush) {
                tlsClosing = true;
                tls.close(); // close_notify after what was written, then closeAfterTls
            }
            return;
        }
        pauseReading();
        if (pending.isEmpty()) {
            closeNow(null);
        } else {
            closeAfterFlush = true;
        }
    }

    /** asyncio's {@code transport.abort()}: at once, dropping the buffered writes. */
    void abort() {
        closeNow(null);
    }

    private void fail(IOException e) {
        if (failure == null) {
            failure = e;
        }
        reader.setException(e);
        writer.failed(e);
        closeNow(e);
    }

    private void closeNow(Throwable cause) {
        if (closed) {
            return;
        }
        closed = true;
        reading = false;
        pending.clear();
        pendingBytes = 0;
        loop.stopClosingWithLoop(atLoopClose);
        try {
            channel.close(); // forgets its selector key
        } catch (IOException ignored) {
            // closing: nothing more to do with it
        }
        if (loop.isClosed()) {
            return; // closed with its loop: nobody can await anything of it any more
        }
        if (!reader.atEof()) {
            reader.feedEof();
        }
        writer.closed(cause);
        if (tls != null) {
            tls.closed(cause);
        }
        closedFuture.tryComplete(null);
    }

    boolean isClosing() {
        return closed || closeAfterFlush || tlsClosing;
    }

    Throwable failure() {
        return failure;
    }

    static IOException asIo(Throwable t) {
        return t instanceof IOException io ? io : new IOException(t);
    }

    @Override
    public String toString() {
        String peer;
        try {
            peer = String.valueOf(channel.getRemoteAddress());
        } catch (IOException | RuntimeException e) {
            peer = "?";
        }
        return "Connection[" + (closed ? "closed, " : "") + "peer " + peer + "]";
    }
}
