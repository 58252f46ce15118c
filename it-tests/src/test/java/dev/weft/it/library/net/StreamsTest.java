package dev.weft.it.library.net;

import static dev.weft.runtime.Await.await;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.Event;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Futures;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import dev.weft.runtime.net.Connection;
import dev.weft.runtime.net.IncompleteReadException;
import dev.weft.runtime.net.LimitOverrunException;
import dev.weft.runtime.net.Resolver;
import dev.weft.runtime.net.Server;
import dev.weft.runtime.net.StreamOptions;
import dev.weft.runtime.net.Streams;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * TCP streams on the loop (issue #14), client and server in one loop on 127.0.0.1. Every test's main is bounded by
 * a timeout, so a lost wake-up fails the test instead of hanging it.
 */
class StreamsTest {
    private static final String HOST = "127.0.0.1";

    private static <T> T run(Supplier<Task<T>> main) {
        return EventLoop.run(() -> Futures.waitFor(main.get(), Duration.ofSeconds(30)));
    }

    @Async
    static Task<Void> echoLines(Connection c) {
        while (true) {
            byte[] line = await(c.reader().readLine());
            if (line.length == 0) {
                break;
            }
            c.writer().write(line);
            await(c.writer().drain());
        }
        c.close();
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> echoClient() {
        Server server = await(Streams.serve(StreamsTest::echoLines, HOST, 0));
        assertTrue(server.port() > 0, "port 0 picks a free port: " + server.address());
        Connection c = await(Streams.connect(HOST, server.port()));
        List<String> seen = new ArrayList<>();
        for (String s : List.of("one", "two\r", "three")) {
            c.writer().write((s + "\n").getBytes(UTF_8));
            seen.add(await(c.reader().readTextLine(UTF_8)));
        }
        c.writer().writeEof();
        seen.add(String.valueOf(await(c.reader().readTextLine(UTF_8)))); // the server closed after our EOF
        seen.add("at eof " + c.reader().atEof());
        await(c.closed());
        server.close();
        await(server.closed());
        seen.add("serving " + server.isServing());
        return Task.completed(seen);
    }

    @Test
    void anEchoServerAndItsClientTalkInLines() {
        assertEquals(List.of("one", "two", "three", "null", "at eof true", "serving false"), run(StreamsTest::echoClient));
    }

    @Async
    static Task<Void> sendThenClose(Connection c, byte[] data) {
        c.writer().write(data);
        c.close();
        return Task.completed(null);
    }

    @Async
    static Task<String> readExactlyPastTheEnd() {
        Server server = await(Streams.serve(c -> sendThenClose(c, "abc".getBytes(UTF_8)), HOST, 0));
        Connection c = await(Streams.connect(HOST, server.port()));
        String got;
        try {
            await(c.reader().readExactly(5), IncompleteReadException.class);
            got = "no exception";
        } catch (IncompleteReadException e) {
            got = new String(e.partial(), UTF_8) + " of " + e.expected() + ", " + (e instanceof java.io.EOFException);
        }
        c.close();
        server.close();
        return Task.completed(got + ", at eof " + c.reader().atEof());
    }

    @Test
    void readExactlyAtTheEndGivesThePartialBytes() {
        assertEquals("abc of 5, true, at eof true", run(StreamsTest::readExactlyPastTheEnd));
    }

    @Async
    static Task<String> overLimit() {
        byte[] noSeparator = "0123456789abcdefghij".getBytes(UTF_8);
        StreamOptions small = StreamOptions.defaults().withReadLimit(8);
        Server server = await(Streams.serve(c -> sendThenClose(c, noSeparator), HOST, 0));
        Connection c = await(Streams.connect(HOST, server.port(), small));
        String got;
        try {
            await(c.reader().readUntil(new byte[] {';'}), LimitOverrunException.class);
            got = "no exception";
        } catch (LimitOverrunException e) {
            got = "overrun at " + e.consumed();
        }
        // nothing was consumed: the bytes are still there
        byte[] rest = await(c.reader().read(-1));
        c.close();
        server.close();
        return Task.completed(got + ", then " + new String(rest, UTF_8));
    }

    @Test
    void aRecordLongerThanTheLimitFailsAndConsumesNothing() {
        String got = run(StreamsTest::overLimit);
        assertTrue(got.startsWith("overrun at ") && got.endsWith(", then 0123456789abcdefghij"), got);
    }

    @Async
    static Task<Void> twoThenTwo(Connection c, Event more) {
        c.writer().write("ab".getBytes(UTF_8));
        await(more.waitFor());
        c.writer().write("cd".getBytes(UTF_8));
        await(c.writer().drain());
        c.close();
        return Task.completed(null);
    }

    @Async
    static Task<String> cancelledReadKeepsItsBytes() {
        Event more = new Event();
        Server server = await(Streams.serve(c -> twoThenTwo(c, more), HOST, 0));
        Connection c = await(Streams.connect(HOST, server.port()));
        dev.weft.runtime.Future<byte[]> first = c.reader().readExactly(4); // a task: it has to wait
        await(Tasks.sleep(Duration.ofMillis(50))); // "ab" has arrived, the read waits for two more
        first.cancel();
        String outcome;
        try {
            await(first);
            outcome = "not cancelled";
        } catch (CancellationException e) {
            outcome = "cancelled";
        }
        more.set();
        byte[] all = await(c.reader().readExactly(4));
        c.close();
        server.close();
        return Task.completed(outcome + " " + new String(all, UTF_8));
    }

    @Test
    void aCancelledReadLosesNoBytes() {
        assertEquals("cancelled abcd", run(StreamsTest::cancelledReadKeepsItsBytes));
    }

    @Async
    static Task<String> refused() {
        int port;
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.bind(new InetSocketAddress(HOST, 0));
            port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } // closed: nobody listens there now
        try {
            await(Streams.connect(HOST, port), IOException.class);
            return Task.completed("connected?");
        } catch (IOException e) {
            return Task.completed(e.getClass().getName()); // as the channel threw it: not wrapped
        }
    }

    @Test
    void aRefusedConnectionArrivesAsConnectExceptionUnwrapped() {
        assertEquals(ConnectException.class.getName(), run(StreamsTest::refused));
    }

    @Async
    static Task<Integer> readAllAfter(Connection c, Event go) {
        await(go.waitFor());
        byte[] all = await(c.reader().read(-1));
        c.writer().write(String.valueOf(all.length).getBytes(UTF_8));
        c.writer().writeEof();
        await(c.writer().drain());
        return Task.completed(all.length);
    }

    @Async
    static Task<String> backpressure() {
        Event go = new Event();
        Server server = await(Streams.serve(c -> readAllAfter(c, go), HOST, 0));
        StreamOptions opts = StreamOptions.defaults().withWriteBufferLimits(64 * 1024, 16 * 1024);
        Connection c = await(Streams.connect(HOST, server.port(), opts));
        byte[] chunk = new byte[1 << 20];
        int total = 0;
        // the server's handler does not read yet: the socket buffers fill (the server's stream reads ahead up to
        // twice its limit, and the kernel's buffers grow for a while), then ours does; written until what the
        // kernel takes in 20 ms leaves ours full, then 4 MiB more, more than a stalled peer absorbs in 20 ms
        do {
            while (c.writer().buffered() <= 64 * 1024) {
                c.writer().write(chunk);
                total += chunk.length;
            }
            await(Tasks.sleep(Duration.ofMillis(20)));
        } while (c.writer().buffered() <= 64 * 1024);
        for (int i = 0; i < 4; i++) {
            c.writer().write(chunk);
            total += chunk.length;
        }
        dev.weft.runtime.Future<Void> drained = c.writer().drain();
        boolean waitedAtFirst = !drained.isDone();
        await(Tasks.sleep(Duration.ofMillis(20)));
        boolean stillWaiting = !drained.isDone();
        go.set();
        await(drained);
        long leftAfterDrain = c.writer().buffered();
        c.writer().writeEof();
        byte[] reply = await(c.reader().read(-1));
        c.close();
        server.close();
        return Task.completed(waitedAtFirst + " " + stillWaiting + " " + (leftAfterDrain <= 16 * 1024) + " "
                + (Integer.parseInt(new String(reply, UTF_8)) == total));
    }

    @Test
    void drainWaitsWhileThePeerDoesNotReadAndEveryByteArrives() {
        assertEquals("true true true true", run(StreamsTest::backpressure));
    }

    @Async
    static Task<Void> resetAtOnce(Connection c) {
        c.abort();
        return Task.completed(null);
    }

    @Async
    static Task<String> peerReset() {
        Server server = await(Streams.serve(StreamsTest::resetAtOnce, HOST, 0));
        Connection c = await(Streams.connect(HOST, server.port()));
        byte[] chunk = new byte[1 << 16];
        String outcome = "no failure";
        try {
            for (int i = 0; i < 2_000; i++) { // the peer is gone: a write or a drain fails, with the socket's exception
                c.writer().write(chunk);
                await(c.writer().drain(), IOException.class);
                await(Tasks.sleep(Duration.ZERO));
            }
        } catch (IOException e) {
            outcome = "IOException";
        }
        c.close();
        server.close();
        return Task.completed(outcome);
    }

    @Test
    void writingToAPeerThatResetFailsWithTheSocketsIoException() {
        assertEquals("IOException", run(StreamsTest::peerReset));
    }

    @Async
    static Task<String> readFromTwoPlaces() {
        Event never = new Event();
        Server server = await(Streams.serve(c -> readAllAfter(c, never), HOST, 0));
        Connection c = await(Streams.connect(HOST, server.port()));
        dev.weft.runtime.Future<byte[]> waiting = c.reader().read(10); // nothing has come: it waits
        String second;
        try {
            c.reader().read(10);
            second = "allowed";
        } catch (IllegalStateException e) {
            second = "refused";
        }
        waiting.cancel();
        c.abort();
        server.close();
        return Task.completed(second);
    }

    @Test
    void aSecondReadWhileOneWaitsIsRefused() {
        assertEquals("refused", run(StreamsTest::readFromTwoPlaces));
    }

    @Async
    static Task<String> triedInOrder() {
        Server server = await(Streams.serve(StreamsTest::echoLines, HOST, 0));
        // 127.0.0.2 is loopback too (Linux routes 127/8 to lo) but nothing listens there: refused, then the next
        Resolver twoAddresses = host -> new InetAddress[] {
            InetAddress.getByAddress("first", new byte[] {127, 0, 0, 2}),
            InetAddress.getByAddress("second", new byte[] {127, 0, 0, 1})};
        Connection c = await(Streams.connect("two-addresses.test", server.port(),
                StreamOptions.defaults().withResolver(twoAddresses)));
        String peer = ((InetSocketAddress) c.remoteAddress()).getAddress().getHostAddress();
        c.close();
        Resolver noneListening = host -> new InetAddress[] {
            InetAddress.getByAddress("first", new byte[] {127, 0, 0, 2}),
            InetAddress.getByAddress("second", new byte[] {127, 0, 0, 3})};
        String failure;
        try {
            await(Streams.connect("nobody.test", server.port(), StreamOptions.defaults().withResolver(noneListening)),
                    IOException.class);
            failure = "connected?";
        } catch (IOException e) {
            long others = java.util.Arrays.stream(e.getSuppressed()).filter(x -> x instanceof ConnectException).count();
            failure = e.getClass().getSimpleName() + " with " + others + " suppressed"; // (besides its async stack)
        }
        server.close();
        return Task.completed(peer + "; " + failure);
    }

    @Test
    void aNameWithSeveralAddressesHasThemTriedInOrder() {
        assertEquals("127.0.0.1; ConnectException with 1 suppressed", run(StreamsTest::triedInOrder));
    }

    @Async
    static Task<Void> waitForever(Connection c) {
        await(new Event().waitFor());
        return Task.completed(null);
    }

    @Async
    static Task<Integer> leaveEverythingOpen(java.net.Socket[] raw) {
        Server server = await(Streams.serve(StreamsTest::waitForever, HOST, 0));
        try {
            raw[0] = new java.net.Socket(HOST, server.port()); // the kernel completes it: no accept needed
            raw[0].setSoTimeout(10_000);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        await(Tasks.sleep(Duration.ofMillis(100))); // accepted, its handler waiting
        return Task.completed(server.port());
    }

    /** EventLoop.run's end cancels the handler, then closes the connection and the server it left open. */
    @Test
    void theEndOfRunClosesServersAndConnectionsLeftOpen() throws Exception {
        java.net.Socket[] raw = new java.net.Socket[1];
        int port = EventLoop.run(() -> leaveEverythingOpen(raw));
        try (java.net.Socket peer = raw[0]) {
            assertEquals(-1, peer.getInputStream().read(), "the server side of the connection was closed");
        }
        java.net.ConnectException refused = org.junit.jupiter.api.Assertions.assertThrows(
                java.net.ConnectException.class, () -> new java.net.Socket(HOST, port).close());
        assertTrue(refused.getMessage() != null);
    }

    @Async
    static Task<Long> slowReader(Connection c) {
        long sum = 0;
        while (true) {
            byte[] got = await(c.reader().read(64 * 1024));
            if (got.length == 0) {
                break;
            }
            for (byte b : got) {
                sum += b & 0xff;
            }
            await(Tasks.sleep(Duration.ofMillis(2))); // slower than the writer: 32 MB/s at most
        }
        c.writer().write(String.valueOf(sum).getBytes(UTF_8));
        c.writer().writeEof();
        await(c.writer().drain());
        return Task.completed(sum);
    }

    @Async
    static Task<String> eightMegabytes() {
        Server server = await(Streams.serve(StreamsTest::slowReader, HOST, 0));
        Connection c = await(Streams.connect(HOST, server.port()));
        byte[] chunk = new byte[64 * 1024];
        long sum = 0;
        long maxBuffered = 0;
        int waits = 0;
        for (int i = 0; i < 128; i++) { // 8 MiB
            java.util.Arrays.fill(chunk, (byte) i);
            sum += (long) (i & 0xff) * chunk.length;
            c.writer().write(chunk);
            maxBuffered = Math.max(maxBuffered, c.writer().buffered());
            dev.weft.runtime.Future<Void> drained = c.writer().drain();
            if (!drained.isDone()) {
                waits++;
            }
            await(drained);
        }
        c.writer().writeEof();
        String reply = new String(await(c.reader().read(-1)), UTF_8);
        c.close();
        server.close();
        // bounded: never more than the high-water mark plus the chunk that crossed it
        return Task.completed((Long.parseLong(reply) == sum) + " " + (maxBuffered <= 64 * 1024 + chunk.length) + " "
                + (waits > 0));
    }

    @Test
    void eightMegabytesThroughASlowReaderArriveIntactWithTheWriteBufferBounded() {
        assertEquals("true true true", run(StreamsTest::eightMegabytes));
    }

    @Async
    static Task<String> connectTimesOut() {
        // a listener whose accept queue is full and that never accepts: the kernel drops further SYNs
        ServerSocketChannel full;
        List<java.net.Socket> queued = new ArrayList<>();
        try {
            full = ServerSocketChannel.open();
            full.bind(new InetSocketAddress(HOST, 0), 1);
            int port = ((InetSocketAddress) full.getLocalAddress()).getPort();
            for (int i = 0; i < 16; i++) { // until one gets no answer: the queue is full from then on
                java.net.Socket s = new java.net.Socket();
                try {
                    s.connect(new InetSocketAddress(HOST, port), 200);
                    queued.add(s);
                } catch (java.net.SocketTimeoutException expected) {
                    s.close();
                    break; // the queue is full now
                }
            }
            String outcome;
            try {
                await(Streams.connect(HOST, port, StreamOptions.defaults().withConnectTimeout(Duration.ofMillis(300))),
                        IOException.class);
                outcome = "connected";
            } catch (IOException e) {
                outcome = e.getClass().getSimpleName();
            }
            for (java.net.Socket s : queued) {
                s.close();
            }
            full.close();
            return Task.completed(outcome);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aConnectThatGetsNoAnswerTimesOutWithSocketTimeoutException() {
        assertEquals("SocketTimeoutException", run(StreamsTest::connectTimesOut));
    }

    @Async
    static Task<String> closeWhileConnected() {
        Server server = await(Streams.serve(StreamsTest::echoLines, HOST, 0));
        Connection c = await(Streams.connect(HOST, server.port()));
        c.writer().write("before\n".getBytes(UTF_8));
        String before = await(c.reader().readTextLine(UTF_8));
        server.close();
        c.writer().write("after\n".getBytes(UTF_8)); // the accepted connection goes on
        String after = await(c.reader().readTextLine(UTF_8));
        String refused;
        try {
            await(Streams.connect(HOST, server.port()), IOException.class);
            refused = "connected?";
        } catch (IOException e) {
            refused = e.getClass().getSimpleName();
        }
        boolean closedEarly = server.closed().isDone(); // a handler still runs
        c.writer().writeEof();
        await(server.closed());
        c.close();
        return Task.completed(before + " " + after + " " + refused + " " + closedEarly);
    }

    @Test
    void closingAServerStopsAcceptingAndLetsItsConnectionsFinish() {
        assertEquals("before after ConnectException false", run(StreamsTest::closeWhileConnected));
    }

    @Async
    static Task<String> oneClient(int port, int i) {
        Connection c = await(Streams.connect(HOST, port));
        c.writer().write(("client " + i + "\n").getBytes(UTF_8));
        String reply = await(c.reader().readTextLine(UTF_8));
        c.close();
        return Task.completed(reply);
    }

    @Async
    static Task<Integer> thousandConnections() {
        Server server = await(Streams.serve(StreamsTest::echoLines, HOST, 0,
                StreamOptions.defaults().withBacklog(1024)));
        List<dev.weft.runtime.Future<String>> clients = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            clients.add(oneClient(server.port(), i));
        }
        List<String> replies = await(dev.weft.runtime.Futures.gather(clients));
        int right = 0;
        for (int i = 0; i < replies.size(); i++) {
            if (replies.get(i).equals("client " + i)) {
                right++;
            }
        }
        server.close();
        await(server.closed());
        return Task.completed(right);
    }

    @Test
    void aThousandConcurrentConnectionsOnOneLoop() {
        assertEquals(1_000, run(StreamsTest::thousandConnections));
    }
}
