package dev.weft.runtime.net;

import dev.weft.runtime.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;

/**
 * A TCP connection on a loop: its {@link #reader()} and {@link #writer()} (asyncio's reader/writer pair), plain or
 * TLS ({@link StreamOptions#withTls}, or upgraded with {@link #startTls}).
 */
public final class Connection implements AutoCloseable {
    private final SocketStream stream;

    Connection(SocketStream stream) {
        this.stream = stream;
    }

    SocketStream stream() {
        return stream;
    }

    public StreamReader reader() {
        return stream.reader;
    }

    public StreamWriter writer() {
        return stream.writer;
    }

    /**
     * Closes once the buffered writes are out (asyncio's {@code writer.close()}); {@link #closed()} says when. Under
     * TLS the bytes written, then close_notify (the peer's reader sees the end of the stream), then the socket is
     * closed, without waiting for the peer's close_notify; during a handshake, all that once it is done.
     */
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

    /**
     * STARTTLS as the client (asyncio's {@code StreamWriter.start_tls}): from now on the reader and the writer go
     * through TLS, the server's certificate checked against {@code peerHost} (endpoint identification "HTTPS": a
     * DNS name, or an IP address matched against the certificate's IP entries). Bytes the reader holds already stay
     * there as they came (plaintext; read what precedes the upgrade before calling this), and bytes written before
     * go out first, as plaintext. The future is done when the handshake is, or fails with the engine's exception as
     * it came ({@link javax.net.ssl.SSLHandshakeException} for a certificate not trusted or not matching), the
     * connection then closed. Bytes written meanwhile wait, as plaintext, and go out encrypted once it is done.
     *
     * @throws IllegalStateException when the connection uses TLS already, is closed or closing, or after
     *     {@link StreamWriter#writeEof}
     */
    public Future<Void> startTls(SSLContext context, String peerHost) {
        return startTls(context, peerHost, true);
    }

    /** As {@link #startTls(SSLContext, String)}; {@code verifyHostname} false checks the certificate's chain only. */
    public Future<Void> startTls(SSLContext context, String peerHost, boolean verifyHostname) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(peerHost, "peerHost");
        stream.checkLoopThread("start TLS on");
        int port = stream.writer.remoteAddress() instanceof InetSocketAddress a ? a.getPort() : -1;
        return stream.startTls(TlsLayer.clientEngine(context, peerHost, port, verifyHostname));
    }

    /**
     * STARTTLS as the server: as {@link #startTls(SSLContext, String)}, in server mode (the client's certificate is
     * not asked for). Call it right after writing the go-ahead, with no {@code await} between: a client that has
     * read the go-ahead sends its hello, which must not reach the reader as plaintext.
     */
    public Future<Void> startTlsAsServer(SSLContext context) {
        Objects.requireNonNull(context, "context");
        stream.checkLoopThread("start TLS on");
        return stream.startTls(TlsLayer.serverEngine(context));
    }

    /** True once the connection uses TLS (from the connect, the accept, or {@link #startTls}). */
    public boolean isTls() {
        return stream.tls() != null;
    }

    /**
     * Done when the TLS handshake is: for a client connected with {@link StreamOptions#withTls} done already; for a
     * server's connection, what a handler awaits to know the peer before it reads. Fails with the handshake's
     * exception. A done future for a plain connection.
     */
    public Future<Void> tlsHandshake() {
        TlsLayer tls = stream.tls();
        return tls == null ? Future.completed(null) : tls.handshake;
    }

    /** The TLS session (protocol, cipher suite, peer's certificates once the handshake is done); null when plain. */
    public SSLSession tlsSession() {
        TlsLayer tls = stream.tls();
        return tls == null ? null : tls.engine.getSession();
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
