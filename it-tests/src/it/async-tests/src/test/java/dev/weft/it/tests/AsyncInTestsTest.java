package dev.weft.it.tests;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Tests written with await: their @Async helpers and async lambdas are rewritten by instrument-test. */
class AsyncInTestsTest {

    @Async
    static Task<List<Integer>> countTwice(Counter counter) {
        Task<Integer> first = counter.incrementLater(Duration.ofMillis(20));
        Task<Integer> second = counter.incrementLater(Duration.ZERO);
        List<Integer> seen = new ArrayList<>();
        seen.add(await(first));
        seen.add(await(second));
        return Task.completed(seen);
    }

    @Test
    void asyncHelperInATestAwaitsMainCode() {
        // the second call does not sleep (a zero sleep is one turn of the loop, run before any due timer),
        // so it increments first, however long the first call's step took; 5 ms against 1 ms was a race
        assertEquals(List.of(2, 1), EventLoop.run(() -> countTwice(new Counter())));
    }

    @Test
    void asyncLambdaInATest() {
        CompletableFuture<Integer> remote = CompletableFuture.supplyAsync(() -> 20);
        int result = EventLoop.run(() -> {
            int got = await(remote);
            await(Tasks.sleep(Duration.ZERO));
            return Task.completed(got + 1);
        });
        assertEquals(21, result);
    }

    @Async
    static Task<String> waitForever(List<String> trace) {
        try {
            await(new CompletableFuture<Void>());
            return Task.completed("not reached");
        } finally {
            trace.add("finally ran");
        }
    }

    @Async
    static Task<String> cancelOne(List<String> trace) {
        Task<String> task = waitForever(trace);
        await(Tasks.sleep(Duration.ZERO));
        task.cancel();
        try {
            await(task);
            return Task.completed("not cancelled?");
        } catch (CancellationException e) {
            return Task.completed("cancelled");
        }
    }

    @Test
    void cancellationRunsTheFinallyBlockOfATestHelper() {
        List<String> trace = new ArrayList<>();
        assertEquals("cancelled", EventLoop.run(() -> cancelOne(trace)));
        assertEquals(List.of("finally ran"), trace);
    }
}
