package dev.weft.examples;

import static dev.weft.runtime.Await.await;

import com.sun.net.httpserver.HttpServer;
import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Concurrent HTTP fetches on one event-loop thread.
 *
 * <p>The program starts a small local HTTP server whose pages answer after a delay, warms the HTTP client up with
 * one untimed request, then fetches three pages at once through {@link HttpClient#sendAsync}, awaiting the
 * responses in {@code @Async} methods: sequential code, no callbacks, one thread. It then shows an HTTP error
 * arriving as an exception at the {@code await}, and a slow fetch cancelled by a deadline, its {@code finally}
 * block running.
 */
public final class Fetch {
    private Fetch() {
    }

    /** Fetches one page and returns its body; a status other than 200 is an exception at the await. */
    @Async
    static Task<String> fetch(HttpClient client, URI uri) {
        HttpResponse<String> response = await(client.sendAsync(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString()));
        if (response.statusCode() != 200) {
            throw new IllegalStateException(uri.getPath() + " answered " + response.statusCode());
        }
        return Task.completed(response.body());
    }

    @Async
    static Task<String> fetchWithCleanup(HttpClient client, URI uri, List<String> log) {
        try {
            return Task.completed(await(fetch(client, uri)));
        } finally {
            log.add("cleanup ran for " + uri.getPath());
        }
    }

    @Async
    static Task<List<String>> demo(URI base) {
        HttpClient client = HttpClient.newHttpClient();
        List<String> lines = new ArrayList<>();

        // Untimed: the client's first request pays for its own start-up (threads, connection, classes), a few
        // hundred milliseconds that would otherwise be counted against the three fetches below.
        await(fetch(client, base.resolve("/page?name=warm-up&ms=0")));

        long start = System.nanoTime();
        Task<String> a = fetch(client, base.resolve("/page?name=alpha&ms=300"));   // all three start now
        Task<String> b = fetch(client, base.resolve("/page?name=beta&ms=200"));
        Task<String> c = fetch(client, base.resolve("/page?name=gamma&ms=100"));
        lines.add(await(a) + ", " + await(b) + ", " + await(c));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        lines.add("three fetches of 300 + 200 + 100 ms took " + millis + " ms (one after another: 600 ms)");

        try {
            await(fetch(client, base.resolve("/missing")));
        } catch (IllegalStateException e) {
            lines.add("error arrives at the await: " + e.getMessage());
        }

        List<String> log = new ArrayList<>();
        Task<String> slow = fetchWithCleanup(client, base.resolve("/page?name=slow&ms=5000"), log);
        await(Tasks.sleep(Duration.ofMillis(50)));
        slow.cancel("deadline");
        try {
            await(slow);
        } catch (CancellationException e) {
            lines.add("slow fetch cancelled (" + e.getMessage() + "); " + log);
        }
        return Task.completed(lines);
    }

    public static void main(String[] args) throws IOException {
        ScheduledExecutorService delays = Executors.newSingleThreadScheduledExecutor();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/page", exchange -> {
            String query = exchange.getRequestURI().getQuery();
            String name = param(query, "name");
            long ms = Long.parseLong(param(query, "ms"));
            delays.schedule(() -> {
                byte[] body = ("hello from " + name).getBytes(StandardCharsets.UTF_8);
                try (OutputStream out = exchange.getResponseBody()) {
                    exchange.sendResponseHeaders(200, body.length);
                    out.write(body);
                } catch (IOException e) {
                    // the client went away (the cancelled fetch): nothing to do
                }
            }, ms, TimeUnit.MILLISECONDS);
        });
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        try {
            URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
            List<String> lines = EventLoop.run(() -> demo(base));
            lines.forEach(System.out::println);
        } finally {
            server.stop(0);
            delays.shutdownNow();
        }
    }

    private static String param(String query, String key) {
        for (String pair : query.split("&")) {
            if (pair.startsWith(key + "=")) {
                return pair.substring(key.length() + 1);
            }
        }
        throw new IllegalArgumentException("missing " + key);
    }
}
