package dev.weft.it.library.net;

import static dev.weft.runtime.Await.await;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.Async;
import dev.weft.runtime.Event;
import dev.weft.runtime.LoopGroup;
import dev.weft.runtime.Task;
import dev.weft.runtime.net.Connection;
import dev.weft.runtime.net.Server;
import dev.weft.runtime.net.Streams;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A group of loops, one thread each, and a server that accepts on one and runs handlers on all (issue #14). */
class LoopGroupTest {
    private static final String HOST = "127.0.0.1";

    @Async
    static Task<Void> echoOnce(Connection c, Set<String> threads) {
        threads.add(Thread.currentThread().getName());
        byte[] line = await(c.reader().readLine());
        c.writer().write(line);
        await(c.writer().drain());
        c.close();
        return Task.completed(null);
    }

    @Test
    void eachConnectionsHandlerRunsOnTheNextLoopInTurn() throws Exception {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        int port;
        try (LoopGroup group = LoopGroup.start(2, "group-loop-")) {
            Server server = Streams.serve(group, c -> echoOnce(c, threads), HOST, 0).get(10, TimeUnit.SECONDS);
            port = server.port();
            List<String> replies = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                try (Socket s = new Socket(HOST, port)) {
                    s.setSoTimeout(10_000);
                    OutputStream out = s.getOutputStream();
                    out.write(("line " + i + "\n").getBytes(UTF_8));
                    out.flush();
                    replies.add(new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8)).readLine());
                }
            }
            assertEquals(List.of("line 0", "line 1", "line 2", "line 3", "line 4", "line 5", "line 6", "line 7"),
                    replies);
            assertEquals(Set.of("group-loop-0", "group-loop-1"), threads, "handlers ran on both loops");
            server.close(); // from this thread: sent to the accepting loop
        }
        assertThrows(ConnectException.class, () -> new Socket(HOST, port).close(), "closed with the group");
    }

    @Async
    static Task<Void> waitsForever(List<String> trace) {
        try {
            await(new Event().waitFor());
        } finally {
            trace.add("finally ran on " + Thread.currentThread().getName());
        }
        return Task.completed(null);
    }

    @Test
    void closingTheGroupCancelsWhatIsPendingOnEachLoop() throws Exception {
        List<String> trace = new CopyOnWriteArrayList<>();
        LoopGroup group = LoopGroup.start(2, "closing-loop-");
        java.util.concurrent.CompletableFuture<Void> first = group.submit(() -> waitsForever(trace));
        java.util.concurrent.CompletableFuture<Void> second = group.submit(() -> waitsForever(trace));
        group.close();
        assertEquals(Set.of("finally ran on closing-loop-0", "finally ran on closing-loop-1"), Set.copyOf(trace));
        assertEquals(2, trace.size());
        assertFalse(group.loop(0).isRunning());
        assertThrows(java.util.concurrent.CancellationException.class, () -> first.getNow(null));
        assertThrows(java.util.concurrent.CancellationException.class, () -> second.getNow(null));
    }
}
