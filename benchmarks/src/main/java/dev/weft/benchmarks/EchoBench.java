package dev.weft.benchmarks;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.LoopGroup;
import dev.weft.runtime.Task;
import dev.weft.runtime.net.Connection;
import dev.weft.runtime.net.Server;
import dev.weft.runtime.net.Streams;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Echo over loopback (issue #14), every server contender in one run against the same blocking client: (a) one
 * connection's ping-pong (64-byte messages), round trips per second; (b) 100 connections each doing ping-pong, on
 * 100 client threads, total round trips per second; (c) a bulk transfer echoed back (written and read by two
 * client threads), MiB/s. Contenders: Weft on one loop and on a group of 2, Netty's NIO transport on 1 and 2 event
 * loops (its echo example's shape: write in channelRead, flush in channelReadComplete), virtual threads with
 * blocking sockets (Java 21+), and CPython asyncio's streams (3.12 when found; skipped with a note otherwise).
 *
 * <p>{@code java -cp benchmarks.jar dev.weft.benchmarks.EchoBench [seconds per cell] [bulk MiB]} (defaults 5 and
 * 1024); {@code -Decho.only=Netty} runs only the contenders whose name contains the text. The client shares
 * the machine with the server, so on 2 cores a server's second loop competes with the
 * client's threads: read (b)'s scaling with that in mind.
 */
public final class EchoBench {
    private static final int MESSAGE = 64;

    private EchoBench() {
    }

    /** A running echo server on 127.0.0.1. */
    interface Running extends AutoCloseable {
        int port();

        @Override
        void close() throws Exception;
    }

    interface Contender {
        String name();

        Running start() throws Exception;
    }

    // ------------------------------------------------------------------------------------------ Weft

    @Async
    static Task<Void> weftEcho(Connection c) {
        while (true) {
            byte[] got = await(c.reader().read(64 * 1024));
            if (got.length == 0) {
                break;
            }
            c.writer().write(got);
            await(c.writer().drain());
        }
        c.close();
        return Task.completed(null);
    }

    static Running weftOneLoop() throws Exception {
        LoopGroup one = LoopGroup.start(1, "weft-echo-");
        Server server = Streams.serve(one, EchoBench::weftEcho, "127.0.0.1", 0).get(10, TimeUnit.SECONDS);
        return running(server.port(), one::close);
    }

    static Running weftTwoLoops() throws Exception {
        LoopGroup two = LoopGroup.start(2, "weft-echo-");
        Server server = Streams.serve(two, EchoBench::weftEcho, "127.0.0.1", 0).get(10, TimeUnit.SECONDS);
        return running(server.port(), two::close);
    }

    // ------------------------------------------------------------------------------------------ Netty

    @ChannelHandler.Sharable
    static final class NettyEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    static Running netty(int loops) throws Exception {
        EventLoopGroup group = new NioEventLoopGroup(loops);
        NettyEcho echo = new NettyEcho();
        Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(echo);
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        int port = ((InetSocketAddress) ch.localAddress()).getPort();
        return running(port, () -> {
            ch.close().sync();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        });
    }

    // ------------------------------------------------------------------------------------------ virtual threads

    static Running virtualThreads() throws Exception {
        ExecutorService vt = VirtualThreads.executor();
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0), 1024);
        vt.submit(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException closed) {
                    return null;
                }
                vt.submit(() -> {
                    try (Socket c = s) {
                        c.setTcpNoDelay(true);
                        InputStream in = c.getInputStream();
                        OutputStream out = c.getOutputStream();
                        byte[] buf = new byte[64 * 1024];
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            out.write(buf, 0, n);
                        }
                    }
                    return null;
                });
            }
            return null;
        });
        return running(server.getLocalPort(), server::close);
    }

    // ------------------------------------------------------------------------------------------ asyncio

    /** A CPython 3.12 that runs (a pyenv shim on the PATH may not): under ~/.pyenv/versions first, then the PATH. */
    static String python() {
        List<String> candidates = new ArrayList<>();
        File[] found = new File(System.getProperty("user.home"), ".pyenv/versions")
                .listFiles((d, name) -> name.startsWith("3.12"));
        if (found != null) {
            for (File v : found) {
                candidates.add(new File(v, "bin/python3.12").getPath());
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            candidates.add(new File(dir, "python3.12").getPath());
        }
        for (String exe : candidates) {
            if (!new File(exe).canExecute()) {
                continue;
            }
            try {
                Process p = new ProcessBuilder(exe, "-c", "import asyncio").redirectErrorStream(true).start();
                if (p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return exe;
                }
            } catch (IOException | InterruptedException e) {
                // not this one
            }
        }
        return null;
    }

    static Running asyncio(String python) throws Exception {
        Path script = Files.createTempFile("weft-echo", ".py");
        Files.writeString(script, String.join("\n",
                "import asyncio",
                "async def handle(r, w):",
                "    while True:",
                "        data = await r.read(65536)",
                "        if not data:",
                "            break",
                "        w.write(data)",
                "        await w.drain()",
                "    w.close()",
                "async def main():",
                "    s = await asyncio.start_server(handle, '127.0.0.1', 0, backlog=1024)",
                "    print(s.sockets[0].getsockname()[1], flush=True)",
                "    await s.serve_forever()",
                "asyncio.run(main())", ""));
        Process p = new ProcessBuilder(python, script.toString()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        int port = Integer.parseInt(out.readLine().trim());
        return running(port, () -> {
            p.destroy();
            p.waitFor(5, TimeUnit.SECONDS);
            Files.deleteIfExists(script);
        });
    }

    interface Closer {
        void close() throws Exception;
    }

    static Running running(int port, Closer closer) {
        return new Running() {
            @Override
            public int port() {
                return port;
            }

            @Override
            public void close() throws Exception {
                closer.close();
            }
        };
    }

    // ------------------------------------------------------------------------------------------ the client

    /** Round trips per second of one connection, on one blocking client thread: latency. */
    static double pingPong(int port, double seconds) throws Exception {
        LongAdder trips = new LongAdder();
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        Socket s = new Socket("127.0.0.1", port);
        s.setTcpNoDelay(true);
        Thread t = new Thread(() -> {
            byte[] msg = new byte[MESSAGE];
            byte[] back = new byte[MESSAGE];
            try {
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                while (!stop.get()) {
                    out.write(msg);
                    int got = 0;
                    while (got < MESSAGE) {
                        int n = in.read(back, got, MESSAGE - got);
                        if (n < 0) {
                            return;
                        }
                        got += n;
                    }
                    if (counting.get()) {
                        trips.increment();
                    }
                }
            } catch (IOException e) {
                if (!stop.get()) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }, "echo-client");
        t.setDaemon(true);
        t.start();
        double perSecond = measure(trips, counting, seconds);
        stop.set(true);
        s.close();
        t.join(5000);
        return perSecond;
    }

    /**
     * Total round trips per second over {@code connections} connections driven by one non-blocking client thread
     * (a selector): each connection writes a message, waits for all of it back, and writes the next. One client
     * thread keeps the client's cost flat and its scheduling out of the figure (a thread per connection made the
     * kernel's wake-ups of 100 threads the noise that decided the result).
     */
    static double pingPongMany(int port, int connections, double seconds) throws Exception {
        LongAdder trips = new LongAdder();
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        java.nio.channels.Selector selector = java.nio.channels.Selector.open();
        List<java.nio.channels.SocketChannel> channels = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(
                    new InetSocketAddress("127.0.0.1", port));
            ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            ch.configureBlocking(false);
            ch.register(selector, java.nio.channels.SelectionKey.OP_READ, java.nio.ByteBuffer.allocate(MESSAGE));
            channels.add(ch);
        }
        CompletableFuture<Void> failed = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            java.nio.ByteBuffer msg = java.nio.ByteBuffer.allocateDirect(MESSAGE);
            try {
                for (java.nio.channels.SocketChannel ch : channels) {
                    msg.clear();
                    ch.write(msg); // 64 bytes always fit an empty socket buffer
                }
                while (!stop.get()) {
                    selector.select(key -> {
                        java.nio.channels.SocketChannel ch = (java.nio.channels.SocketChannel) key.channel();
                        java.nio.ByteBuffer back = (java.nio.ByteBuffer) key.attachment();
                        try {
                            if (ch.read(back) < 0) {
                                key.cancel();
                                return;
                            }
                            if (!back.hasRemaining()) {
                                back.clear();
                                if (counting.get()) {
                                    trips.increment();
                                }
                                msg.clear();
                                ch.write(msg);
                            }
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }, 100);
                }
            } catch (IOException | RuntimeException e) {
                if (!stop.get()) {
                    failed.completeExceptionally(e);
                }
            }
        }, "echo-client");
        t.setDaemon(true);
        t.start();
        double perSecond = measure(trips, counting, seconds);
        stop.set(true);
        t.join(5000);
        for (java.nio.channels.SocketChannel ch : channels) {
            ch.close();
        }
        selector.close();
        if (failed.isCompletedExceptionally()) {
            failed.join();
        }
        return perSecond;
    }

    /** Waits a fifth of {@code seconds} (warm-up), then counts for {@code seconds}: per second. */
    private static double measure(LongAdder trips, AtomicBoolean counting, double seconds) throws InterruptedException {
        Thread.sleep(Math.max(200, (long) (seconds * 200)));
        counting.set(true);
        long t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        counting.set(false);
        long took = System.nanoTime() - t0;
        return trips.sum() / (took / 1e9);
    }

    /** MiB/s of {@code mib} MiB written by one thread and read back by another. */
    static double bulk(int port, int mib) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            long total = (long) mib << 20;
            CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
                byte[] buf = new byte[64 * 1024];
                long got = 0;
                try {
                    InputStream in = s.getInputStream();
                    while (got < total) {
                        int n = in.read(buf);
                        if (n < 0) {
                            break;
                        }
                        got += n;
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return got;
            });
            long t0 = System.nanoTime();
            byte[] chunk = new byte[64 * 1024];
            OutputStream out = s.getOutputStream();
            for (long sent = 0; sent < total; sent += chunk.length) {
                out.write(chunk);
            }
            long got = reader.get(10, TimeUnit.MINUTES);
            double secs = (System.nanoTime() - t0) / 1e9;
            if (got != total) {
                throw new IllegalStateException("echoed " + got + " of " + total + " bytes");
            }
            return mib / secs;
        }
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        int mib = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        List<Contender> contenders = new ArrayList<>();
        contenders.add(contender("Weft, 1 loop", EchoBench::weftOneLoop));
        contenders.add(contender("Weft, 2 loops", EchoBench::weftTwoLoops));
        contenders.add(contender("Netty NIO, 1 loop", () -> netty(1)));
        contenders.add(contender("Netty NIO, 2 loops", () -> netty(2)));
        if (VirtualThreads.available()) {
            contenders.add(contender("virtual threads", EchoBench::virtualThreads));
        } else {
            System.out.println("(virtual threads skipped: Java " + Runtime.version().feature() + " has none)");
        }
        String python = python();
        if (python != null) {
            contenders.add(contender("asyncio (" + new File(python).getName() + ")", () -> asyncio(python)));
        } else {
            System.out.println("(asyncio skipped: no python3.12 on the PATH or under ~/.pyenv/versions)");
        }
        String only = System.getProperty("echo.only"); // a part of a contender's name: only those run
        if (only != null) {
            contenders.removeIf(c -> !c.name().contains(only));
        }
        int rounds = Integer.getInteger("echo.rounds", 3);
        System.out.printf("echo over loopback, %s, %d cores, %.1f s per cell, bulk %d MiB, median of %d rounds"
                + " (contenders in turn in each round)%n", Runtime.version(),
                Runtime.getRuntime().availableProcessors(), seconds, mib, rounds);
        double[][][] cells = new double[contenders.size()][3][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < contenders.size(); i++) {
                try (Running r = contenders.get(i).start()) {
                    cells[i][0][round] = pingPong(r.port(), seconds);
                    cells[i][1][round] = pingPongMany(r.port(), 100, seconds);
                    cells[i][2][round] = bulk(r.port(), mib);
                }
                System.err.printf("round %d %s: %,.0f %,.0f %,.0f%n", round + 1, contenders.get(i).name(),
                        cells[i][0][round], cells[i][1][round], cells[i][2][round]);
            }
        }
        System.out.println("| server | (a) 1 connection, round trips/s | (b) 100 connections, round trips/s "
                + "| (c) bulk, MiB/s |");
        System.out.println("|---|---|---|---|");
        for (int i = 0; i < contenders.size(); i++) {
            System.out.printf("| %s | %s | %s | %s |%n", contenders.get(i).name(), cell(cells[i][0]),
                    cell(cells[i][1]), cell(cells[i][2]));
        }
    }

    /** The median, and the range when there are several rounds. */
    private static String cell(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        return v.length == 1 ? String.format("%,.0f", median)
                : String.format("%,.0f (%,.0f-%,.0f)", median, v[0], v[v.length - 1]);
    }

    interface Starter {
        Running start() throws Exception;
    }

    static Contender contender(String name, Starter starter) {
        return new Contender() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Running start() throws Exception {
                return starter.start();
            }
        };
    }
}
