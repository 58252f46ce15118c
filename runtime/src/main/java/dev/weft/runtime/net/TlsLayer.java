package dev.weft.runtime.net;

import dev.weft.runtime.Future;
import dev.weft.runtime.TimerHandle;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * TLS between a {@link SocketStream}'s socket and its reader and writer, through an {@link SSLEngine}: the bytes
 * read from the socket are unwrapped into the reader, the bytes written are wrapped and go out through the stream's
 * raw write path (after any plaintext still buffered there, which is what STARTTLS needs).
 *
 * <p>The handshake starts at once ({@link #start}); application bytes written before it is done wait here, as
 * plaintext, and are wrapped when it is. Delegated tasks ({@code NEED_TASK}) run inline on the loop's thread: they
 * are the certificate checks and key computations of one handshake, short enough that handing them to an executor
 * would cost more than it saves for a first version. Loop thread only, like the stream.
 */
final class TlsLayer {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /**
     * Per loop thread, what unwrap writes into ([0]) and wrap writes into ([1]): both are emptied before the call
     * returns (to the reader, which copies; to the raw write path, which copies what the socket does not take), so
     * an idle connection holds only its partial incoming record. Grown when a session wants more.
     */
    private static final ThreadLocal<ByteBuffer[]> SCRATCH = ThreadLocal.withInitial(() -> new ByteBuffer[2]);

    private final SocketStream stream;
    final SSLEngine engine;
    /** Done when the handshake is done; failed with the engine's exception (an SSLHandshakeException, mostly). */
    final Future<Void> handshake;
    /** Socket bytes not unwrapped yet (a partial record), in read mode: position to limit. */
    private ByteBuffer netIn;
    /** Where unwrap puts the application bytes before they go to the reader (the thread's scratch). */
    private ByteBuffer appIn;
    /** Where wrap puts a record before it goes to the raw write path (the thread's scratch). */
    private ByteBuffer netOut;
    /**
     * Application bytes written during the handshake (or a TLS 1.2 renegotiation, when the engine takes none),
     * wrapped once it is done, in order.
     */
    private final ArrayDeque<ByteBuffer> early = new ArrayDeque<>();
    private long earlyBytes;
    private boolean handshaking = true;
    /** close() was asked during a handshake: close_notify once it is done and the early bytes are wrapped. */
    private boolean closeWhenFlushed;
    /** The peer's close_notify arrived (or its raw end of stream): the reader has its end. */
    private boolean inboundDone;
    /** Re-entry guard: the pump runs to completion before it runs again. */
    private boolean pumping;

    private final Duration timeout;
    private TimerHandle timer;

    TlsLayer(SocketStream stream, SSLEngine engine, Duration timeout) {
        this.stream = stream;
        this.engine = engine;
        this.timeout = timeout;
        this.handshake = new Future<>(stream.loop);
        SSLSession s = engine.getSession();
        this.netIn = ByteBuffer.allocate(s.getPacketBufferSize());
        this.netIn.flip(); // empty, in read mode
        ByteBuffer[] scratch = SCRATCH.get();
        if (scratch[0] == null || scratch[0].capacity() < s.getApplicationBufferSize()) {
            scratch[0] = ByteBuffer.allocate(s.getApplicationBufferSize());
        }
        if (scratch[1] == null || scratch[1].capacity() < s.getPacketBufferSize()) {
            scratch[1] = ByteBuffer.allocate(s.getPacketBufferSize());
        }
        this.appIn = scratch[0];
        this.netOut = scratch[1];
    }

    /** A client engine for {@code host}:{@code port}; with {@code verifyHostname}, endpoint identification "HTTPS". */
    static SSLEngine clientEngine(SSLContext context, String host, int port, boolean verifyHostname) {
        SSLEngine e = context.createSSLEngine(host, port);
        e.setUseClientMode(true);
        if (verifyHostname) {
            SSLParameters p = e.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            e.setSSLParameters(p);
        }
        return e;
    }

    static SSLEngine serverEngine(SSLContext context) {
        SSLEngine e = context.createSSLEngine();
        e.setUseClientMode(false);
        return e;
    }

    /** Begins the handshake: a client sends its hello now, a server waits for the client's. */
    void start() {
        if (timeout != null) {
            timer = stream.loop.callLater(timeout, () -> {
                timer = null;
                if (handshaking && !stream.isClosedNow()) {
                    failed(new SocketTimeoutException("TLS handshake with " + stream + " not done after " + timeout));
                }
            });
        }
        try {
            engine.beginHandshake();
        } catch (SSLException e) {
            failed(e);
            return;
        }
        pump();
    }

    boolean handshaking() {
        return handshaking;
    }

    /** Bytes written and not yet wrapped (they wait for the handshake). */
    long earlyBytes() {
        return earlyBytes;
    }

    // ------------------------------------------------------------------------------------------ from the socket

    /** Space to read socket bytes into, at the end of what is not unwrapped yet; {@link #received} after the read. */
    ByteBuffer readBuffer() {
        netIn.compact(); // now in write mode
        if (!netIn.hasRemaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(netIn.capacity() * 2);
            netIn.flip();
            bigger.put(netIn);
            netIn = bigger;
        }
        return netIn;
    }

    /** The read into {@link #readBuffer()} is done (n bytes, or -1 at the socket's end of stream). */
    void received(int n) {
        netIn.flip();
        if (n < 0) {
            eof();
            return;
        }
        pump();
    }

    private void eof() {
        if (handshaking) {
            // The JDK's SSLSocket says the same: a peer gone mid-handshake is a failed handshake.
            failed(new SSLHandshakeException("Remote host terminated the handshake"));
            return;
        }
        if (!inboundDone) {
            // The end without close_notify: taken as the end of the stream, as asyncio does (closeInbound's
            // complaint about a possible truncation is what it is about, and dropped).
            inboundDone = true;
            try {
                engine.closeInbound();
            } catch (SSLException ignored) {
                // see above
            }
            stream.tlsEof();
        }
    }

    // ------------------------------------------------------------------------------------------ to the socket

    /** Application bytes to send: wrapped now, or kept until the handshake is done. */
    void write(byte[] data, int off, int len) {
        if (engine.isOutboundDone()) {
            throw new IllegalStateException("Cannot write to " + stream + ": its TLS output is closed");
        }
        if (handshaking || !early.isEmpty()) {
            ByteBuffer copy = ByteBuffer.allocate(len);
            copy.put(data, off, len).flip();
            early.add(copy);
            earlyBytes += len;
            return;
        }
        try {
            ByteBuffer rest = wrapAll(ByteBuffer.wrap(data, off, len));
            if (rest != null) {
                ByteBuffer copy = ByteBuffer.allocate(rest.remaining());
                copy.put(rest).flip(); // the caller may reuse its array
                early.add(copy);
                earlyBytes += copy.remaining();
            }
        } catch (SSLException e) {
            failed(e);
            return;
        }
        if (engine.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING) {
            pump(); // a renegotiation or a post-handshake message the engine wants to send
        }
    }

    /** close(): close_notify after every byte written (after the handshake when it is still going on). */
    void close() {
        if (handshaking || !early.isEmpty()) {
            closeWhenFlushed = true;
            return;
        }
        sendCloseNotify();
    }

    private void sendCloseNotify() {
        engine.closeOutbound();
        try {
            while (!engine.isOutboundDone()) {
                if (wrapOnce(EMPTY) == 0) {
                    break;
                }
            }
        } catch (SSLException ignored) {
            // closing anyway: the peer sees the end of the socket instead of close_notify
        }
        stream.closeAfterTls();
    }

    /**
     * Wraps {@code src} to the raw write path; returns null when all of it went, else {@code src} with what the
     * engine did not take because it is handshaking again (a TLS 1.2 renegotiation): to be wrapped after that.
     */
    private ByteBuffer wrapAll(ByteBuffer src) throws SSLException {
        while (src.hasRemaining() && !stream.isClosedNow()) {
            if (wrapOnce(src) == 0 && src.hasRemaining()) {
                if (engine.isOutboundDone()) {
                    throw new SSLException("the TLS engine takes no more bytes: its output is closed");
                }
                return src;
            }
        }
        return null;
    }

    /** Wraps the bytes that waited, in order, as far as the engine takes them now. */
    private void flushEarly() throws SSLException {
        while (!early.isEmpty() && !stream.isClosedNow()) {
            ByteBuffer b = early.peek();
            int before = b.remaining();
            ByteBuffer rest = wrapAll(b);
            earlyBytes -= before - b.remaining();
            if (rest != null) {
                return; // handshaking again: the rest after it
            }
            early.poll();
        }
        stream.tlsWritten(); // the bytes moved to the raw path, maybe out already: drain may be over
    }

    /** One wrap of {@code src} into a record given to the raw write path; returns the bytes produced. */
    private int wrapOnce(ByteBuffer src) throws SSLException {
        while (true) {
            netOut.clear();
            SSLEngineResult r = engine.wrap(src, netOut);
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                netOut = ByteBuffer.allocate(Math.max(netOut.capacity() * 2, engine.getSession().getPacketBufferSize()));
                SCRATCH.get()[1] = netOut;
                continue;
            }
            netOut.flip();
            if (netOut.hasRemaining()) {
                stream.rawWrite(netOut);
            }
            return r.bytesProduced() + r.bytesConsumed();
        }
    }

    // ------------------------------------------------------------------------------------------ the engine

    /**
     * Runs the engine as far as it can go with what it has: the handshake's wraps, unwraps and tasks, then the
     * application records in {@link #netIn}; returns when it needs bytes from the socket.
     */
    private void pump() {
        if (pumping) {
            return;
        }
        pumping = true;
        try {
            pumpSteps();
        } catch (SSLException e) {
            failed(e);
        } catch (RuntimeException e) {
            // a delegated task's or a provider's unchecked failure: the connection cannot go on, and its awaits
            // must hear of it as an IOException like every other failure of it
            failed(new SSLException(e.toString(), e));
        } finally {
            pumping = false;
        }
    }

    private void pumpSteps() throws SSLException {
        while (!stream.isClosedNow()) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            switch (hs) {
                case NEED_TASK -> {
                    Runnable t;
                    while ((t = engine.getDelegatedTask()) != null) {
                        t.run(); // inline: see the class documentation
                    }
                }
                case NEED_WRAP -> {
                    if (wrapOnce(EMPTY) == 0 && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                        return; // the outbound is closed: nothing more to send
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (!unwrapOnce() && engine.getHandshakeStatus() == hs) {
                        stream.tlsNeedsBytes();
                        return; // a whole record has not arrived yet
                    }
                }
                default -> { // NOT_HANDSHAKING (FINISHED is only ever a result's status)
                    if (handshaking) {
                        handshakeDone();
                        if (stream.isClosedNow()) {
                            return;
                        }
                        continue;
                    }
                    if (!early.isEmpty()) {
                        flushEarly(); // after a renegotiation
                        closeIfFlushed();
                        if (!early.isEmpty() && engine.getHandshakeStatus() == hs) {
                            return; // the engine takes nothing, whatever: wait for the next read or write
                        }
                        continue;
                    }
                    if (!unwrapOnce() && engine.getHandshakeStatus() == hs) {
                        return; // everything received is unwrapped
                    }
                }
            }
        }
    }

    /** One unwrap of {@link #netIn}; its application bytes go to the reader. Returns whether it got anywhere. */
    private boolean unwrapOnce() throws SSLException {
        if (!netIn.hasRemaining() || inboundDone) {
            return false;
        }
        while (true) {
            appIn.clear();
            SSLEngineResult r = engine.unwrap(netIn, appIn);
            switch (r.getStatus()) {
                case BUFFER_OVERFLOW -> {
                    appIn = ByteBuffer.allocate(Math.max(appIn.capacity() * 2,
                            engine.getSession().getApplicationBufferSize()));
                    SCRATCH.get()[0] = appIn;
                    continue;
                }
                case BUFFER_UNDERFLOW -> {
                    int need = engine.getSession().getPacketBufferSize();
                    if (netIn.capacity() < need) {
                        ByteBuffer bigger = ByteBuffer.allocate(need);
                        bigger.put(netIn).flip();
                        netIn = bigger;
                    }
                    return false;
                }
                case CLOSED -> {
                    deliver(r);
                    inboundDone = true; // the peer's close_notify
                    stream.tlsEof();
                    return true;
                }
                default -> {
                    deliver(r);
                    return r.bytesConsumed() > 0 || r.bytesProduced() > 0;
                }
            }
        }
    }

    private void deliver(SSLEngineResult r) {
        if (r.bytesProduced() > 0) {
            stream.tlsData(appIn.array(), appIn.arrayOffset(), r.bytesProduced());
        }
    }

    private void handshakeDone() throws SSLException {
        handshaking = false;
        cancelTimer();
        handshake.tryComplete(null);
        flushEarly();
        closeIfFlushed();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private void closeIfFlushed() {
        if (closeWhenFlushed && early.isEmpty()) {
            closeWhenFlushed = false;
            sendCloseNotify();
        }
    }

    /** The stream closed (or failed with {@code cause}): a handshake still going on fails. */
    void closed(Throwable cause) {
        cancelTimer();
        if (handshaking) {
            handshaking = false;
            Throwable e = cause != null ? cause
                    : new SSLHandshakeException("the connection was closed during the TLS handshake");
            if (handshake.tryFail(e)) {
                handshake.exception(); // retrieved: see failed
            }
        }
        early.clear();
        earlyBytes = 0;
    }

    /** The engine failed: its alert is sent if it made one (best effort), then the stream fails with {@code e}. */
    private void failed(IOException e) {
        try {
            engine.closeOutbound();
            netOut.clear();
            engine.wrap(EMPTY, netOut);
            netOut.flip();
            stream.writeNowOnly(netOut);
        } catch (IOException | RuntimeException ignored) {
            // the alert is a courtesy: the failure is what matters
        }
        early.clear();
        earlyBytes = 0;
        if (handshake.tryFail(e)) {
            handshake.exception(); // retrieved: the failure also goes to the reader and the writer, and nobody
                                   // need await the handshake (a server's handler just reads)
        }
        stream.tlsFailed(e);
    }
}
