package dev.weft.examples;

import static dev.weft.runtime.Await.await;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import dev.weft.runtime.net.Connection;
import dev.weft.runtime.net.Server;
import dev.weft.runtime.net.Streams;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A line-based chat server on one loop thread (issue #14): a client sends its name as its first line, then each
 * line it sends goes to every other client as {@code name: line}; joins and leaves are announced. All state is
 * plain collections: every handler runs on the loop's one thread, so nothing needs a lock. Without arguments it
 * runs a scripted conversation of three clients and prints what each received; {@code server PORT} runs the
 * server until the process is stopped (try two {@code nc 127.0.0.1 PORT}).
 */
public final class Chat {
    private final Map<Connection, String> members = new LinkedHashMap<>();

    private void broadcast(Connection from, String text) {
        byte[] line = (text + "\n").getBytes(UTF_8);
        for (Connection c : members.keySet()) {
            if (c != from) {
                c.writer().write(line); // buffered; a slow member only grows its own buffer
            }
        }
    }

    @Async
    Task<Void> member(Connection c) {
        String name = await(c.reader().readTextLine(UTF_8));
        if (name == null || name.isBlank()) {
            c.close();
            return Task.completed(null);
        }
        members.put(c, name);
        broadcast(c, "* " + name + " joined");
        try {
            while (true) {
                String text = await(c.reader().readTextLine(UTF_8));
                if (text == null) {
                    break;
                }
                broadcast(c, name + ": " + text);
                await(c.writer().drain());
            }
        } finally {
            members.remove(c);
            broadcast(c, "* " + name + " left");
            c.close();
        }
        return Task.completed(null);
    }

    /** A scripted client: joins, says its lines with a pause between, leaves, and returns what it received. */
    @Async
    static Task<List<String>> talk(int port, String name, Duration start, String... lines) {
        await(Tasks.sleep(start));
        Connection c = await(Streams.connect("127.0.0.1", port));
        c.writer().write((name + "\n").getBytes(UTF_8));
        for (String line : lines) {
            await(Tasks.sleep(Duration.ofMillis(100)));
            c.writer().write((line + "\n").getBytes(UTF_8));
        }
        await(Tasks.sleep(Duration.ofMillis(300)));
        c.writer().writeEof(); // leaves: the server sees the end, says so to the others and closes
        List<String> heard = new ArrayList<>();
        String line;
        while ((line = await(c.reader().readTextLine(UTF_8))) != null) {
            heard.add(line);
        }
        return Task.completed(heard);
    }

    @Async
    static Task<Void> demo() {
        Chat chat = new Chat();
        Server server = await(Streams.serve(chat::member, "127.0.0.1", 0));
        // 50 ms or more between any two events, so the conversation is the same on every run
        Task<List<String>> ann = talk(server.port(), "ann", Duration.ZERO, "hi all");
        Task<List<String>> bob = talk(server.port(), "bob", Duration.ofMillis(150), "hello ann");
        Task<List<String>> cy = talk(server.port(), "cy", Duration.ofMillis(300), "hey");
        System.out.println("ann heard " + await(ann));
        System.out.println("bob heard " + await(bob));
        System.out.println("cy heard  " + await(cy));
        server.close();
        await(server.closed());
        return Task.completed(null);
    }

    @Async
    static Task<Void> serveForever(int port) {
        Server server = await(Streams.serve(new Chat()::member, "127.0.0.1", port));
        System.out.println("chat server on " + server.address() + " (stop with Ctrl-C)");
        await(server.closed());
        return Task.completed(null);
    }

    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("server")) {
            EventLoop.run(() -> serveForever(Integer.parseInt(args[1])));
        } else {
            EventLoop.run(Chat::demo);
        }
    }
}
