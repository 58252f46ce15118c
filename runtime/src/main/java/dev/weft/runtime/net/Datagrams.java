package dev.weft.runtime.net;

import dev.weft.runtime.Coroutine;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.util.Objects;

/**
 * Opening UDP endpoints on the running loop (asyncio's {@code create_datagram_endpoint}, with a
 * {@link DatagramEndpoint#receive()} in place of the protocol). Names are resolved on the loop's default
 * executor, never on the loop; a resolution failure arrives as the {@link java.net.UnknownHostException}, and a
 * socket failure as its own {@link IOException} (a {@link java.net.BindException} for a port in use), not wrapped.
 */
public final class Datagrams {
    /** The receive queue's bound when none is given: 1,024 packets (at most 64 MiB of the largest ones). */
    public static final int DEFAULT_QUEUE_LIMIT = 1024;

    private Datagrams() {
    }

    /** {@link #bind(String, int, int)} with {@link #DEFAULT_QUEUE_LIMIT}. */
    public static Future<DatagramEndpoint> bind(String host, int port) {
        return bind(host, port, DEFAULT_QUEUE_LIMIT);
    }

    /**
     * An endpoint bound to {@code host}:{@code port}, receiving from anyone and sending anywhere
     * ({@code create_datagram_endpoint(local_addr=(host, port))}). {@code host} null binds the wildcard address
     * (every interface); a name with several addresses binds the first. {@code port} 0 picks a free port: see
     * {@link DatagramEndpoint#localAddress()}. No {@code SO_REUSEADDR}: asyncio dropped it for UDP, where it lets
     * another socket take the same port's packets.
     *
     * @param queueLimit the most received packets queued for {@link DatagramEndpoint#receive()}; at least 1
     * @throws IllegalStateException when no loop runs on this thread
     */
    public static Future<DatagramEndpoint> bind(String host, int port, int queueLimit) {
        checkPort(port);
        checkLimit(queueLimit);
        EventLoop loop = EventLoop.running();
        if (host == null) {
            try {
                return Future.completed(DatagramEndpoint.open(loop, null, new InetSocketAddress(port), null,
                        queueLimit));
            } catch (IOException e) {
                return Future.failed(e);
            }
        }
        return resolveThen(loop, host, addresses -> DatagramEndpoint.open(loop, familyOf(addresses[0]),
                new InetSocketAddress(addresses[0], port), null, queueLimit));
    }

    /** {@link #connect(String, int, int)} with {@link #DEFAULT_QUEUE_LIMIT}. */
    public static Future<DatagramEndpoint> connect(String host, int port) {
        return connect(host, port, DEFAULT_QUEUE_LIMIT);
    }

    /**
     * An endpoint connected to {@code host}:{@code port} ({@code create_datagram_endpoint(remote_addr=...)}),
     * bound to an ephemeral port on the address the route to it uses: it sends only there
     * ({@link DatagramEndpoint#send(byte[])}) and receives only from there, and it learns of a port nobody listens
     * on: the {@link java.net.PortUnreachableException} that follows a send arrives at a receive. A name with
     * several addresses connects to the first that a socket can be connected to (UDP's connect sends nothing, so
     * that is the first of a family the host supports); when none can, the first failure arrives, the others
     * suppressed in it.
     *
     * @param queueLimit the most received packets queued for {@link DatagramEndpoint#receive()}; at least 1
     * @throws IllegalStateException when no loop runs on this thread
     */
    public static Future<DatagramEndpoint> connect(String host, int port, int queueLimit) {
        Objects.requireNonNull(host, "host");
        checkPort(port);
        if (port == 0) {
            throw new IllegalArgumentException("port 0: a connected endpoint needs the remote port");
        }
        checkLimit(queueLimit);
        EventLoop loop = EventLoop.running();
        return resolveThen(loop, host, addresses -> {
            IOException first = null;
            for (InetAddress a : addresses) {
                try {
                    return DatagramEndpoint.open(loop, familyOf(a), null, new InetSocketAddress(a, port), queueLimit);
                } catch (IOException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            throw first != null ? first : new IOException("no address for " + host);
        });
    }

    /** The family of socket for {@code a}, so an IPv4 endpoint works where IPv6 sockets are not available. */
    private static ProtocolFamily familyOf(InetAddress a) {
        return a instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
    }

    @FunctionalInterface
    private interface Opener {
        DatagramEndpoint open(InetAddress[] addresses) throws IOException;
    }

    /** Resolves {@code host} on the default executor, then opens the endpoint on the loop thread. */
    private static Future<DatagramEndpoint> resolveThen(EventLoop loop, String host, Opener opener) {
        Future<InetAddress[]> resolved = loop.runInExecutor(() -> InetAddress.getAllByName(host));
        return Task.start(new Coroutine<DatagramEndpoint>() {
            @Override
            public Object step(Task<DatagramEndpoint> task, Object sent, Throwable thrown) throws Throwable {
                if (thrown != null) {
                    throw thrown; // UnknownHostException, as it came, or the cancellation
                }
                if (!resolved.isDone()) {
                    return task.suspendOn(resolved);
                }
                return opener.open(resolved.result());
            }

            @Override
            public String toString() {
                return "datagram endpoint(" + host + ")";
            }
        });
    }

    private static void checkPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    private static void checkLimit(int queueLimit) {
        if (queueLimit < 1) {
            throw new IllegalArgumentException("queueLimit must be at least 1: " + queueLimit);
        }
    }
}
