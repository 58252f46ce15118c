package dev.weft.examples;

import static dev.weft.runtime.Await.await;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.net.Connection;
import dev.weft.runtime.net.Server;
import dev.weft.runtime.net.Streams;

/**
 * An echo server and its client on one loop thread (issue #14). Without arguments it starts the server on a free
 * port of 127.0.0.1, sends three lines through a client, prints the replies and stops. {@code server PORT} runs
 * only the server until the process is stopped (try {@code nc 127.0.0.1 PORT}); {@code client HOST PORT LINE...}
 * only the client.
 */
public final class Echo {
    private Echo() {
    }

    /** One task per connection: each line comes back as it was sent, until the client closes its side. */
    @Async
    static Task<Void> echo(Connection c) {
        while (true) {
            byte[] line = await(c.reader().readLine());
            if (line.length == 0) {
                break; // the end of the stream
            }
            c.writer().write(line);
            await(c.writer().drain());
        }
        c.close();
        return Task.completed(null);
    }

    @Async
    static Task<Void> client(String host, int port, String... lines) {
        Connection c = await(Streams.connect(host, port));
        for (String line : lines) {
            c.writer().write((line + "\n").getBytes(UTF_8));
            System.out.println("sent " + line + ", got back " + await(c.reader().readTextLine(UTF_8)));
        }
        c.writer().writeEof(); // half-close: the server sees the end and closes
        await(c.closed());
        return Task.completed(null);
    }

    @Async
    static Task<Void> demo() {
        Server server = await(Streams.serve(Echo::echo, "127.0.0.1", 0));
        System.out.println("echo server on " + server.address());
        await(client("127.0.0.1", server.port(), "hello", "from", "weft"));
        server.close();
        await(server.closed());
        System.out.println("server closed");
        return Task.completed(null);
    }

    @Async
    static Task<Void> serveForever(int port) {
        Server server = await(Streams.serve(Echo::echo, "127.0.0.1", port));
        System.out.println("echo server on " + server.address() + " (stop with Ctrl-C)");
        await(server.closed()); // never, unless closed
        return Task.completed(null);
    }

    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("server")) {
            EventLoop.run(() -> serveForever(Integer.parseInt(args[1])));
        } else if (args.length >= 3 && args[0].equals("client")) {
            String[] lines = java.util.Arrays.copyOfRange(args, 3, args.length);
            EventLoop.run(() -> client(args[1], Integer.parseInt(args[2]), lines));
        } else {
            EventLoop.run(Echo::demo);
        }
    }
}
