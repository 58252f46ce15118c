package dev.weft.runtime.net;

import dev.weft.runtime.Coroutine;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.LoopGroup;
import dev.weft.runtime.Task;
import dev.weft.runtime.TimerHandle;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.CancellationException;

/** Opening connections and servers on the running loop (asyncio's {@code open_connection}, {@code start_server}). */
public final class Streams {
    private Streams() {
    }

    /** {@link #connect(String, int, StreamOptions)} with {@link StreamOptions#defaults()}. */
    public static Future<Connection> connect(String host, int port) {
        return connect(host, port, StreamOptions.defaults());
    }

    /**
     * Connects to {@code host}:{@code port} from the running loop. The name is resolved on the loop's default
     * executor (never on the loop); a name with several addresses has them tried in order, the next after a
     * failure, and when all fail the first failure arrives, the others suppressed in it. Each address waits at most
     * {@link StreamOptions#connectTimeout()}, then fails with {@link SocketTimeoutException}.
     */
    public static Future<Connection> connect(String host, int port, StreamOptions options) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(options, "options");
        checkPort(port);
        EventLoop loop = EventLoop.running();
        return Task.start(new Connect(loop, host, port, options));
    }

    /** {@link #serve(Function, String, int, StreamOptions)} with {@link StreamOptions#defaults()}. */
    public static Future<Server> serve(ConnectionHandler handler, String host,
            int port) {
        return serve(handler, host, port, StreamOptions.defaults());
    }

    /**
     * Listens on {@code host}:{@code port} ({@code port} 0: a free one, see {@link Server#address()}; host null:
     * every interface) and starts {@code handler}, typically an {@code @Async} method, as a task for each
     * connection accepted. A handler that fails has its failure reported to the loop's exception handler and its
     * connection closed (asyncio's {@code start_server} does the same); one that returns leaves the connection as it
     * is: close it in the handler.
     */
    public static Future<Server> serve(ConnectionHandler handler, String host,
            int port, StreamOptions options) {
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(options, "options");
        checkPort(port);
        return listen(EventLoop.running(), handler, host, port, options, null);
    }

    /**
     * A server for a {@link LoopGroup}: it accepts on the group's first loop and starts each connection's handler on
     * the group's next loop in turn (Netty's boss and workers), so the handlers of different connections run on
     * different cores. Callable from any thread; the server's {@link Server#close()} too. Each handler's
     * connection belongs to the loop it runs on.
     */
    public static java.util.concurrent.CompletableFuture<Server> serve(LoopGroup group, ConnectionHandler handler,
            String host, int port, StreamOptions options) {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(options, "options");
        checkPort(port);
        EventLoop acceptor = group.loop(0);
        return acceptor.submit(() -> listen(acceptor, handler, host, port, options, group));
    }

    /** Resolves {@code host} on {@code loop}'s default executor (unless null: every interface), then listens. */
    private static Future<Server> listen(EventLoop loop, ConnectionHandler handler, String host, int port,
            StreamOptions options, LoopGroup workers) {
        if (host == null) {
            try {
                return Future.completed(Server.open(loop, new InetSocketAddress(port), handler, options, workers));
            } catch (IOException e) {
                return Future.failed(e);
            }
        }
        Future<InetAddress[]> resolved = loop.runInExecutor(() -> options.resolver().resolve(host));
        return Task.start(new Coroutine<Server>() {
            @Override
            public Object step(Task<Server> task, Object sent, Throwable thrown) throws Throwable {
                if (thrown != null) {
                    throw thrown;
                }
                if (!resolved.isDone()) {
                    return task.suspendOn(resolved);
                }
                return Server.open(loop, new InetSocketAddress(resolved.result()[0], port), handler, options,
                        workers);
            }
        });
    }

    /** {@link #serve(LoopGroup, ConnectionHandler, String, int, StreamOptions)} with the default options. */
    public static java.util.concurrent.CompletableFuture<Server> serve(LoopGroup group, ConnectionHandler handler,
            String host, int port) {
        return serve(group, handler, host, port, StreamOptions.defaults());
    }

    private static void checkPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /**
     * A connected channel as a connection on {@code loop}, reading from now on. The accepting side's: with
     * {@link StreamOptions#withTls} it is a TLS server, its handshake started (a client goes through
     * {@link #openClient}).
     */
    static Connection open(EventLoop loop, SocketChannel channel, StreamOptions options) throws IOException {
        Connection c = openPlain(loop, channel, options);
        if (options.tlsContext() != null) {
            c.stream().startTls(TlsLayer.serverEngine(options.tlsContext()));
        }
        return c;
    }

    /** A connected client channel as a connection; with TLS its handshake started (await {@code tlsHandshake()}). */
    static Connection openClient(EventLoop loop, SocketChannel channel, StreamOptions options, String host, int port)
            throws IOException {
        Connection c = openPlain(loop, channel, options);
        if (options.tlsContext() != null) {
            c.stream().startTls(TlsLayer.clientEngine(options.tlsContext(), host, port, options.verifiesHostname()));
        }
        return c;
    }

    private static Connection openPlain(EventLoop loop, SocketChannel channel, StreamOptions options)
            throws IOException {
        channel.configureBlocking(false);
        if (options.noDelay()) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        SocketStream stream = new SocketStream(loop, channel, options);
        stream.start();
        return new Connection(stream);
    }

    /** The connect coroutine: resolve, then each address in turn. */
    private static final class Connect implements Coroutine<Connection> {
        private final EventLoop loop;
        private final String host;
        private final int port;
        private final StreamOptions options;
        private int label;
        private Future<InetAddress[]> resolved;
        private InetAddress[] addresses;
        private int next;
        private SocketChannel channel;
        private TimerHandle timer;
        private Future<Void> connected;
        private IOException first;
        /** The connection while its TLS handshake goes on. */
        private Connection tlsPending;

        Connect(EventLoop loop, String host, int port, StreamOptions options) {
            this.loop = loop;
            this.host = host;
            this.port = port;
            this.options = options;
        }

        @Override
        public Object step(Task<Connection> task, Object sent, Throwable thrown) throws Throwable {
            switch (label) {
                case 0:
                    if (thrown != null) {
                        throw thrown;
                    }
                    resolved = loop.runInExecutor(() -> options.resolver().resolve(host));
                    label = 1;
                    if (!resolved.isDone()) {
                        return task.suspendOn(resolved);
                    }
                    // fall through
                case 1:
                    if (thrown != null) {
                        throw thrown; // UnknownHostException, as it came, or the cancellation
                    }
                    addresses = resolved.result();
                    label = 2;
                    return tryNext(task);
                case 2:
                    if (timer != null) {
                        timer.cancel();
                        timer = null;
                    }
                    if (thrown != null) {
                        closeQuietly(channel);
                        if (thrown instanceof CancellationException || !(thrown instanceof IOException io)) {
                            throw thrown;
                        }
                        failed(io);
                        return tryNext(task);
                    }
                    return opened(task, channel);
                case 3:
                    if (thrown != null) {
                        tlsPending.abort(); // closed already when the handshake failed; not when cancelled
                        throw thrown; // the engine's exception as it came (SSLHandshakeException, mostly)
                    }
                    return tlsPending;
                default:
                    throw new IllegalStateException("connect resumed at an unknown point");
            }
        }

        /** Connected: the connection, or with TLS a suspension until its handshake is done. */
        private Object opened(Task<Connection> task, SocketChannel ch) throws IOException {
            Connection c = Streams.openClient(loop, ch, options, host, port);
            if (options.tlsContext() == null) {
                return c;
            }
            tlsPending = c;
            label = 3;
            return task.suspendOn(c.tlsHandshake());
        }

        private void failed(IOException e) {
            if (first == null) {
                first = e;
            } else {
                first.addSuppressed(e);
            }
        }

        /** Starts connecting to the next address; suspends until it is connected or failed. */
        private Object tryNext(Task<Connection> task) throws IOException {
            while (next < addresses.length) {
                InetSocketAddress to = new InetSocketAddress(addresses[next++], port);
                SocketChannel ch = null;
                try {
                    ch = SocketChannel.open();
                    ch.configureBlocking(false);
                    if (options.localAddress() != null) {
                        ch.bind(options.localAddress());
                    }
                    channel = ch;
                    if (ch.connect(to)) {
                        return opened(task, ch);
                    }
                } catch (IOException e) {
                    closeQuietly(ch);
                    failed(e);
                    continue;
                }
                Future<Void> done = new Future<>();
                connected = done;
                SocketChannel c = ch;
                loop.addWriter(ch, () -> {
                    try {
                        if (c.finishConnect()) {
                            loop.removeWriter(c);
                            done.tryComplete(null);
                        }
                    } catch (IOException e) {
                        loop.removeWriter(c);
                        done.tryFail(e);
                    }
                });
                if (options.connectTimeout() != null) {
                    timer = loop.callLater(options.connectTimeout(), () -> done.tryFail(new SocketTimeoutException(
                            "connect to " + to + " timed out after " + options.connectTimeout())));
                }
                return task.suspendOn(done);
            }
            throw first != null ? first : new IOException("no address for " + host);
        }

        private static void closeQuietly(SocketChannel ch) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // it failed already
                }
            }
        }

        @Override
        public String toString() {
            return "connect(" + host + ":" + port + ")";
        }
    }
}
