package dev.weft.it.library.iter;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.Async;
import dev.weft.runtime.AsyncGenerator;
import dev.weft.runtime.AsyncIterator;
import dev.weft.runtime.Emitter;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * AsyncGenerator asked for an item while it is closing (found while writing AsyncIterators, issue #15): the
 * protocol says a generator whose pending hasNext() was cancelled, or that was closed, is closed, so hasNext()
 * gives false. Today a hasNext() made before the body has finished unwinding gives a new pending answer that
 * nothing ever completes: the consumer awaiting it hangs. patches/asyncgenerator-hasnext-while-closing.patch
 * fixes it (AsyncGenerator.hasNext() answers false once closing) and enables these tests.
 */
@Timeout(10)
@Disabled("AsyncGenerator bug: hasNext() while closing never completes; see patches/asyncgenerator-hasnext-while-closing.patch")
class AsyncGeneratorClosingTest {

    @Async
    static Task<Void> slowThenSlowFinally(Emitter<Integer> out, List<String> trace) {
        try {
            await(Tasks.sleep(Duration.ofSeconds(10)));
            await(out.emit(1));
        } finally {
            await(Tasks.sleep(Duration.ofMillis(5))); // the body takes a while to unwind
            trace.add("finally");
        }
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> askAfterCancel() {
        List<String> trace = new ArrayList<>();
        AsyncIterator<Integer> g = AsyncGenerator.of(out -> slowThenSlowFinally(out, trace));
        Future<Boolean> first = g.hasNext();
        first.cancel();
        Future<Boolean> again = g.hasNext();
        await(g.close());
        await(Tasks.sleep(Duration.ofMillis(20)));
        trace.add("again " + (again.isDone() ? String.valueOf(again.result()) : "still pending"));
        return Task.completed(trace);
    }

    @Test
    void hasNextAfterACancelledHasNextGivesFalse() {
        assertEquals(List.of("finally", "again false"), EventLoop.run(AsyncGeneratorClosingTest::askAfterCancel));
    }

    @Async
    static Task<Void> emitsThenSlowFinally(Emitter<Integer> out, List<String> trace) {
        try {
            await(out.emit(1));
            await(out.emit(2));
        } finally {
            await(Tasks.sleep(Duration.ofMillis(5)));
            trace.add("finally");
        }
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> askWhileClosing() {
        List<String> trace = new ArrayList<>();
        AsyncIterator<Integer> g = AsyncGenerator.of(out -> emitsThenSlowFinally(out, trace));
        await(g.hasNext());
        g.next();
        Future<Void> closed = g.close(); // pending: the finally block awaits
        Future<Boolean> again = g.hasNext();
        await(closed);
        await(Tasks.sleep(Duration.ofMillis(20)));
        trace.add("again " + (again.isDone() ? String.valueOf(again.result()) : "still pending"));
        return Task.completed(trace);
    }

    @Test
    void hasNextWhileCloseIsPendingGivesFalse() {
        assertEquals(List.of("finally", "again false"), EventLoop.run(AsyncGeneratorClosingTest::askWhileClosing));
    }
}
