package dev.weft.it.library.iter;

import static dev.weft.runtime.Await.await;
import static dev.weft.test.AsyncTest.runTest;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.Async;
import dev.weft.runtime.AsyncGenerator;
import dev.weft.runtime.AsyncIterator;
import dev.weft.runtime.Emitter;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import dev.weft.test.WeftTest;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * AsyncGenerator asked for an item while it is stopping (found while writing AsyncIterators, issue #15: such a
 * hasNext() got a new pending answer that nothing ever completed, and its consumer hung). Asked while close() waits
 * for the body's finally, it gives false; asked while a cancelled answer waits for the body to end, it gives that
 * same answer, which ends as the body does (cancelled, here).
 */
@Timeout(10)
@WeftTest // virtual time: each timer fires as soon as nothing else can happen first, in its real-time order
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
        trace.add("the same answer " + (again == first));
        await(g.close());
        await(Tasks.sleep(Duration.ofMillis(20)));
        trace.add("again " + (again.isCancelled() ? "cancelled" : again.isDone() ? String.valueOf(again.result())
                : "still pending"));
        trace.add("then " + await(g.hasNext()));
        return Task.completed(trace);
    }

    @Test
    void hasNextAfterACancelledHasNext_givesThatAnswer_thenFalse() {
        assertEquals(List.of("the same answer true", "finally", "again cancelled", "then false"),
                runTest(AsyncGeneratorClosingTest::askAfterCancel));
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
        assertEquals(List.of("finally", "again false"), runTest(AsyncGeneratorClosingTest::askWhileClosing));
    }
}
