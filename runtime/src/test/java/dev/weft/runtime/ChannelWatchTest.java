package dev.weft.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The loop's selector: addReader/addWriter (asyncio's add_reader/add_writer), on 127.0.0.1 only. */
class ChannelWatchTest {

    /** Two connected socket channels on the loopback interface (Java has no socketpair). */
    private static SocketChannel[] connectedPair() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel client = SocketChannel.open(server.getLocalAddress());
            SocketChannel accepted = server.accept();
            return new SocketChannel[] {client, accepted};
        }
    }

    private static Future<Void> sleep(long millis) {
        return Tasks.sleep(Duration.ofMillis(millis));
    }

    /**
     * Within one turn: the callbacks already ready, then the channels found ready, then the timers that fell due.
     * asyncio 3.13 gives {@code C X R T} for the same program (add_reader, call_soon, call_at in the past, all from
     * one callback C, with the data already there).
     */
    @Test
    void aReadyChannelsCallbackRunsAfterTheReadyCallbacksAndBeforeTheDueTimers() throws Exception {
        SocketChannel[] pair = connectedPair();
        try {
            pair[1].write(ByteBuffer.wrap(new byte[] {'x'}));
            List<String> log = new ArrayList<>();
            EventLoop.run(() -> {
                EventLoop loop = EventLoop.running();
                SocketChannel a = pair[0];
                loop.callSoon(() -> {
                    loop.addReader(a, () -> {
                        log.add("R");
                        try {
                            a.read(ByteBuffer.allocate(10));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        loop.removeReader(a);
                    });
                    loop.callSoon(() -> log.add("X"));
                    loop.callAt(loop.time() - 1_000_000_000L, () -> log.add("T"));
                    log.add("C");
                });
                return sleep(100);
            });
            assertEquals(List.of("C", "X", "R", "T"), log);
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    /** An echo over the loop: accept, read and write callbacks, and the client side on the same loop. */
    @Test
    void aServerAndAClientOnOneLoopEchoALine() throws Exception {
        String echoed = EventLoop.run(() -> {
            EventLoop loop = EventLoop.running();
            Future<String> result = new Future<>();
            try {
                ServerSocketChannel server = ServerSocketChannel.open();
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                loop.addReader(server, () -> {
                    try {
                        SocketChannel conn = server.accept();
                        if (conn == null) {
                            return;
                        }
                        loop.removeReader(server);
                        server.close();
                        ByteBuffer buf = ByteBuffer.allocate(64);
                        loop.addReader(conn, () -> {
                            try {
                                int n = conn.read(buf);
                                if (n < 0) {
                                    loop.removeReader(conn);
                                    conn.close();
                                    return;
                                }
                                buf.flip();
                                conn.write(buf); // small: one write takes it all
                                buf.clear();
                            } catch (IOException e) {
                                result.tryFail(e);
                            }
                        });
                    } catch (IOException e) {
                        result.tryFail(e);
                    }
                });
                SocketChannel client = SocketChannel.open();
                client.configureBlocking(false);
                client.connect(server.getLocalAddress());
                ByteBuffer in = ByteBuffer.allocate(64);
                loop.addWriter(client, () -> {
                    try {
                        if (client.isConnectionPending() && !client.finishConnect()) {
                            return;
                        }
                        loop.removeWriter(client);
                        client.write(ByteBuffer.wrap("ping\n".getBytes(StandardCharsets.US_ASCII)));
                        loop.addReader(client, () -> {
                            try {
                                client.read(in);
                                String got = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
                                if (got.endsWith("\n")) {
                                    loop.removeReader(client);
                                    client.close();
                                    result.tryComplete(got.trim());
                                }
                            } catch (IOException e) {
                                result.tryFail(e);
                            }
                        });
                    } catch (IOException e) {
                        result.tryFail(e);
                    }
                });
            } catch (IOException e) {
                result.tryFail(e);
            }
            return Futures.waitFor(result, Duration.ofSeconds(20)); // a lost callback fails, not hangs
        });
        assertEquals("ping", echoed);
    }

    /** A loop waiting in its selector with no timer is woken by another thread's callback. */
    @Test
    void callSoonThreadsafeWakesALoopThatWaitsInItsSelector() throws Exception {
        SocketChannel[] pair = connectedPair();
        EventLoop loop = new EventLoop();
        CountDownLatch watching = new CountDownLatch(1);
        CountDownLatch ran = new CountDownLatch(1);
        Thread t = new Thread(loop::runForever, "selecting loop");
        try {
            t.start();
            loop.callSoonThreadsafe(() -> {
                loop.addReader(pair[0], () -> { });
                watching.countDown();
            });
            assertTrue(watching.await(5, TimeUnit.SECONDS));
            Thread.sleep(30); // let it block in select()
            loop.callSoonThreadsafe(ran::countDown);
            assertTrue(ran.await(5, TimeUnit.SECONDS), "the selecting loop was not woken");
        } finally {
            loop.stop();
            t.join(5000);
            assertFalse(t.isAlive());
            loop.close();
            assertTrue(pair[0].isOpen(), "closing the loop closes its selector, not the channels");
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    void removingWhatWasNeverAddedSaysSoAndAReaderAddedAgainReplacesTheFirst() throws Exception {
        SocketChannel[] pair = connectedPair();
        try {
            pair[1].write(ByteBuffer.wrap(new byte[] {'x'}));
            List<String> log = new ArrayList<>();
            EventLoop.run(() -> {
                EventLoop loop = EventLoop.running();
                log.add("remove before add: " + loop.removeReader(pair[0]) + " " + loop.removeWriter(pair[0]));
                loop.addReader(pair[0], () -> log.add("first"));
                loop.addReader(pair[0], () -> {
                    log.add("second");
                    loop.removeReader(pair[0]);
                });
                return sleep(100);
            });
            assertEquals(List.of("remove before add: false false", "second"), log);
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    void anAttachedLoopRefusesChannelsAndSaysWhatToDo() throws Exception {
        java.util.concurrent.ExecutorService ex = java.util.concurrent.Executors.newSingleThreadExecutor();
        EventLoop loop = EventLoop.attachedTo(ex);
        SocketChannel[] pair = connectedPair();
        try {
            java.util.concurrent.CompletableFuture<Throwable> refused = new java.util.concurrent.CompletableFuture<>();
            loop.callSoonThreadsafe(() -> refused.complete(
                    assertThrows(IllegalStateException.class, () -> loop.addReader(pair[0], () -> { }))));
            String message = refused.get(5, TimeUnit.SECONDS).getMessage();
            assertTrue(message.contains("attached to an executor") && message.contains("loop of its own"), message);
        } finally {
            ex.submit(loop::close).get(5, TimeUnit.SECONDS);
            ex.shutdown();
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    void watchingFromAnotherThreadIsRefused() throws Exception {
        SocketChannel[] pair = connectedPair();
        EventLoop loop = new EventLoop();
        CountDownLatch running = new CountDownLatch(1);
        Thread t = new Thread(loop::runForever, "owner");
        try {
            t.start();
            loop.callSoonThreadsafe(running::countDown);
            assertTrue(running.await(5, TimeUnit.SECONDS));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> loop.addReader(pair[0], () -> { }));
            assertTrue(e.getMessage().contains("only from the loop's own thread"), e.getMessage());
        } finally {
            loop.stop();
            t.join(5000);
            loop.close();
            pair[0].close();
            pair[1].close();
        }
    }
}
