package dev.weft.it.library.net;

import static dev.weft.runtime.Await.await;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Futures;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import dev.weft.runtime.net.Datagram;
import dev.weft.runtime.net.DatagramEndpoint;
import dev.weft.runtime.net.Datagrams;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * UDP endpoints on the loop (issue #14), both ends on one loop on 127.0.0.1, where packets are neither lost nor
 * reordered. Every test's main is bounded by a timeout, so a lost wake-up fails the test instead of hanging it.
 */
class DatagramsTest {
    private static final String HOST = "127.0.0.1";

    private static <T> T run(Supplier<Task<T>> main) {
        return EventLoop.run(() -> Futures.waitFor(main.get(), Duration.ofSeconds(30)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static String text(Datagram d) {
        return new String(d.data(), UTF_8);
    }

    /** Yields until {@code done} holds, at most 5 s: for packets on their way through the loopback. */
    @Async
    static Task<Void> until(Supplier<Boolean> done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!done.get() && System.nanoTime() < deadline) {
            await(Tasks.sleep(Duration.ofMillis(1)));
        }
        return Task.completed(null);
    }

    // ------------------------------------------------------------------------------------------ ping-pong

    @Async
    static Task<Integer> ponger(DatagramEndpoint e, int rounds) {
        for (int i = 0; i < rounds; i++) {
            Datagram d = await(e.receive());
            e.send(bytes(text(d).replace("ping", "pong")), d.sender());
        }
        return Task.completed(rounds);
    }

    @Async
    static Task<List<String>> pingPong() {
        DatagramEndpoint a = await(Datagrams.bind(HOST, 0));
        DatagramEndpoint b = await(Datagrams.bind(HOST, 0));
        Task<Integer> server = ponger(b, 5);
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            a.send(bytes("ping " + i), b.localAddress());
            Datagram reply = await(a.receive());
            seen.add(text(reply) + (reply.sender().equals(b.localAddress()) ? " from b" : " from " + reply.sender()));
        }
        seen.add("server " + await(server));
        a.close();
        b.close();
        await(a.closed());
        await(b.closed());
        return Task.completed(seen);
    }

    @Test
    void twoEndpointsPlayPingPong() {
        assertEquals(List.of("pong 0 from b", "pong 1 from b", "pong 2 from b", "pong 3 from b", "pong 4 from b",
                "server 5"), run(DatagramsTest::pingPong));
    }

    // ------------------------------------------------------------------------------------------ queueing

    @Async
    static Task<String> hundredBeforeAnyReceive() {
        DatagramEndpoint a = await(Datagrams.bind(HOST, 0));
        DatagramEndpoint b = await(Datagrams.bind(HOST, 0));
        for (int i = 0; i < 100; i++) {
            a.send(bytes("packet " + i), b.localAddress());
        }
        await(a.drain());
        await(until(() -> b.queued() == 100)); // all read by b's loop callback, none taken yet
        int queuedBeforeReceiving = b.queued();
        StringBuilder wrong = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            Datagram d = await(b.receive());
            if (!text(d).equals("packet " + i) || !d.sender().equals(a.localAddress())) {
                wrong.append(i).append(": ").append(text(d)).append(" from ").append(d.sender()).append("; ");
            }
        }
        String result = queuedBeforeReceiving + " queued, dropped " + b.dropped() + ", wrong: [" + wrong + "]";
        a.close();
        b.close();
        return Task.completed(result);
    }

    @Test
    void aHundredPacketsSentBeforeAnyReceiveAllArriveInOrderWithTheirSender() {
        assertEquals("100 queued, dropped 0, wrong: []", run(DatagramsTest::hundredBeforeAnyReceive));
    }

    @Async
    static Task<String> fullQueueDropsTheNewest() {
        DatagramEndpoint a = await(Datagrams.bind(HOST, 0));
        DatagramEndpoint b = await(Datagrams.bind(HOST, 0, 4));
        for (int i = 0; i < 10; i++) {
            a.send(bytes("p" + i), b.localAddress());
        }
        await(until(() -> b.queued() + b.dropped() == 10));
        String counts = b.queued() + " queued, " + b.dropped() + " dropped:";
        StringBuilder got = new StringBuilder(counts);
        for (int i = 0; i < 4; i++) {
            got.append(' ').append(text(await(b.receive())));
        }
        a.send(bytes("after"), b.localAddress()); // room again: this one is kept
        got.append(' ').append(text(await(b.receive())));
        a.close();
        b.close();
        return Task.completed(got.toString());
    }

    @Test
    void aFullQueueDropsTheNewestPacketsAndCountsThem() {
        assertEquals("4 queued, 6 dropped: p0 p1 p2 p3 after", run(DatagramsTest::fullQueueDropsTheNewest));
    }

    // ------------------------------------------------------------------------------------------ cancellation

    @Async
    static Task<String> cancelledReceive() {
        DatagramEndpoint a = await(Datagrams.bind(HOST, 0));
        DatagramEndpoint b = await(Datagrams.bind(HOST, 0));
        Future<Datagram> first = b.receive(); // nothing has come: a task that waits
        boolean waited = !first.isDone();
        await(Tasks.sleep(Duration.ofMillis(10)));
        first.cancel();
        String outcome;
        try {
            await(first);
            outcome = "not cancelled";
        } catch (CancellationException e) {
            outcome = "cancelled";
        }
        // the next receive waits too, started before the packet comes: the packet must wake it, not the
        // cancelled one, and a packet that came later still goes to a receive
        Future<Datagram> next = b.receive();
        a.send(bytes("kept"), b.localAddress());
        Datagram d = await(Futures.waitFor(next, Duration.ofSeconds(5)));
        first.cancel(); // done already: nothing happens
        a.send(bytes("later"), b.localAddress());
        Datagram later = await(Futures.waitFor(b.receive(), Duration.ofSeconds(5)));
        a.close();
        b.close();
        return Task.completed(waited + " " + outcome + " " + text(d) + " " + text(later));
    }

    @Test
    void aCancelledReceiveLosesNoPacket() {
        assertEquals("true cancelled kept later", run(DatagramsTest::cancelledReceive));
    }

    /**
     * The narrow case: a packet wakes the first of two waiting receives, which is cancelled before it runs. The
     * packet must go to the second one, not sit in the queue while it waits.
     */
    @Async
    static Task<String> wokenThenCancelled() {
        DatagramEndpoint a = await(Datagrams.bind(HOST, 0));
        DatagramEndpoint b = await(Datagrams.bind(HOST, 0));
        Future<Datagram> first = b.receive();
        Future<Datagram> second = b.receive();
        a.send(bytes("one"), b.localAddress());
        // a zero sleep is a turn: the turn whose callback read the packet woke `first`, which runs a turn later
        while (b.queued() == 0 && !first.isDone()) {
            await(Tasks.sleep(Duration.ZERO));
        }
        String window = b.queued() == 1 && !first.isDone() ? "woken, not run" : "missed the window";
        first.cancel();
        String secondGot;
        try {
            secondGot = text(await(Futures.waitFor(second, Duration.ofSeconds(5)), TimeoutException.class));
        } catch (TimeoutException e) {
            secondGot = "second still waiting with " + b.queued() + " queued";
        }
        a.close();
        b.close();
        return Task.completed(window + ", first " + (first.isCancelled() ? "cancelled" : "not cancelled")
                + ", second got " + secondGot);
    }

    @Test
    void aPacketWhoseReceiveIsCancelledAfterWakingGoesToTheNextReceive() {
        assertEquals("woken, not run, first cancelled, second got one", run(DatagramsTest::wokenThenCancelled));
    }

    @Async
    static Task<String> twoWaitingReceives() {
        DatagramEndpoint a = await(Datagrams.bind(HOST, 0));
        DatagramEndpoint b = await(Datagrams.bind(HOST, 0));
        Future<Datagram> first = b.receive();
        Future<Datagram> second = b.receive();
        a.send(bytes("x"), b.localAddress());
        a.send(bytes("y"), b.localAddress());
        String got = text(await(first)) + text(await(second));
        a.close();
        b.close();
        return Task.completed(got);
    }

    @Test
    void waitingReceivesAreServedInTheOrderTheyStarted() {
        assertEquals("xy", run(DatagramsTest::twoWaitingReceives));
    }

    /**
     * A receive called while a packet is queued takes it at once, even when a waiting receive was woken for it; that
     * one waits again in its place, still ahead of the receive that started after it.
     */
    @Async
    static Task<String> overtakenKeepsItsPlace() {
        DatagramEndpoint a = await(Datagrams.bind(HOST, 0));
        DatagramEndpoint b = await(Datagrams.bind(HOST, 0));
        Future<Datagram> first = b.receive();
        Future<Datagram> second = b.receive();
        a.send(bytes("x"), b.localAddress());
        while (b.queued() == 0 && !first.isDone()) {
            await(Tasks.sleep(Duration.ZERO));
        }
        String window = b.queued() == 1 && !first.isDone() ? "woken, not run" : "missed the window";
        Future<Datagram> now = b.receive();
        String took = now.isDone() ? text(await(now)) : "waited";
        await(Tasks.sleep(Duration.ZERO)); // first runs, finds nothing, waits again
        a.send(bytes("y"), b.localAddress());
        a.send(bytes("z"), b.localAddress());
        String got = text(await(Futures.waitFor(first, Duration.ofSeconds(5)))) + " "
                + text(await(Futures.waitFor(second, Duration.ofSeconds(5))));
        a.close();
        b.close();
        return Task.completed(window + ", took " + took + ", then " + got);
    }

    @Test
    void aWokenReceiveOvertakenByAnImmediateOneKeepsItsPlace() {
        assertEquals("woken, not run, took x, then y z", run(DatagramsTest::overtakenKeepsItsPlace));
    }

    // ------------------------------------------------------------------------------------------ closing

    @Async
    static Task<String> closeWhileWaiting() {
        DatagramEndpoint b = await(Datagrams.bind(HOST, 0));
        Future<Datagram> waiting = b.receive();
        await(Tasks.sleep(Duration.ofMillis(10)));
        b.close();
        String outcome;
        try {
            await(Futures.waitFor(waiting, Duration.ofSeconds(5)), IOException.class);
            outcome = "received?";
        } catch (IOException e) {
            outcome = e.getClass().getSimpleName() + " " + (e instanceof ClosedChannelException);
        }
        String after;
        try {
            await(b.receive(), IOException.class);
            after = "received?";
        } catch (IOException e) {
            after = e.getClass().getSimpleName();
        }
        String send;
        try {
            b.send(bytes("x"), new InetSocketAddress(HOST, 9));
            send = "sent?";
        } catch (IllegalStateException e) {
            send = "refused";
        }
        await(Futures.waitFor(b.closed(), Duration.ofSeconds(5)));
        return Task.completed(outcome + ", then " + after + ", send " + send + ", closed " + b.closed().isDone());
    }

    @Test
    void closeFailsAWaitingReceiveWithAsynchronousCloseException() {
        assertEquals(AsynchronousCloseException.class.getSimpleName() + " true, then "
                + ClosedChannelException.class.getSimpleName() + ", send refused, closed true",
                run(DatagramsTest::closeWhileWaiting));
    }

    // ------------------------------------------------------------------------------------------ threads, ports

    @Async
    static Task<String> receiveFromAnotherThread() {
        DatagramEndpoint b = await(Datagrams.bind(HOST, 0));
        String outcome = await(Tasks.toThread(() -> {
            try {
                b.receive();
                return "allowed";
            } catch (IllegalStateException e) {
                return "refused: " + e.getMessage();
            }
        }));
        b.close();
        return Task.completed(outcome);
    }

    @Test
    void aReceiveFromAnotherThreadIsRefused() {
        String outcome = run(DatagramsTest::receiveFromAnotherThread);
        assertTrue(outcome.startsWith("refused: ") && outcome.contains("only from its loop's thread"), outcome);
    }

    @Async
    static Task<String> portZero() {
        DatagramEndpoint a = await(Datagrams.bind(HOST, 0));
        DatagramEndpoint b = await(Datagrams.bind(HOST, 0));
        InetSocketAddress at = b.localAddress();
        // the port it reports is the one it listens on: a packet sent to it, by number, arrives
        a.send(bytes("here"), new InetSocketAddress(HOST, at.getPort()));
        Datagram d = await(Futures.waitFor(b.receive(), Duration.ofSeconds(5)));
        a.close();
        b.close();
        return Task.completed((at.getPort() > 0) + " " + at.getAddress().getHostAddress() + " " + text(d));
    }

    @Test
    void portZeroGivesARealPort() {
        assertEquals("true 127.0.0.1 here", run(DatagramsTest::portZero));
    }

    @Async
    static Task<String> wildcard() {
        DatagramEndpoint any = await(Datagrams.bind(null, 0));
        DatagramEndpoint a = await(Datagrams.bind(HOST, 0));
        a.send(bytes("to any"), new InetSocketAddress(HOST, any.localAddress().getPort()));
        Datagram d = await(Futures.waitFor(any.receive(), Duration.ofSeconds(5)));
        String result = any.localAddress().getAddress().isAnyLocalAddress() + " " + text(d) + " "
                + d.sender().equals(a.localAddress());
        any.close();
        a.close();
        return Task.completed(result);
    }

    @Test
    void aNullHostBindsTheWildcardAddress() {
        assertEquals("true to any true", run(DatagramsTest::wildcard));
    }

    // ------------------------------------------------------------------------------------------ connected

    @Async
    static Task<String> connectedEcho() {
        DatagramEndpoint b = await(Datagrams.bind(HOST, 0));
        DatagramEndpoint c = await(Datagrams.connect(HOST, b.localAddress().getPort()));
        c.send(bytes("hi"));
        Datagram d = await(b.receive());
        b.send(bytes("hi back"), d.sender());
        Datagram reply = await(c.receive());
        String wrongAddress;
        try {
            c.send(bytes("x"), new InetSocketAddress(HOST, 9));
            wrongAddress = "sent";
        } catch (IllegalArgumentException e) {
            wrongAddress = "refused";
        }
        String result = text(reply) + " " + reply.sender().equals(b.localAddress()) + " "
                + d.sender().equals(c.localAddress()) + " " + c.remoteAddress().equals(b.localAddress())
                + ", other address " + wrongAddress;
        b.close();
        c.close();
        return Task.completed(result);
    }

    @Test
    void aConnectedEndpointSendsToItsPeer() {
        assertEquals("hi back true true true, other address refused", run(DatagramsTest::connectedEcho));
    }

    @Async
    static Task<String> portUnreachable() {
        int port;
        try (DatagramChannel probe = DatagramChannel.open()) {
            probe.bind(new InetSocketAddress(HOST, 0));
            port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } // closed: nobody listens there now
        DatagramEndpoint c = await(Datagrams.connect(HOST, port));
        c.send(bytes("anyone?"));
        String outcome;
        try {
            await(Futures.waitFor(c.receive(), Duration.ofSeconds(5)), IOException.class);
            outcome = "received?";
        } catch (IOException e) {
            outcome = e.getClass().getName(); // as the channel threw it: not wrapped
        }
        String open = c.isClosing() ? "closed" : "still open";
        c.close();
        return Task.completed(outcome + ", " + open);
    }

    @Test
    void aConnectedEndpointGetsPortUnreachableUnwrapped() {
        assertEquals(PortUnreachableException.class.getName() + ", still open",
                run(DatagramsTest::portUnreachable));
    }

    @Async
    static Task<Integer> leftOpen() {
        DatagramEndpoint e = await(Datagrams.bind("127.0.0.1", 0));
        return Task.completed(e.localAddress().getPort());
    }

    /** EventLoop.run's end closes an endpoint left open: its port can be bound again at once. */
    @Test
    void theEndOfRunClosesAnEndpointLeftOpen() throws Exception {
        int port = EventLoop.run(DatagramsTest::leftOpen);
        try (DatagramChannel again = DatagramChannel.open()) {
            again.bind(new InetSocketAddress("127.0.0.1", port)); // BindException if it were still open
            assertEquals(port, ((InetSocketAddress) again.getLocalAddress()).getPort());
        }
    }
}
