package dev.weft.runtime.net;

import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.LoopError;
import dev.weft.runtime.LoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletionStage;

/**
 * A listening socket on a loop that starts a handler task per connection ({@link Streams#serve}), on that loop or,
 * served by a {@link LoopGroup}, on the group's loops in turn. {@link #close()}
 * stops accepting; {@link #closed()} is done once it has and every handler started has finished (asyncio 3.12's
 * {@code wait_closed}). Loop thread only.
 */
public final class Server implements AutoCloseable {
    private final EventLoop loop;
    private final ServerSocketChannel channel;
    private final ConnectionHandler handler;
    private final StreamOptions options;
    private final InetSocketAddress address;
    private final Future<Void> closed;
    /** The loops the connections' handlers run on, in turn; null: this server's own loop. */
    private final LoopGroup workers;
    private boolean serving = true;
    private int running;

    private Server(EventLoop loop, ServerSocketChannel channel, ConnectionHandler handler,
            StreamOptions options, LoopGroup workers) throws IOException {
        this.loop = loop;
        this.workers = workers;
        this.channel = channel;
        this.handler = handler;
        this.options = options;
        this.address = (InetSocketAddress) channel.getLocalAddress();
        this.closed = new Future<>(loop);
    }

    static Server open(EventLoop loop, InetSocketAddress at, ConnectionHandler handler,
            StreamOptions options, LoopGroup workers) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(at, options.backlog());
            Server s = new Server(loop, ch, handler, options, workers);
            loop.addReader(ch, s::accept);
            loop.closeWithLoop(s); // EventLoop.run's end stops it
            return s;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The address it listens on (with the port picked when 0 was asked). */
    public InetSocketAddress address() {
        return address;
    }

    public int port() {
        return address.getPort();
    }

    public boolean isServing() {
        return serving;
    }

    /**
     * Stops accepting and closes the listening socket; connections already accepted go on. From another thread
     * than the server's loop, the close is sent to that loop.
     */
    @Override
    public void close() {
        if (!loop.inLoopThread() && !loop.isClosed() && loop.isRunning()) {
            loop.callSoonThreadsafe(this::close);
            return;
        }
        if (!serving) {
            return;
        }
        serving = false;
        loop.stopClosingWithLoop(this);
        try {
            channel.close(); // forgets its selector key
        } catch (IOException ignored) {
            // closed either way
        }
        if (running == 0 && !loop.isClosed()) {
            closed.tryComplete(null);
        }
    }

    /** Done once {@link #close()} was called and every handler has finished. */
    public Future<Void> closed() {
        return closed;
    }

    private void accept() {
        while (serving) {
            SocketChannel ch;
            try {
                ch = channel.accept();
            } catch (IOException e) {
                loop.reportError(new LoopError("accept failed on " + this, e, this));
                return;
            }
            if (ch == null) {
                return;
            }
            EventLoop worker = workers == null ? loop : workers.next();
            running++;
            if (worker == loop) {
                startOn(loop, ch);
            } else {
                try {
                    worker.callSoonThreadsafe(() -> startOn(worker, ch));
                } catch (IllegalStateException closed) {
                    closeQuietly(ch);
                    handlerDone();
                }
            }
        }
    }

    /** On {@code on}'s thread: the accepted channel becomes a connection there, and its handler starts there. */
    private void startOn(EventLoop on, SocketChannel ch) {
        Connection c;
        try {
            c = Streams.open(on, ch, options);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            doneOn(on);
            return;
        }
        Future<?> done;
        try {
            CompletionStage<?> stage = handler.handle(c);
            done = stage == null ? Future.failed(new NullPointerException("the handler of " + this + " returned null"))
                    : Future.from(stage);
        } catch (Exception | Error e) {
            done = Future.failed(e);
        }
        done.addDoneCallback(f -> {
            if (!f.isCancelled() && f.exception() != null) {
                on.reportError(new LoopError("Unhandled exception in the handler of " + this + " for " + c,
                        f.exception(), this));
                c.abort();
            }
            doneOn(on);
        });
    }

    /** A handler has finished on {@code on}: counted on this server's loop. */
    private void doneOn(EventLoop on) {
        if (on == loop) {
            handlerDone();
            return;
        }
        try {
            loop.callSoonThreadsafe(this::handlerDone);
        } catch (IllegalStateException closed) {
            // the server's loop is gone: nobody waits for the count
        }
    }

    private void handlerDone() {
        running--;
        if (!serving && running == 0 && !loop.isClosed()) {
            closed.tryComplete(null);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // dropped
        }
    }

    @Override
    public String toString() {
        return "Server[" + address + (serving ? "" : ", closed") + "]";
    }
}
