package dev.weft.runtime.net;

import java.net.InetAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * Options of a connection or a server: immutable, each {@code with...} gives a copy. Defaults are asyncio's:
 * a read limit of 64 KiB (the longest line or separator-delimited record {@link StreamReader#readUntil} takes),
 * a write buffer whose {@link StreamWriter#drain} waits above 64 KiB until it is down to 16 KiB, TCP_NODELAY on,
 * no connect timeout, no TLS (a TLS handshake timeout of 60 seconds).
 */
public final class StreamOptions {
    private static final StreamOptions DEFAULTS = new StreamOptions(null, true, 64 * 1024, 64 * 1024, 16 * 1024,
            null, 100, InetAddress::getAllByName, null, true, Duration.ofSeconds(60));

    private final Duration connectTimeout;
    private final boolean noDelay;
    private final int readLimit;
    private final int highWater;
    private final int lowWater;
    private final SocketAddress localAddress;
    private final int backlog;
    private final Resolver resolver;
    private final SSLContext tlsContext;
    private final boolean verifyHostname;
    private final Duration tlsHandshakeTimeout;

    private StreamOptions(Duration connectTimeout, boolean noDelay, int readLimit, int highWater, int lowWater,
            SocketAddress localAddress, int backlog, Resolver resolver, SSLContext tlsContext, boolean verifyHostname,
            Duration tlsHandshakeTimeout) {
        this.connectTimeout = connectTimeout;
        this.noDelay = noDelay;
        this.readLimit = readLimit;
        this.highWater = highWater;
        this.lowWater = lowWater;
        this.localAddress = localAddress;
        this.backlog = backlog;
        this.resolver = resolver;
        this.tlsContext = tlsContext;
        this.verifyHostname = verifyHostname;
        this.tlsHandshakeTimeout = tlsHandshakeTimeout;
    }

    /** asyncio's defaults; see the class documentation. */
    public static StreamOptions defaults() {
        return DEFAULTS;
    }

    /** Each address tried fails with {@link java.net.SocketTimeoutException} after {@code timeout}. */
    public StreamOptions withConnectTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive: " + timeout);
        }
        return new StreamOptions(timeout, noDelay, readLimit, highWater, lowWater, localAddress, backlog, resolver, tlsContext, verifyHostname, tlsHandshakeTimeout);
    }

    public StreamOptions withNoDelay(boolean on) {
        return new StreamOptions(connectTimeout, on, readLimit, highWater, lowWater, localAddress, backlog, resolver, tlsContext, verifyHostname, tlsHandshakeTimeout);
    }

    /** The longest record {@link StreamReader#readUntil} and {@code readLine} take; reading pauses above twice it. */
    public StreamOptions withReadLimit(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("read limit must be positive: " + bytes);
        }
        return new StreamOptions(connectTimeout, noDelay, bytes, highWater, lowWater, localAddress, backlog, resolver, tlsContext, verifyHostname, tlsHandshakeTimeout);
    }

    /** {@link StreamWriter#drain} waits while more than {@code high} bytes are buffered, until {@code low} are. */
    public StreamOptions withWriteBufferLimits(int high, int low) {
        if (low < 0 || high < low) {
            throw new IllegalArgumentException("need 0 <= low <= high, got high " + high + ", low " + low);
        }
        return new StreamOptions(connectTimeout, noDelay, readLimit, high, low, localAddress, backlog, resolver, tlsContext, verifyHostname, tlsHandshakeTimeout);
    }

    /** The local address a client binds before it connects. */
    public StreamOptions withLocalAddress(SocketAddress address) {
        return new StreamOptions(connectTimeout, noDelay, readLimit, highWater, lowWater,
                Objects.requireNonNull(address, "address"), backlog, resolver, tlsContext, verifyHostname, tlsHandshakeTimeout);
    }

    /** A server's accept backlog (asyncio's default 100). */
    public StreamOptions withBacklog(int backlog) {
        return new StreamOptions(connectTimeout, noDelay, readLimit, highWater, lowWater, localAddress, backlog, resolver, tlsContext, verifyHostname, tlsHandshakeTimeout);
    }

    /** How host names are resolved (see {@link Resolver}). */
    public StreamOptions withResolver(Resolver resolver) {
        return new StreamOptions(connectTimeout, noDelay, readLimit, highWater, lowWater, localAddress, backlog,
                Objects.requireNonNull(resolver, "resolver"), tlsContext, verifyHostname, tlsHandshakeTimeout);
    }

    /**
     * TLS with {@code context}, checking that the server's certificate matches the host name (endpoint
     * identification "HTTPS"): {@code withTls(context, true)}.
     */
    public StreamOptions withTls(SSLContext context) {
        return withTls(context, true);
    }

    /**
     * TLS through {@code context}'s {@link javax.net.ssl.SSLEngine}. For {@link Streams#connect} (client mode): the
     * engine is made with the host name and port as given to {@code connect} (the name also goes out as SNI when it
     * is a DNS name), and the connect's future is done once the handshake is, or fails with the engine's exception
     * as it came ({@link javax.net.ssl.SSLHandshakeException} for a certificate that is not trusted or, with
     * {@code verifyHostname}, does not match the host: by DNS name, or by IP address when one was given). For
     * {@link Streams#serve} (server mode, {@code verifyHostname} unused): the handler starts at once with the
     * handshake under way; its reads and writes wait for it (bytes written wait as plaintext, counted by
     * {@link StreamWriter#drain}), a failed handshake fails them with its exception, and
     * {@link Connection#tlsHandshake()} awaits it explicitly. {@code verifyHostname} false checks the certificate's
     * chain only (for certificates made for another name, or tests).
     */
    public StreamOptions withTls(SSLContext context, boolean verifyHostname) {
        return new StreamOptions(connectTimeout, noDelay, readLimit, highWater, lowWater, localAddress, backlog,
                resolver, Objects.requireNonNull(context, "context"), verifyHostname, tlsHandshakeTimeout);
    }

    /** These options without TLS (the default). */
    public StreamOptions withoutTls() {
        return new StreamOptions(connectTimeout, noDelay, readLimit, highWater, lowWater, localAddress, backlog,
                resolver, null, true, tlsHandshakeTimeout);
    }

    /**
     * A TLS handshake (at a connect, an accept or {@link Connection#startTls}) not done after {@code timeout} fails
     * with {@link java.net.SocketTimeoutException} and the connection is closed; 60 seconds unless set (asyncio's
     * {@code ssl_handshake_timeout}).
     */
    public StreamOptions withTlsHandshakeTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("TLS handshake timeout must be positive: " + timeout);
        }
        return new StreamOptions(connectTimeout, noDelay, readLimit, highWater, lowWater, localAddress, backlog,
                resolver, tlsContext, verifyHostname, timeout);
    }

    public Duration tlsHandshakeTimeout() {
        return tlsHandshakeTimeout;
    }

    /** The TLS context ({@link #withTls}), or null for plain TCP. */
    public SSLContext tlsContext() {
        return tlsContext;
    }

    /** Whether a TLS client checks the server's certificate against the host name (true unless turned off). */
    public boolean verifiesHostname() {
        return verifyHostname;
    }

    public Resolver resolver() {
        return resolver;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public boolean noDelay() {
        return noDelay;
    }

    public int readLimit() {
        return readLimit;
    }

    public int highWater() {
        return highWater;
    }

    public int lowWater() {
        return lowWater;
    }

    public SocketAddress localAddress() {
        return localAddress;
    }

    public int backlog() {
        return backlog;
    }
}
