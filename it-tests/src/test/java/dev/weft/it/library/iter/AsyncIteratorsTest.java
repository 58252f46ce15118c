package dev.weft.it.library.iter;

import static dev.weft.runtime.Await.await;
import static dev.weft.test.AsyncTest.runTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.Async;
import dev.weft.runtime.AsyncGenerator;
import dev.weft.runtime.AsyncIterator;
import dev.weft.runtime.AsyncIterators;
import dev.weft.runtime.Emitter;
import dev.weft.runtime.Futures;
import dev.weft.runtime.Queue;
import dev.weft.runtime.Task;
import dev.weft.test.WeftTest;
import dev.weft.runtime.Tasks;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * AsyncIterators' operators (issue #15): lazy, cancellation-safe and closing, over {@code @Async} generators. Traces
 * record what the producer did, so each test pins how far upstream ran, and that its finally ran exactly once.
 */
@Timeout(60)
@WeftTest // virtual time: each timer fires as soon as nothing else can happen first, in its real-time order
class AsyncIteratorsTest {

    private static final Duration LONG = Duration.ofSeconds(10);

    /** Emits from, from+1, ... to-1, tracing each emit and its finally. */
    @Async
    static Task<Void> range(Emitter<Integer> out, int from, int to, List<String> trace) {
        try {
            for (int i = from; i < to; i++) {
                trace.add("emit " + i);
                await(out.emit(i));
            }
            trace.add("end");
        } finally {
            trace.add("finally");
        }
        return Task.completed(null);
    }

    /** Emits {@code quick} items at once, then waits 10 s for the next: to be cancelled there. */
    @Async
    static Task<Void> thenStuck(Emitter<Integer> out, int quick, List<String> trace) {
        try {
            for (int i = 0; i < quick; i++) {
                await(out.emit(i));
            }
            trace.add("waiting");
            try {
                await(Tasks.sleep(LONG));
            } catch (CancellationException e) {
                trace.add("cancelled at its await");
                throw e;
            }
            await(out.emit(-1));
        } finally {
            trace.add("finally");
        }
        return Task.completed(null);
    }

    /** Emits {@code good} items, then throws {@code failure}, a checked exception. */
    @Async
    static Task<Void> failingAfter(Emitter<Integer> out, int good, IOException failure, List<String> trace)
            throws IOException {
        try {
            for (int i = 0; i < good; i++) {
                await(out.emit(i));
            }
            throw failure;
        } finally {
            trace.add("finally");
        }
    }

    @Async
    static Task<Integer> tenTimesLater(int x, List<String> trace) {
        trace.add("fn " + x);
        await(Tasks.sleep(Duration.ZERO));
        return Task.completed(x * 10);
    }

    @Async
    static Task<Integer> stuckFunction(int x, List<String> trace) {
        trace.add("fn " + x);
        try {
            await(Tasks.sleep(LONG));
        } catch (CancellationException e) {
            trace.add("fn cancelled at its await");
            throw e;
        }
        return Task.completed(x);
    }

    private static AsyncIterator<Integer> range(int from, int to, List<String> trace) {
        return AsyncGenerator.of(out -> range(out, from, to, trace));
    }

    private static long count(List<String> trace, String entry) {
        return trace.stream().filter(entry::equals).count();
    }

    // ------------------------------------------------------------------------------------------ laziness

    @Async
    static Task<List<String>> lazyChain() {
        List<String> trace = new ArrayList<>();
        AsyncIterator<Integer> evens = AsyncIterators.filter(
                AsyncIterators.map(range(0, 100, trace), x -> {
                    trace.add("map " + x);
                    return x;
                }), x -> x % 2 == 0);
        AsyncIterator<Integer> two = AsyncIterators.take(evens, 2);
        trace.add("built");
        await(Tasks.sleep(Duration.ofMillis(5))); // nothing runs by itself either
        trace.add("first hasNext " + await(two.hasNext()));
        trace.add("hasNext again " + await(two.hasNext())); // the item is not taken: asks nothing
        trace.add("got " + two.next());
        trace.add("second hasNext " + await(two.hasNext()));
        trace.add("got " + two.next());
        trace.add("third hasNext " + await(two.hasNext()));
        await(two.close());
        trace.add("closed");
        return Task.completed(trace);
    }

    @Test
    void sideEffectsGoOnlyAsFarAsConsumedThroughAChain() {
        assertEquals(List.of("built",
                "emit 0", "map 0", "first hasNext true", "hasNext again true", "got 0",
                "emit 1", "map 1", "emit 2", "map 2", "finally", "second hasNext true", "got 2", // take closed it
                "third hasNext false", "closed"),
                runTest(AsyncIteratorsTest::lazyChain));
    }

    @Async
    static Task<List<String>> takeZero() {
        List<String> trace = new ArrayList<>();
        AsyncIterator<Integer> none = AsyncIterators.take(range(0, 3, trace), 0);
        trace.add("hasNext " + await(none.hasNext()));
        await(none.close());
        trace.add("closed");
        return Task.completed(trace);
    }

    @Test
    void takeZeroNeverStartsUpstream() {
        assertEquals(List.of("hasNext false", "closed"), runTest(AsyncIteratorsTest::takeZero));
    }

    // ------------------------------------------------------------------------------------------ results

    @Async
    static Task<List<Object>> chained() {
        List<String> trace = new ArrayList<>();
        AsyncIterator<Integer> it = AsyncIterators.take(
                AsyncIterators.filter(AsyncIterators.map(range(0, 1000, trace), x -> x * 3), x -> x % 2 == 1), 5);
        List<Integer> items = await(AsyncIterators.toList(it));
        List<Object> got = new ArrayList<>(items);
        got.add("finally x" + count(trace, "finally"));
        got.add("last " + trace.get(trace.size() - 2)); // 0..9 emitted: 9 * 3 = 27 is the fifth odd one
        return Task.completed(got);
    }

    @Test
    void mapFilterTakeOverAGeneratorGiveTheRightItemsAndCloseItOnce() {
        assertEquals(List.of(3, 9, 15, 21, 27, "finally x1", "last emit 9"),
                runTest(AsyncIteratorsTest::chained));
    }

    @Async
    static Task<List<Object>> asyncMapped() {
        List<String> trace = new ArrayList<>();
        AsyncIterator<Integer> it = AsyncIterators.mapAsync(range(1, 4, trace), x -> tenTimesLater(x, trace));
        List<Object> got = new ArrayList<>(await(AsyncIterators.toList(it)));
        got.addAll(trace);
        return Task.completed(got);
    }

    @Test
    void mapAsyncAwaitsEachItemBeforeAskingForTheNext() {
        assertEquals(List.of(10, 20, 30, "emit 1", "fn 1", "emit 2", "fn 2", "emit 3", "fn 3", "end", "finally"),
                runTest(AsyncIteratorsTest::asyncMapped));
    }

    @Async
    static Task<List<Object>> sources() {
        List<Object> got = new ArrayList<>();
        got.add(await(AsyncIterators.toList(AsyncIterators.of("a", null, "c"))));
        got.add(await(AsyncIterators.toList(AsyncIterators.map(AsyncIterators.fromIterable(List.of(1, 2)),
                x -> x == 1 ? null : x))));
        got.add(await(AsyncIterators.toList(AsyncIterators.of())));
        return Task.completed(got);
    }

    @Test
    void ofAndFromIterableGiveTheirItemsNullsIncluded() {
        assertEquals(List.of(Arrays.asList("a", null, "c"), Arrays.asList(null, 2), List.of()),
                runTest(AsyncIteratorsTest::sources));
    }

    // ------------------------------------------------------------------------------------------ early end

    @Async
    static Task<List<String>> breakThenClose() {
        List<String> trace = new ArrayList<>();
        AsyncIterator<Integer> it = AsyncIterators.filter(AsyncIterators.map(range(0, 100, trace), x -> x + 1),
                x -> true);
        try {
            while (await(it.hasNext())) {
                int x = it.next();
                trace.add("got " + x);
                if (x == 2) {
                    break;
                }
            }
        } finally {
            await(it.close());
            trace.add("closed");
        }
        await(it.close()); // again: nothing more
        trace.add("hasNext after close " + await(it.hasNext()));
        return Task.completed(trace);
    }

    @Test
    void breakThenCloseRunsTheProducersFinallyOnce() {
        assertEquals(List.of("emit 0", "got 1", "emit 1", "got 2", "finally", "closed", "hasNext after close false"),
                runTest(AsyncIteratorsTest::breakThenClose));
    }

    @Async
    static Task<List<String>> takeThenForget() {
        List<String> trace = new ArrayList<>();
        AsyncIterator<Integer> it = AsyncIterators.take(AsyncIterators.map(range(0, 100, trace), x -> x), 2);
        await(it.hasNext());
        it.next();
        await(it.hasNext());
        trace.add("second item " + it.next() + ", finally x" + count(trace, "finally")); // never asks again
        return Task.completed(trace);
    }

    @Test
    @WeftTest(allowPendingTasks = true) // the consumer forgets take: its body stays suspended at its last emit
    void takeClosesUpstreamWhenItHandsOnTheLastItem() {
        assertEquals(List.of("emit 0", "emit 1", "finally", "second item 1, finally x1"),
                runTest(AsyncIteratorsTest::takeThenForget));
    }

    /** Emits 0, 1, ...; its finally fails when it is closed. */
    @Async
    static Task<Void> failsWhenClosed(Emitter<Integer> out, IllegalStateException onClose) {
        try {
            for (int i = 0; ; i++) {
                await(out.emit(i));
            }
        } finally {
            throw onClose;
        }
    }

    @Async
    static Task<List<String>> closeFailures() {
        List<String> trace = new ArrayList<>();
        IllegalStateException onClose = new IllegalStateException("cannot close");
        AsyncIterator<Integer> mapped = AsyncIterators.filter(AsyncIterators.map(
                AsyncGenerator.<Integer>of(out -> failsWhenClosed(out, onClose)), x -> x), x -> true);
        await(mapped.hasNext());
        trace.add("got " + mapped.next());
        try {
            await(mapped.close());
            trace.add("closed without failure");
        } catch (IllegalStateException e) {
            trace.add(e == onClose ? "close failed with it" : "close failed with another: " + e);
        }
        AsyncIterator<Integer> one = AsyncIterators.take(AsyncGenerator.<Integer>of(out -> failsWhenClosed(out, onClose)), 1);
        trace.add("take hasNext " + await(one.hasNext()) + ", got " + one.next());
        try {
            trace.add("take hasNext " + await(one.hasNext()));
        } catch (IllegalStateException e) {
            trace.add(e == onClose ? "then hasNext failed with it" : "then hasNext failed with another: " + e);
        }
        trace.add("take hasNext " + await(one.hasNext()));
        await(one.close());
        return Task.completed(trace);
    }

    @Test
    void upstreamsCloseFailureIsTheOperatorsCloseFailure() {
        assertEquals(List.of("got 0", "close failed with it", "take hasNext true, got 0",
                "then hasNext failed with it", "take hasNext false"), runTest(AsyncIteratorsTest::closeFailures));
    }

    // ------------------------------------------------------------------------------------------ cancellation

    @Async
    static Task<String> consume(AsyncIterator<Integer> it, List<String> trace) {
        while (await(it.hasNext())) {
            trace.add("got " + it.next());
        }
        return Task.completed("ended");
    }

    @Async
    static Task<List<String>> cancelConsumer(boolean stuckInFunction) {
        List<String> trace = new ArrayList<>();
        AsyncIterator<Integer> source = AsyncGenerator.of(out -> thenStuck(out, 2, trace));
        Function<Integer, Task<Integer>> fn = stuckInFunction
                ? x -> x == 1 ? stuckFunction(x, trace) : tenTimesLater(x, trace)
                : x -> tenTimesLater(x, trace);
        AsyncIterator<Integer> it = AsyncIterators.filter(AsyncIterators.mapAsync(source, fn), x -> true);
        Task<String> consumer = consume(it, trace);
        await(Tasks.sleep(Duration.ofMillis(30)));
        trace.add("cancel");
        consumer.cancel();
        try {
            await(consumer);
            trace.add("consumer " + consumer.result());
        } catch (CancellationException e) {
            trace.add("consumer cancelled");
        }
        await(it.close()); // done once every body of the chain has ended
        trace.add("closed");
        return Task.completed(trace);
    }

    @Test
    void cancellingTheConsumerReachesTheProducerAtItsAwait() {
        List<String> trace = runTest(() -> cancelConsumer(false));
        // the cancellation goes down the chain inside cancel(): each body's wake-up is queued behind the consumer's,
        // and the producer's ahead of this task's, which awaits the consumer
        assertEquals(List.of("fn 0", "got 0", "fn 1", "got 10", "waiting", "cancel", "cancelled at its await",
                "finally", "consumer cancelled", "closed"), trace);
    }

    @Test
    void cancellingTheConsumerReachesTheAsyncFunctionAtItsAwaitAndClosesTheProducer() {
        List<String> trace = runTest(() -> cancelConsumer(true));
        // the producer waits at its emit of 1 while mapAsync awaits the function: mapAsync closes it (its finally)
        // once the function has ended, and the consumer's cancellation arrives after that, as in asyncio, where it
        // passes up through the generators' frames
        assertEquals(List.of("fn 0", "got 0", "fn 1", "cancel", "fn cancelled at its await", "finally",
                "consumer cancelled", "closed"), trace);
    }

    // ------------------------------------------------------------------------------------------ timeout

    @Async
    static Task<List<String>> timedOut() {
        List<String> trace = new ArrayList<>();
        AsyncIterator<Integer> it = AsyncIterators.timeout(AsyncGenerator.of(out -> thenStuck(out, 2, trace)),
                Duration.ofMillis(30));
        try {
            while (await(it.hasNext())) {
                trace.add("got " + it.next());
            }
            trace.add("ended without a timeout");
        } catch (Exception e) {
            trace.add("caught " + e.getClass().getName() + ", producer finally x" + count(trace, "finally"));
        }
        trace.add("then hasNext " + await(it.hasNext()));
        await(it.close());
        try {
            await(Futures.waitFor(Tasks.sleep(LONG), Duration.ofMillis(1)));
        } catch (Exception e) {
            trace.add("waitFor gives " + e.getClass().getName());
        }
        return Task.completed(trace);
    }

    @Test
    void aSlowItemTimesOutWithTimeoutExceptionAfterTheProducerWasCancelled() {
        assertEquals(List.of("got 0", "got 1", "waiting", "cancelled at its await", "finally",
                "caught " + TimeoutException.class.getName() + ", producer finally x1", "then hasNext false",
                "waitFor gives " + TimeoutException.class.getName()),
                runTest(AsyncIteratorsTest::timedOut));
    }

    @Async
    static Task<List<Integer>> quickEnough() {
        List<String> trace = new ArrayList<>();
        return AsyncIterators.toList(AsyncIterators.timeout(range(0, 3, trace), Duration.ofSeconds(5)));
    }

    @Test
    void itemsWithinTheTimeoutPass() {
        assertEquals(List.of(0, 1, 2), runTest(AsyncIteratorsTest::quickEnough));
    }

    @Async
    static Task<List<String>> cancelUnderTimeout() {
        List<String> trace = new ArrayList<>();
        AsyncIterator<Integer> it = AsyncIterators.timeout(AsyncGenerator.of(out -> thenStuck(out, 1, trace)), LONG);
        Task<String> consumer = consume(it, trace);
        await(Tasks.sleep(Duration.ofMillis(20)));
        consumer.cancel();
        try {
            await(consumer);
        } catch (Exception e) {
            trace.add("consumer: " + e.getClass().getSimpleName());
        }
        await(it.close());
        return Task.completed(trace);
    }

    @Test
    void aConsumerCancelledUnderATimeoutIsCancelledNotTimedOut() {
        assertEquals(List.of("got 0", "waiting", "cancelled at its await", "finally", "consumer: CancellationException"),
                runTest(AsyncIteratorsTest::cancelUnderTimeout));
    }

    @Async
    static Task<List<String>> nulls() {
        AsyncIterator<String> it = AsyncIterators.take(AsyncIterators.timeout(AsyncIterators.filter(
                AsyncIterators.mapAsync(AsyncIterators.of("a", null, "b", null, "c"), x -> Task.completed(x)),
                x -> !"b".equals(x)), LONG), 3);
        return AsyncIterators.toList(it);
    }

    @Test
    void nullItemsPassThroughEveryOperator() {
        assertEquals(Arrays.asList("a", null, null), runTest(AsyncIteratorsTest::nulls));
    }

    // ------------------------------------------------------------------------------------------ failures

    @Async
    static Task<List<String>> failureThrough(Function<AsyncIterator<Integer>, AsyncIterator<Integer>> op) {
        List<String> trace = new ArrayList<>();
        IOException boom = new IOException("boom");
        AsyncIterator<Integer> it = op.apply(AsyncGenerator.of(out -> failingAfter(out, 2, boom, trace)));
        try {
            while (await(it.hasNext(), IOException.class)) {
                trace.add("got " + it.next());
            }
            trace.add("no failure");
        } catch (IOException e) {
            trace.add(e == boom ? "the same exception" : "another exception: " + e);
        }
        trace.add("then hasNext " + await(it.hasNext()));
        await(it.close());
        Task<List<Integer>> all = AsyncIterators.toList(op.apply(AsyncGenerator.of(out -> failingAfter(out, 1, boom,
                trace))));
        try {
            await(all);
            trace.add("toList: no failure");
        } catch (Exception e) {
            trace.add(e == boom ? "toList: the same exception" : "toList: another exception: " + e);
        }
        return Task.completed(trace);
    }

    @Test
    void upstreamFailureArrivesUnwrappedThroughEveryOperator() {
        List<Function<AsyncIterator<Integer>, AsyncIterator<Integer>>> ops = List.of(
                it -> AsyncIterators.map(it, x -> x),
                it -> AsyncIterators.mapAsync(it, x -> Task.completed(x)),
                it -> AsyncIterators.mapAsync(it, x -> tenTimesLater(x, new ArrayList<>())),
                it -> AsyncIterators.filter(it, x -> true),
                it -> AsyncIterators.take(it, 10),
                it -> AsyncIterators.timeout(it, Duration.ofSeconds(5)),
                it -> AsyncIterators.take(AsyncIterators.timeout(AsyncIterators.filter(AsyncIterators.mapAsync(
                        AsyncIterators.map(it, x -> x), x -> Task.completed(x)), x -> true), LONG), 100));
        for (int i = 0; i < ops.size(); i++) {
            Function<AsyncIterator<Integer>, AsyncIterator<Integer>> op = ops.get(i);
            List<String> trace = runTest(() -> failureThrough(op));
            List<String> expected = List.of("got 0", "got " + (i == 2 ? 10 : 1), "finally", "the same exception",
                    "then hasNext false", "finally", "toList: the same exception");
            assertEquals(expected, trace, "operator #" + i);
        }
    }

    @Async
    static Task<List<String>> functionFails() {
        List<String> trace = new ArrayList<>();
        IllegalStateException bad = new IllegalStateException("bad item");
        AsyncIterator<Integer> it = AsyncIterators.filter(AsyncIterators.map(range(0, 100, trace), x -> {
            if (x == 1) {
                throw bad;
            }
            return x;
        }), x -> true);
        try {
            while (await(it.hasNext())) {
                trace.add("got " + it.next());
            }
        } catch (IllegalStateException e) {
            trace.add(e == bad ? "caught it" : "caught another: " + e);
        }
        Task<Void> each = AsyncIterators.forEach(range(0, 100, trace), x -> {
            trace.add("each " + x);
            if (x == 1) {
                throw bad;
            }
        });
        try {
            await(each);
        } catch (IllegalStateException e) {
            trace.add(e == bad ? "forEach failed with it" : "forEach failed with another: " + e);
        }
        return Task.completed(trace);
    }

    @Test
    void aFailingFunctionClosesUpstreamAndArrivesUnwrapped() {
        assertEquals(List.of("emit 0", "got 0", "emit 1", "finally", "caught it",
                "emit 0", "each 0", "emit 1", "each 1", "finally", "forEach failed with it"),
                runTest(AsyncIteratorsTest::functionFails));
    }

    // ------------------------------------------------------------------------------------------ queue

    @Async
    static Task<Void> produce(Queue<Integer> q, int n) {
        for (int i = 0; i < n; i++) {
            await(Tasks.sleep(Duration.ofMillis(1)));
            await(q.put(i));
        }
        q.shutdown();
        return Task.completed(null);
    }

    @Async
    static Task<List<Object>> fromQueue() {
        List<Object> got = new ArrayList<>();
        Queue<Integer> q = new Queue<>(2);
        Task<Void> producer = produce(q, 6);
        got.add(await(AsyncIterators.toList(AsyncIterators.fromQueue(q))));
        await(producer);

        Queue<Integer> q2 = new Queue<>();
        for (int i = 0; i < 5; i++) {
            q2.putNow(i);
        }
        AsyncIterator<Integer> it = AsyncIterators.fromQueue(q2);
        got.add("made, queue " + q2.size());
        await(it.hasNext());
        got.add("got " + it.next() + ", queue " + q2.size());
        await(it.hasNext());
        got.add("asked, queue " + q2.size());
        await(it.close());
        got.add("closed, queue " + q2.size());
        got.add(await(AsyncIterators.toList(AsyncIterators.take(AsyncIterators.fromQueue(q2), 2))));
        got.add("after take 2, queue " + q2.size() + ", shut down " + q2.isShutDown());
        return Task.completed(got);
    }

    @Test
    void fromQueueTakesAsAskedAndEndsAtShutdown() {
        assertEquals(List.of(List.of(0, 1, 2, 3, 4, 5), "made, queue 5", "got 0, queue 4", "asked, queue 3",
                "closed, queue 3", List.of(2, 3), "after take 2, queue 1, shut down false"),
                runTest(AsyncIteratorsTest::fromQueue));
    }

    @Async
    static Task<List<String>> cancelWhileTheQueueIsEmpty() {
        List<String> trace = new ArrayList<>();
        Queue<Integer> q = new Queue<>();
        AsyncIterator<Integer> it = AsyncIterators.map(AsyncIterators.fromQueue(q), x -> x);
        Task<String> consumer = consume(it, trace);
        await(Tasks.sleep(Duration.ofMillis(5)));
        consumer.cancel();
        try {
            await(consumer);
        } catch (CancellationException e) {
            trace.add("cancelled");
        }
        await(it.close());
        q.putNow(7);
        trace.add("queue " + q.size() + ", next get " + await(q.get()));
        return Task.completed(trace);
    }

    @Test
    void aCancelledWaitOnTheQueueLosesNoItem() {
        assertEquals(List.of("cancelled", "queue 1, next get 7"),
                runTest(AsyncIteratorsTest::cancelWhileTheQueueIsEmpty));
    }

    // ------------------------------------------------------------------------------------------ terminal

    @Async
    static Task<List<String>> terminalsClose() {
        List<String> trace = new ArrayList<>();
        trace.add("toList " + await(AsyncIterators.toList(range(0, 2, trace))));
        await(AsyncIterators.forEach(range(0, 2, trace), x -> trace.add("each " + x)));
        await(AsyncIterators.forEachAsync(range(0, 2, trace), x -> tenTimesLater(x, trace)));
        trace.add("finally x" + count(trace, "finally"));
        return Task.completed(trace);
    }

    @Test
    void toListAndForEachCloseAtTheEnd() {
        assertEquals(List.of("emit 0", "emit 1", "end", "finally", "toList [0, 1]",
                "emit 0", "each 0", "emit 1", "each 1", "end", "finally",
                "emit 0", "fn 0", "emit 1", "fn 1", "end", "finally", "finally x3"),
                runTest(AsyncIteratorsTest::terminalsClose));
    }

    @Async
    static Task<List<String>> cancelForEachAsync() {
        List<String> trace = new ArrayList<>();
        Task<Void> each = AsyncIterators.forEachAsync(range(0, 100, trace),
                x -> x == 1 ? stuckFunction(x, trace) : tenTimesLater(x, trace));
        await(Tasks.sleep(Duration.ofMillis(20)));
        each.cancel();
        try {
            await(each);
        } catch (CancellationException e) {
            trace.add("cancelled " + each.isCancelled());
        }
        return Task.completed(trace);
    }

    @Test
    void cancellingForEachAsyncCancelsTheActionAndClosesTheIterator() {
        assertEquals(List.of("emit 0", "fn 0", "emit 1", "fn 1", "fn cancelled at its await", "finally",
                "cancelled true"), runTest(AsyncIteratorsTest::cancelForEachAsync));
    }

    // ------------------------------------------------------------------------------------------ scale

    /** An item that is garbage as soon as it has passed. */
    record Item(int n) {
    }

    @Async
    static Task<Void> items(Emitter<Item> out, int n) {
        for (int i = 0; i < n; i++) {
            await(out.emit(new Item(i)));
        }
        return Task.completed(null);
    }

    @Async
    static Task<String> aMillion() {
        int n = 1_000_000;
        List<WeakReference<Item>> early = new ArrayList<>();
        String[] whenChecked = {"not checked"};
        long[] seen = {0};
        AsyncIterator<Item> it = AsyncIterators.filter(
                AsyncIterators.map(AsyncGenerator.<Item>of(out -> items(out, n)), x -> new Item(x.n() * 2)),
                x -> x.n() % 4 == 0);
        await(AsyncIterators.forEach(it, x -> {
            seen[0]++;
            if (x.n() == 2_000) {
                early.add(new WeakReference<>(x));
            } else if (x.n() == 1_000_000) { // half way, the item of 2,000 long passed
                for (int i = 0; i < 20 && early.get(0).get() != null; i++) {
                    System.gc();
                }
                whenChecked[0] = early.get(0).get() == null ? "cleared" : "still reachable";
            }
        }));
        return Task.completed(seen[0] + " items, the early one " + whenChecked[0]);
    }

    @Test
    void aMillionItemsRunInConstantStackAndMemory() throws InterruptedException {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread small = new Thread(null, () -> {
            try {
                outcome.set(dev.weft.runtime.EventLoop.run(AsyncIteratorsTest::aMillion));
            } catch (Throwable e) {
                outcome.set(e);
            }
        }, "small-stack", 512 * 1024);
        small.setDaemon(true);
        small.start();
        small.join(45_000);
        // a recursion per item overflows this stack; the StackOverflowError may leave the loop waiting forever
        assertFalse(small.isAlive(), "still running after 45 s: a StackOverflowError lost, or a lost wake-up");
        if (outcome.get() instanceof Throwable e) {
            throw new AssertionError("the run failed: " + e, e);
        }
        assertEquals("500000 items, the early one cleared", outcome.get());
    }

    // ------------------------------------------------------------------------------------------ arguments

    @Test
    void badArgumentsFailAtOnce() {
        AsyncIterator<Integer> it = AsyncIterators.of(1);
        assertThrows(IllegalArgumentException.class, () -> AsyncIterators.take(it, -1));
        assertThrows(IllegalArgumentException.class, () -> AsyncIterators.timeout(it, Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class, () -> AsyncIterators.map(it, null));
        assertThrows(NullPointerException.class, () -> AsyncIterators.fromIterable(null));
        assertThrows(NullPointerException.class, () -> AsyncIterators.fromQueue(null));
    }
}
