package dev.weft.it.library.net;

import static dev.weft.runtime.Await.await;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.Async;
import dev.weft.runtime.AsyncIterator;
import dev.weft.runtime.AsyncIterators;
import dev.weft.runtime.Event;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Futures;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import dev.weft.runtime.net.Connection;
import dev.weft.runtime.net.LimitOverrunException;
import dev.weft.runtime.net.Server;
import dev.weft.runtime.net.StreamOptions;
import dev.weft.runtime.net.Streams;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link dev.weft.runtime.net.StreamReader#lines}: the lines of a real 127.0.0.1 connection as an AsyncIterator
 * (issue #15). Every test's main is bounded, so a lost wake-up fails instead of hanging.
 */
@Timeout(60)
class LinesTest {
    private static final String HOST = "127.0.0.1";

    private static <T> T run(Supplier<Task<T>> main) {
        return EventLoop.run(() -> Futures.waitFor(main.get(), Duration.ofSeconds(30)));
    }

    /** Sends {@code parts} one by one, a little apart (so lines arrive split across reads), then closes. */
    @Async
    static Task<Void> sendSlowly(Connection c, List<String> parts) {
        for (String p : parts) {
            c.writer().write(p.getBytes(UTF_8));
            await(c.writer().drain());
            await(Tasks.sleep(Duration.ofMillis(2)));
        }
        c.close();
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> allLines() {
        Server server = await(Streams.serve(c -> sendSlowly(c, List.of("one\ntw", "o\r\n", "\nthr", "ee")), HOST, 0));
        Connection c = await(Streams.connect(HOST, server.port()));
        List<String> lines = await(AsyncIterators.toList(c.reader().lines(UTF_8)));
        lines.add("at eof " + c.reader().atEof());
        c.close();
        server.close();
        return Task.completed(lines);
    }

    @Test
    void eachHasNextReadsOneLineWithoutItsTerminatorUntilTheEnd() {
        assertEquals(List.of("one", "two", "", "three", "at eof true"), run(LinesTest::allLines));
    }

    @Async
    static Task<List<String>> overLimit() {
        StreamOptions small = StreamOptions.defaults().withReadLimit(8);
        Server server = await(Streams.serve(c -> sendSlowly(c, List.of("short\n0123456789abcdef\nafter\n")), HOST,
                0));
        Connection c = await(Streams.connect(HOST, server.port(), small));
        AsyncIterator<String> lines = c.reader().lines(UTF_8);
        List<String> got = new ArrayList<>();
        try {
            while (await(lines.hasNext(), LimitOverrunException.class)) {
                got.add(lines.next());
            }
            got.add("no overrun");
        } catch (LimitOverrunException e) {
            got.add("overrun");
        }
        got.add("then hasNext " + await(lines.hasNext()));
        await(lines.close());
        got.add("the line after it: " + await(c.reader().readTextLine(UTF_8))); // the long line was dropped
        c.close();
        server.close();
        return Task.completed(got);
    }

    @Test
    void aLineOverTheLimitFailsItsHasNextWithLimitOverrunException() {
        assertEquals(List.of("short", "overrun", "then hasNext false", "the line after it: after"),
                run(LinesTest::overLimit));
    }

    /** Echoes lines until the peer's end. */
    @Async
    static Task<Void> echo(Connection c) {
        while (true) {
            String line = await(c.reader().readTextLine(UTF_8));
            if (line == null) {
                break;
            }
            c.writer().write((line + "\n").getBytes(UTF_8));
            await(c.writer().drain());
        }
        c.close();
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> closeKeepsTheConnection() {
        Server server = await(Streams.serve(LinesTest::echo, HOST, 0));
        Connection c = await(Streams.connect(HOST, server.port()));
        List<String> got = new ArrayList<>();
        c.writer().write("a\nb\nc\n".getBytes(UTF_8));
        AsyncIterator<String> lines = c.reader().lines(UTF_8);
        await(lines.hasNext());
        got.add(lines.next());
        await(lines.close());
        got.add("after close hasNext " + await(lines.hasNext()));
        // the connection still works, and the lines after the one taken are still there
        got.add(await(c.reader().readTextLine(UTF_8)));
        c.writer().write("d\n".getBytes(UTF_8));
        got.add(await(c.reader().readTextLine(UTF_8)));
        got.add(await(c.reader().readTextLine(UTF_8)));
        c.writer().writeEof();
        got.add(String.valueOf(await(c.reader().readTextLine(UTF_8))));
        c.close();
        server.close();
        return Task.completed(got);
    }

    @Test
    void closeStopsReadingButLeavesTheConnectionOpen() {
        assertEquals(List.of("a", "after close hasNext false", "b", "c", "d", "null"),
                run(LinesTest::closeKeepsTheConnection));
    }

    @Async
    static Task<Void> sendWhenSet(Connection c, Event go) {
        c.writer().write("pa".getBytes(UTF_8));
        await(c.writer().drain());
        await(go.waitFor());
        c.writer().write("rtial\nnext\n".getBytes(UTF_8));
        await(c.writer().drain());
        c.close();
        return Task.completed(null);
    }

    @Async
    static Task<String> firstLine(AsyncIterator<String> lines) {
        return Task.completed(await(lines.hasNext()) ? lines.next() : "none");
    }

    @Async
    static Task<List<String>> cancelWhileWaiting() {
        Event go = new Event();
        Server server = await(Streams.serve(c -> sendWhenSet(c, go), HOST, 0));
        Connection c = await(Streams.connect(HOST, server.port()));
        AsyncIterator<String> lines = AsyncIterators.map(c.reader().lines(UTF_8), String::toUpperCase);
        Task<String> waiting = firstLine(lines);
        await(Tasks.sleep(Duration.ofMillis(50))); // "pa" has arrived; the line is not complete
        waiting.cancel();
        List<String> got = new ArrayList<>();
        try {
            got.add("not cancelled: " + await(waiting));
        } catch (CancellationException e) {
            got.add("cancelled");
        }
        await(lines.close());
        go.set();
        got.add(await(c.reader().readTextLine(UTF_8))); // the bytes of the cancelled read are all there
        got.add(await(AsyncIterators.toList(c.reader().lines(UTF_8))).toString());
        c.close();
        server.close();
        return Task.completed(got);
    }

    @Test
    void aCancelledHasNextConsumesNothing() {
        assertEquals(List.of("cancelled", "partial", "[next]"), run(LinesTest::cancelWhileWaiting));
    }

    @Async
    static Task<List<String>> lazy() {
        Server server = await(Streams.serve(c -> sendSlowly(c, List.of("x\ny\n")), HOST, 0));
        Connection c = await(Streams.connect(HOST, server.port()));
        AsyncIterator<String> lines = c.reader().lines(UTF_8);
        List<String> got = new ArrayList<>();
        got.add("read directly: " + await(c.reader().readTextLine(UTF_8))); // lines() made, nothing read by it
        got.add("then lines: " + await(AsyncIterators.toList(lines)));
        c.close();
        server.close();
        return Task.completed(got);
    }

    @Test
    void linesReadsNothingBeforeTheFirstHasNext() {
        assertEquals(List.of("read directly: x", "then lines: [y]"), run(LinesTest::lazy));
    }
}
