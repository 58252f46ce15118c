package dev.weft.runtime.net;

import dev.weft.runtime.Coroutine;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A UDP socket on a loop (asyncio's datagram transport, with the protocol's callbacks turned into
 * {@link #receive()}): made by {@link Datagrams#bind} or {@link Datagrams#connect}. Loop thread only, except
 * {@link #localAddress()}, {@link #remoteAddress()} and {@link #closed()}.
 *
 * <p><b>Receiving.</b> From the moment it is made until it is closed, the endpoint reads every packet that
 * arrives into its queue, whether or not a receive waits (asyncio's transport calls {@code datagram_received}
 * the same way). {@link #receive()} takes the oldest queued packet: a done future when one is queued, otherwise a
 * task that waits for the next. Several receives may wait at once; they are served in the order they started
 * (a receive called while a packet is queued takes it at once, even when one woken for it has not run yet).
 * Cancelling a waiting receive takes nothing out of the queue: a packet it had been woken for goes to the next
 * receive. The queue is bounded ({@link #queueLimit()}, {@value Datagrams#DEFAULT_QUEUE_LIMIT} packets unless
 * given): a packet that arrives while it is full is dropped, the <em>newest</em>, as a full socket receive buffer
 * drops it, so what the queue holds stays in arrival order without gaps; {@link #dropped()} counts them.
 *
 * <p><b>Errors.</b> An {@link IOException} of the socket, such as the {@link java.net.PortUnreachableException}
 * a connected endpoint gets after sending to a port nobody listens on, takes a place in the queue in the order it
 * happened (asyncio's {@code error_received}) and fails the receive that takes it, as that exception, not
 * wrapped. The endpoint stays open. A send that fails the same way is reported the same way, its packet dropped.
 *
 * <p><b>Sending.</b> {@link #send} never blocks: it sends at once when the socket's send buffer has room, else
 * queues a copy of the packet, sent in order when the socket is writable again. {@link #drain()} waits until
 * nothing is queued. The send queue is not bounded (asyncio's is not either); watch {@link #buffered()}.
 *
 * <p><b>Closing.</b> {@link #close()} stops receiving at once: the packets queued and not received are dropped,
 * every waiting receive fails with {@link AsynchronousCloseException} (a {@link ClosedChannelException}: what a
 * thread blocked in {@link DatagramChannel#receive} gets when another thread closes the channel), and a receive
 * called afterwards fails with {@link ClosedChannelException}. The socket itself is closed once the queued sends
 * are out (asyncio's transport {@code close()} flushes its buffer first), and then {@link #closed()} is done.
 * {@link #abort()} closes it at once, dropping queued sends. asyncio has no receive to fail: its
 * {@code close()} ends with the protocol's {@code connection_lost(None)}.
 */
public final class DatagramEndpoint implements AutoCloseable {
    /**
     * The scratch buffer each loop thread reads into: one per thread, not per endpoint, so an idle endpoint holds
     * no 64 KiB. 65,535 bytes hold any UDP payload: 65,507 over IPv4, 65,527 over IPv6 (without jumbograms), so a
     * packet is never cut short by the buffer.
     */
    private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocate(65_535));
    /**
     * The most packets read in one readable callback: a flood on one endpoint then leaves a turn to the loop's
     * other callbacks and channels; the rest are read in the next turns (the selector reports it ready again).
     */
    private static final int READS_PER_CALLBACK = 32;

    private final EventLoop loop;
    private final DatagramChannel channel;
    private final InetSocketAddress local;
    private final InetSocketAddress remote;
    private final int queueLimit;
    /** Received and not yet taken: each a {@link Datagram} or the {@link IOException} to fail a receive with. */
    private final ArrayDeque<Object> inbox = new ArrayDeque<>();
    /** The futures the waiting receives wait on, oldest first; each taken out when woken. */
    private final ArrayDeque<Future<Void>> waiters = new ArrayDeque<>();
    private final ArrayDeque<Outgoing> outbox = new ArrayDeque<>();
    private final List<Future<Void>> drainers = new ArrayList<>(1);
    private final Future<Void> closedFuture;
    private long outBytes;
    private long dropped;
    /** {@link #close()} or {@link #abort()} was called: no more receiving or sending. */
    private boolean closing;
    /** The channel is closed. */
    private boolean closed;

    /** A packet waiting to be sent: a copy of the caller's bytes and where to. */
    private record Outgoing(ByteBuffer data, SocketAddress to) {
    }

    private DatagramEndpoint(EventLoop loop, DatagramChannel channel, int queueLimit) throws IOException {
        this.loop = loop;
        this.channel = channel;
        this.local = (InetSocketAddress) channel.getLocalAddress();
        this.remote = (InetSocketAddress) channel.getRemoteAddress();
        this.queueLimit = queueLimit;
        this.closedFuture = new Future<>(loop);
    }

    /** What the loop closes when it closes first: the socket, at once (nothing can be sent or awaited after). */
    private final AutoCloseable atLoopClose = this::closeWithLoop;

    private void closeWithLoop() {
        closing = true;
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // closed either way
        }
    }

    /**
     * A channel of {@code family} (null: the platform's default) bound to {@code bindAt} (null: an ephemeral port
     * on the wildcard address, chosen by connect), connected to {@code connectTo} when not null, reading from now.
     */
    static DatagramEndpoint open(EventLoop loop, ProtocolFamily family, InetSocketAddress bindAt,
            InetSocketAddress connectTo, int queueLimit) throws IOException {
        DatagramChannel ch = family == null ? DatagramChannel.open() : DatagramChannel.open(family);
        try {
            ch.configureBlocking(false);
            if (bindAt != null) {
                ch.bind(bindAt);
            }
            if (connectTo != null) {
                ch.connect(connectTo);
            }
            DatagramEndpoint e = new DatagramEndpoint(loop, ch, queueLimit);
            loop.addReader(ch, e::onReadable);
            loop.closeWithLoop(e.atLoopClose); // EventLoop.run's end closes it
            return e;
        } catch (IOException | RuntimeException ex) {
            ch.close();
            throw ex;
        }
    }

    private void checkLoopThread(String what) {
        if (!loop.inLoopThread()) {
            throw new IllegalStateException("Cannot " + what + " " + this + " from thread '"
                    + Thread.currentThread().getName() + "': only from its loop's thread");
        }
    }

    // ------------------------------------------------------------------------------------------ receiving

    /**
     * The oldest packet received and not yet taken: a done future when one is queued, else a task that waits for
     * the next. The future fails with the socket's {@link IOException} when that is next in the queue (see the
     * class comment), with {@link AsynchronousCloseException} when the endpoint is closed while it waits, and with
     * {@link ClosedChannelException} when it was closed before. Cancelling the task takes no packet.
     *
     * @throws IllegalStateException off the loop thread
     */
    public Future<Datagram> receive() {
        checkLoopThread("receive from");
        if (closing) {
            return Future.failed(new ClosedChannelException());
        }
        if (!inbox.isEmpty()) {
            Object next = inbox.poll();
            return next instanceof Datagram d ? Future.completed(d) : Future.failed((IOException) next);
        }
        return Task.start(new Receive());
    }

    /** One receive that waits: asyncio's {@code Queue.get} loop, {@code while empty: await getter}. */
    private final class Receive implements Coroutine<Datagram> {
        private Future<Void> waiter;

        @Override
        public Object step(Task<Datagram> task, Object sent, Throwable thrown) throws Throwable {
            Future<Void> w = waiter;
            waiter = null;
            if (thrown != null) {
                // cancelled (or the endpoint closed). Still listed: it was never woken, leave. Taken out: it was
                // woken for a packet it will not take now, so the next waiting receive gets the chance
                if (w != null && !waiters.remove(w) && !inbox.isEmpty()) {
                    wakeNext();
                }
                throw thrown;
            }
            if (!inbox.isEmpty()) {
                return take();
            }
            if (closing) {
                throw new AsynchronousCloseException();
            }
            boolean woken = w != null;
            w = new Future<>(loop);
            if (woken) {
                // woken, and a receive called meanwhile took the packet at once: wait again, ahead of the others
                waiters.addFirst(w);
            } else {
                waiters.add(w);
            }
            waiter = w;
            return task.suspendOn(w);
        }

        @Override
        public String toString() {
            return "receive(" + DatagramEndpoint.this + ")";
        }
    }

    private Datagram take() throws IOException {
        Object next = inbox.poll();
        if (next instanceof Datagram d) {
            return d;
        }
        throw (IOException) next;
    }

    private void wakeNext() {
        while (!waiters.isEmpty()) {
            if (waiters.poll().tryComplete(null)) {
                return;
            }
        }
    }

    /** A packet or an error joins the queue, or is dropped when the queue is full. */
    private void deliver(Object entry) {
        if (closing) {
            return;
        }
        if (inbox.size() >= queueLimit) {
            dropped++;
            return;
        }
        inbox.add(entry);
        wakeNext();
    }

    private void onReadable() {
        ByteBuffer scratch = SCRATCH.get();
        for (int i = 0; i < READS_PER_CALLBACK && !closing; i++) {
            scratch.clear();
            SocketAddress from;
            try {
                from = channel.receive(scratch);
            } catch (IOException e) {
                deliver(e);
                return;
            }
            if (from == null) {
                return; // nothing more now
            }
            if (inbox.size() >= queueLimit) {
                dropped++; // read all the same, to count it and keep the socket's own buffer from filling
                continue;
            }
            scratch.flip();
            byte[] data = new byte[scratch.remaining()];
            scratch.get(data);
            deliver(Datagram.owning(data, from));
        }
    }

    /** Packets received and waiting for a receive (errors waiting to be reported included). */
    public int queued() {
        return inbox.size();
    }

    /** The most packets the receive queue holds. */
    public int queueLimit() {
        return queueLimit;
    }

    /** How many received packets were dropped because the receive queue was full. */
    public long dropped() {
        return dropped;
    }

    // ------------------------------------------------------------------------------------------ sending

    /**
     * Sends {@code data} as one packet to {@code to} (for a connected endpoint: its remote address, or null for
     * it); never blocks. Sent now when the socket's send buffer has room, else a copy is queued and sent when it
     * has. A failure of the socket (a packet too large, an unreachable network, a port unreachable on a connected
     * endpoint) is reported through {@link #receive()} and the packet dropped, as asyncio reports it to
     * {@code error_received}.
     *
     * @throws IllegalArgumentException when {@code to} is null on an endpoint that is not connected, or not its
     *     remote address on one that is
     * @throws UnresolvedAddressException when {@code to} is an unresolved address
     * @throws UnsupportedAddressTypeException when {@code to} is not an {@link InetSocketAddress}
     * @throws IllegalStateException after {@link #close()}, or off the loop thread
     */
    public void send(byte[] data, SocketAddress to) {
        checkLoopThread("send from");
        Objects.requireNonNull(data, "data");
        SocketAddress target = target(to);
        if (closing) {
            throw new IllegalStateException("Cannot send from " + this + ": it is closed or closing");
        }
        if (outbox.isEmpty()) {
            try {
                if (sendNow(ByteBuffer.wrap(data), target)) {
                    return;
                }
            } catch (IOException e) {
                deliver(e);
                return;
            }
            loop.addWriter(channel, this::onWritable);
        }
        // a copy: the caller may reuse its array; queued behind the others even when the buffer has room now,
        // so packets leave in the order they were sent
        outbox.add(new Outgoing(ByteBuffer.wrap(data.clone()), target));
        outBytes += data.length;
    }

    /** {@link #send(byte[], SocketAddress)} to the remote address of a connected endpoint. */
    public void send(byte[] data) {
        send(data, null);
    }

    private SocketAddress target(SocketAddress to) {
        if (remote != null) {
            if (to != null && !to.equals(remote)) {
                throw new IllegalArgumentException("Invalid address " + to + ": " + this + " is connected to "
                        + remote + "; give null or that address");
            }
            return remote;
        }
        if (to == null) {
            throw new IllegalArgumentException("No address to send to: " + this + " is not connected");
        }
        if (!(to instanceof InetSocketAddress isa)) {
            throw new UnsupportedAddressTypeException();
        }
        if (isa.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        return to;
    }

    /** Sends one packet: true when it went, false when the socket's buffer has no room for it now. */
    private boolean sendNow(ByteBuffer b, SocketAddress to) throws IOException {
        int size = b.remaining();
        // both give 0 when there is no room; an empty packet gives 0 either way and counts as sent
        int n = remote != null ? channel.write(b) : channel.send(b, to);
        return n == size;
    }

    private void onWritable() {
        while (!outbox.isEmpty()) {
            Outgoing o = outbox.peek();
            int size = o.data.remaining();
            boolean sent;
            try {
                sent = sendNow(o.data, o.to);
            } catch (IOException e) {
                sent = true; // dropped: reported instead, and the next packets still go
                deliver(e);
            }
            if (!sent) {
                return; // still no room: called again when there is
            }
            outbox.poll();
            outBytes -= size;
        }
        loop.removeWriter(channel);
        List<Future<Void>> ready = new ArrayList<>(drainers);
        drainers.clear();
        for (Future<Void> f : ready) {
            f.tryComplete(null);
        }
        if (closing) {
            closeNow();
        }
    }

    /** Bytes queued to send, not yet taken by the socket. */
    public long buffered() {
        return outBytes;
    }

    /**
     * Done at once when no packet is queued to send; else when the queue is empty, all of them handed to the
     * socket. Fails with {@link AsynchronousCloseException} when {@link #abort()} drops them first. Each call gives
     * a future of its own: cancelling one leaves the others.
     *
     * @throws IllegalStateException off the loop thread
     */
    public Future<Void> drain() {
        checkLoopThread("drain");
        if (outbox.isEmpty()) {
            return Future.completed(null);
        }
        Future<Void> f = new Future<>(loop);
        drainers.add(f);
        return f;
    }

    // ------------------------------------------------------------------------------------------ closing

    /**
     * Stops receiving at once (queued packets dropped, waiting receives failed with
     * {@link AsynchronousCloseException}) and closes the socket once the queued sends are out. Again: nothing.
     *
     * @throws IllegalStateException off the loop thread
     */
    @Override
    public void close() {
        checkLoopThread("close");
        if (closing) {
            return;
        }
        stopReceiving();
        if (outbox.isEmpty()) {
            closeNow();
        }
    }

    /** As {@link #close()}, but closes the socket now, dropping queued sends (their drains fail). */
    public void abort() {
        checkLoopThread("abort");
        if (!closing) {
            stopReceiving();
        }
        closeNow();
    }

    private void stopReceiving() {
        closing = true;
        loop.removeReader(channel);
        inbox.clear();
        List<Future<Void>> waiting = new ArrayList<>(waiters);
        waiters.clear();
        for (Future<Void> w : waiting) {
            w.tryFail(new AsynchronousCloseException()); // one each: a throwable gathers the stack of its await
        }
    }

    private void closeNow() {
        if (closed) {
            return;
        }
        closed = true;
        outbox.clear();
        outBytes = 0;
        loop.stopClosingWithLoop(atLoopClose);
        try {
            channel.close(); // forgets its selector key, writer included
        } catch (IOException ignored) {
            // closed either way
        }
        List<Future<Void>> waiting = new ArrayList<>(drainers);
        drainers.clear();
        for (Future<Void> f : waiting) {
            f.tryFail(new AsynchronousCloseException());
        }
        closedFuture.tryComplete(null);
    }

    /** Done once the socket is closed. */
    public Future<Void> closed() {
        return closedFuture;
    }

    /** True once {@link #close()} or {@link #abort()} was called. */
    public boolean isClosing() {
        return closing;
    }

    /** The address the socket is bound to, with the port the system picked when 0 was asked. */
    public InetSocketAddress localAddress() {
        return local;
    }

    /** The address a connected endpoint sends to and receives from; null for one that is not connected. */
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public String toString() {
        return "DatagramEndpoint[" + (closed ? "closed, " : closing ? "closing, " : "") + local
                + (remote != null ? " to " + remote : "") + "]";
    }
}
