package dev.weft.runtime.net;

import java.net.InetAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Options of a connection or a server: immutable, each {@code with...} gives a copy. Defaults are asyncio's:
 * a read limit of 64 KiB (the longest line or separator-delimited record {@link StreamReader#readUntil} takes),
 * a write buffer whose {@link StreamWriter#drain} waits above 64 KiB until it is down to 16 KiB, TCP_NODELAY on,
 * no connect timeout.
 */
public final class StreamOptions {
    private static final StreamOptions DEFAULTS = new StreamOptions(null, true, 64 * 1024, 64 * 1024, 16 * 1024,
            null, 100, InetAddress::getAllByName);

    private final Duration connectTimeout;
    private final boolean noDelay;
    private final int readLimit;
    private final int highWater;
    private final int lowWater;
    private final SocketAddress localAddress;
    private final int backlog;
    private final Resolver resolver;

    private StreamOptions(Duration connectTimeout, boolean noDelay, int readLimit, int highWater, int lowWater,
            SocketAddress localAddress, int backlog, Resolver resolver) {
        this.connectTimeout = connectTimeout;
        this.noDelay = noDelay;
        this.readLimit = readLimit;
        this.highWater = highWater;
        this.lowWater = lowWater;
        this.localAddress = localAddress;
        this.backlog = backlog;
        this.resolver = resolver;
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
        return new StreamOptions(timeout, noDelay, readLimit, highWater, lowWater, localAddress, backlog, resolver);
    }

    public StreamOptions withNoDelay(boolean on) {
        return new StreamOptions(connectTimeout, on, readLimit, highWater, lowWater, localAddress, backlog, resolver);
    }

    /** The longest record {@link StreamReader#readUntil} and {@code readLine} take; reading pauses above twice it. */
    public StreamOptions withReadLimit(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("read limit must be positive: " + bytes);
        }
        return new StreamOptions(connectTimeout, noDelay, bytes, highWater, lowWater, localAddress, backlog, resolver);
    }

    /** {@link StreamWriter#drain} waits while more than {@code high} bytes are buffered, until {@code low} are. */
    public StreamOptions withWriteBufferLimits(int high, int low) {
        if (low < 0 || high < low) {
            throw new IllegalArgumentException("need 0 <= low <= high, got high " + high + ", low " + low);
        }
        return new StreamOptions(connectTimeout, noDelay, readLimit, high, low, localAddress, backlog, resolver);
    }

    /** The local address a client binds before it connects. */
    public StreamOptions withLocalAddress(SocketAddress address) {
        return new StreamOptions(connectTimeout, noDelay, readLimit, highWater, lowWater,
                Objects.requireNonNull(address, "address"), backlog, resolver);
    }

    /** A server's accept backlog (asyncio's default 100). */
    public StreamOptions withBacklog(int backlog) {
        return new StreamOptions(connectTimeout, noDelay, readLimit, highWater, lowWater, localAddress, backlog, resolver);
    }

    /** How host names are resolved (see {@link Resolver}). */
    public StreamOptions withResolver(Resolver resolver) {
        return new StreamOptions(connectTimeout, noDelay, readLimit, highWater, lowWater, localAddress, backlog,
                Objects.requireNonNull(resolver, "resolver"));
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
