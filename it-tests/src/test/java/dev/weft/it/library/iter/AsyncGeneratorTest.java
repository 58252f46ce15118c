package dev.weft.it.library.iter;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.AsyncGenerator;
import dev.weft.runtime.AsyncIterator;
import dev.weft.runtime.Emitter;
import dev.weft.runtime.Event;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Futures;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * AsyncGenerator's semantics (issue #15): laziness, closing, failures, cancellation, and a million items on a small
 * stack. The traces of {@link #asyncCleanupAtClose} and {@link #consumerCancelledWhileTheBodyWaits} are the
 * output of these programs on CPython 3.12.1 and 3.13.0 (identical; eager task factory, as in
 * {@link AsyncGeneratorOrderTest}):
 * <pre>
 * async def cleanup_gen():
 *     try:
 *         for i in range(10):
 *             yield i
 *     finally:
 *         trace.append("cleanup start")
 *         await asyncio.sleep(0)
 *         trace.append("cleanup end")
 *
 * async def ticker():
 *     for i in range(4):
 *         trace.append(f"tick {i}")
 *         await asyncio.sleep(0)
 *
 * async def main5():
 *     t = asyncio.get_running_loop().create_task(ticker())
 *     g = cleanup_gen()
 *     async for x in g:
 *         trace.append(f"got {x}")
 *         if x == 1: break
 *     trace.append("closing")
 *     await g.aclose()
 *     trace.append("closed")
 *     await t
 *
 * async def waiting_gen(ev):
 *     try:
 *         trace.append("waiting")
 *         await ev.wait()
 *         yield 1
 *     except asyncio.CancelledError:
 *         trace.append("body cancelled")
 *         raise
 *     finally:
 *         trace.append("body finally")
 *
 * async def consumer(g):
 *     try:
 *         async for x in g:
 *             trace.append(f"got {x}")
 *     except asyncio.CancelledError:
 *         trace.append("consumer cancelled")
 *         raise
 *
 * async def main6():
 *     ev = asyncio.Event()
 *     g = waiting_gen(ev)
 *     c = asyncio.get_running_loop().create_task(consumer(g))
 *     await asyncio.sleep(0)
 *     trace.append("cancelling")
 *     c.cancel()
 *     try:
 *         await c
 *     except asyncio.CancelledError:
 *         trace.append("main saw cancel")
 * </pre>
 */
@Timeout(30)
class AsyncGeneratorTest {

    // ------------------------------------------------------------------------------------------ bodies

    /** Counts each item it makes in {@code made}, and its finally blocks in {@code finallies}. */
    @Async
    static Task<Void> counted(Emitter<Integer> out, int n, AtomicInteger made, AtomicInteger finallies) {
        try {
            for (int i = 0; i < n; i++) {
                made.incrementAndGet();
                await(out.emit(i));
            }
        } finally {
            finallies.incrementAndGet();
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> cleanupGen(Emitter<Integer> out, List<String> trace) {
        try {
            for (int i = 0; i < 10; i++) {
                await(out.emit(i));
            }
        } finally {
            trace.add("cleanup start");
            await(Tasks.sleep(Duration.ZERO));
            trace.add("cleanup end");
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> ticker(List<String> trace) {
        for (int i = 0; i < 4; i++) {
            trace.add("tick " + i);
            await(Tasks.sleep(Duration.ZERO));
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> waitingGen(Emitter<Integer> out, Event ev, List<String> trace) {
        try {
            trace.add("waiting");
            await(ev.waitFor());
            await(out.emit(1));
        } catch (CancellationException e) {
            trace.add("body cancelled");
            throw e;
        } finally {
            trace.add("body finally");
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> consumer(AsyncIterator<Integer> g, List<String> trace) {
        try {
            while (await(g.hasNext())) {
                trace.add("got " + g.next());
            }
        } catch (CancellationException e) {
            trace.add("consumer cancelled");
            throw e;
        }
        return Task.completed(null);
    }

    // ------------------------------------------------------------------------------------------ laziness

    @Async
    static Task<List<Integer>> lazily(AtomicInteger made, AtomicInteger finallies) {
        AsyncIterator<Integer> g = AsyncGenerator.of(out -> counted(out, 100, made, finallies));
        List<Integer> seen = new ArrayList<>();
        seen.add(made.get()); // nothing before the first hasNext
        for (int k = 0; k < 3; k++) {
            assertTrue(await(g.hasNext()));
            assertTrue(await(g.hasNext())); // asked again before next(): the same item, the body does not move
            seen.add(made.get());
            g.next();
        }
        await(g.close());
        seen.add(made.get());
        return Task.completed(seen);
    }

    @Test
    void theBodyRunsOnlyAsFarAsTheConsumerAsked() {
        AtomicInteger made = new AtomicInteger();
        AtomicInteger finallies = new AtomicInteger();
        assertEquals(List.of(0, 1, 2, 3, 3), EventLoop.run(() -> lazily(made, finallies)));
        assertEquals(1, finallies.get());
    }

    @Test
    void aGeneratorNeverAskedNeverRuns() {
        AtomicInteger made = new AtomicInteger();
        AtomicInteger finallies = new AtomicInteger();
        EventLoop.run(() -> {
            AsyncIterator<Integer> g = AsyncGenerator.of(out -> counted(out, 5, made, finallies));
            Future<Void> closed = g.close();
            assertTrue(closed.isDone());
            assertFalse(g.hasNext().result());
            return Task.completed(null);
        });
        assertEquals(0, made.get());
        assertEquals(0, finallies.get(), "a body that never started has no finally to run");
    }

    // ------------------------------------------------------------------------------------------ closing

    @Async
    static Task<Integer> breakAt(int stop, AtomicInteger made, AtomicInteger finallies) {
        AsyncIterator<Integer> g = AsyncGenerator.of(out -> counted(out, 1000, made, finallies));
        int sum = 0;
        try {
            while (await(g.hasNext())) {
                int x = g.next();
                if (x == stop) {
                    break;
                }
                sum += x;
            }
        } finally {
            await(g.close());
        }
        Future<Void> again = g.close();
        assertTrue(again.isDone(), "closing twice does nothing more");
        assertFalse(await(g.hasNext()), "a closed generator is at its end");
        return Task.completed(sum);
    }

    @Test
    void breakingOutAndClosingRunsTheFinallyExactlyOnce() {
        AtomicInteger made = new AtomicInteger();
        AtomicInteger finallies = new AtomicInteger();
        assertEquals(0 + 1 + 2 + 3 + 4, EventLoop.run(() -> breakAt(5, made, finallies)));
        assertEquals(6, made.get());
        assertEquals(1, finallies.get());
    }

    @Async
    static Task<List<String>> asyncCleanupAtClose() {
        List<String> trace = new ArrayList<>();
        Task<Void> t = ticker(trace);
        AsyncIterator<Integer> g = AsyncGenerator.of(out -> cleanupGen(out, trace));
        while (await(g.hasNext())) {
            int x = g.next();
            trace.add("got " + x);
            if (x == 1) {
                break;
            }
        }
        trace.add("closing");
        await(g.close());
        trace.add("closed");
        await(t);
        return Task.completed(trace);
    }

    @Test
    void aFinallyThatAwaits_closeWaitsForIt_asAsyncio() {
        assertEquals(List.of("tick 0", "got 0", "got 1", "closing", "cleanup start", "tick 1", "cleanup end",
                "closed", "tick 2", "tick 3"), EventLoop.run(AsyncGeneratorTest::asyncCleanupAtClose));
    }

    @Async
    static Task<Void> stubborn(Emitter<Integer> out) {
        for (int i = 0; ; i++) {
            try {
                await(out.emit(i));
            } catch (CancellationException ignored) {
                // refuses to stop: emits again
            }
            if (i > 3) {
                return Task.completed(null);
            }
        }
    }

    @Async
    static Task<Throwable> closeAStubbornBody() {
        AsyncIterator<Integer> g = AsyncGenerator.of(AsyncGeneratorTest::stubborn);
        assertTrue(await(g.hasNext()));
        g.next();
        try {
            await(g.close());
        } catch (IllegalStateException e) {
            return Task.completed(e);
        }
        return Task.completed(null);
    }

    @Test
    void aBodyThatEmitsAfterClose_failsTheClose() {
        Throwable e = EventLoop.run(AsyncGeneratorTest::closeAStubbornBody);
        assertTrue(e instanceof IllegalStateException && e.getMessage().contains("emitted after close()"),
                String.valueOf(e));
    }

    // ------------------------------------------------------------------------------------------ failures

    static final IllegalArgumentException BOOM = new IllegalArgumentException("boom");

    @Async
    static Task<Void> failsAfter(Emitter<Integer> out, int n, boolean wait) {
        for (int i = 0; i < n; i++) {
            await(out.emit(i));
        }
        if (wait) {
            await(Tasks.sleep(Duration.ofMillis(1)));
        }
        throw BOOM;
    }

    @Async
    static Task<List<Object>> consumeFailing(boolean wait) {
        AsyncIterator<Integer> g = AsyncGenerator.of(out -> failsAfter(out, 2, wait));
        List<Object> seen = new ArrayList<>();
        try {
            while (await(g.hasNext())) {
                seen.add(g.next());
            }
        } catch (IllegalArgumentException e) {
            seen.add(e);
        }
        seen.add(await(g.hasNext())); // after a failure: the end
        return Task.completed(seen);
    }

    @Test
    void theBodysExceptionArrivesOriginalAtTheConsumersAwait() {
        for (boolean wait : new boolean[] {false, true}) {
            List<Object> seen = EventLoop.run(() -> consumeFailing(wait));
            assertEquals(4, seen.size(), seen::toString);
            assertEquals(List.of(0, 1), seen.subList(0, 2));
            assertSame(BOOM, seen.get(2), "the same exception object, not wrapped (wait=" + wait + ")");
            assertEquals(false, seen.get(3));
        }
    }

    @Test
    void aBodyThatThrowsBeforeReturningItsTask() {
        Object got = EventLoop.run(() -> {
            AsyncIterator<Integer> g = AsyncGenerator.of(out -> {
                throw new java.io.IOException("no source");
            });
            Future<Boolean> f = g.hasNext();
            return Task.completed(f.isDone() ? f.exception() : "pending");
        });
        assertTrue(got instanceof java.io.IOException, String.valueOf(got));
    }

    // ------------------------------------------------------------------------------------------ cancellation

    @Async
    static Task<List<String>> consumerCancelledWhileTheBodyWaits() {
        List<String> trace = new ArrayList<>();
        Event ev = new Event();
        AsyncIterator<Integer> g = AsyncGenerator.of(out -> waitingGen(out, ev, trace));
        Task<Void> c = consumer(g, trace);
        await(Tasks.sleep(Duration.ZERO));
        trace.add("cancelling");
        c.cancel();
        try {
            await(c);
        } catch (CancellationException e) {
            trace.add("main saw cancel");
        }
        return Task.completed(trace);
    }

    @Test
    void cancellingTheConsumerCancelsTheBodyAtItsAwait_asAsyncio() {
        assertEquals(List.of("waiting", "cancelling", "body cancelled", "body finally", "consumer cancelled",
                "main saw cancel"), EventLoop.run(AsyncGeneratorTest::consumerCancelledWhileTheBodyWaits));
    }

    @Async
    static Task<Void> stubbornGen(Emitter<String> out, Event ev, List<String> trace) {
        try {
            await(ev.waitFor());
        } catch (CancellationException e) {
            trace.add("body caught");
        }
        await(out.emit("after-cancel"));
        trace.add("body resumed");
        return Task.completed(null);
    }

    @Async
    static Task<Void> returningGen(Emitter<String> out, Event ev, List<String> trace) {
        try {
            await(ev.waitFor());
        } catch (CancellationException e) {
            trace.add("body caught, returns");
            return Task.completed(null);
        }
        await(out.emit("never"));
        return Task.completed(null);
    }

    @Async
    static Task<Void> stringConsumer(AsyncIterator<String> g, List<String> trace) {
        try {
            while (await(g.hasNext())) {
                trace.add("got " + g.next());
            }
            trace.add("consumer end");
        } catch (CancellationException e) {
            trace.add("consumer cancelled");
            throw e;
        }
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> cancelABodyThatCatches(boolean emits) {
        List<String> trace = new ArrayList<>();
        Event ev = new Event();
        AsyncIterator<String> g = AsyncGenerator.of(out -> emits ? stubbornGen(out, ev, trace)
                : returningGen(out, ev, trace));
        Task<Void> c = stringConsumer(g, trace);
        await(Tasks.sleep(Duration.ZERO));
        trace.add("cancelling");
        c.cancel();
        try {
            await(c);
            trace.add("main: consumer done, cancelling()=" + c.cancelling());
        } catch (CancellationException e) {
            trace.add("main saw cancel");
        }
        return Task.completed(trace);
    }

    /**
     * A body that catches the consumer's cancellation decides, as in asyncio (CPython 3.12.1 and 3.13.0 give these
     * traces for the same program, with {@code c.cancelling()} also 1): emitting gives the consumer the item, and
     * returning ends its iteration; the consumer's task is not cancelled.
     */
    @Test
    void aBodyThatCatchesTheCancellation_decides_asAsyncio() {
        assertEquals(List.of("cancelling", "body caught", "got after-cancel", "body resumed", "consumer end",
                "main: consumer done, cancelling()=1"), EventLoop.run(() -> cancelABodyThatCatches(true)));
        assertEquals(List.of("cancelling", "body caught, returns", "consumer end",
                "main: consumer done, cancelling()=1"), EventLoop.run(() -> cancelABodyThatCatches(false)));
    }

    @Async
    static Task<Void> sleepy(Emitter<Integer> out, AtomicInteger finallies) {
        try {
            await(out.emit(0));
            await(Tasks.sleep(Duration.ofSeconds(20)));
            await(out.emit(1));
        } finally {
            finallies.incrementAndGet();
        }
        return Task.completed(null);
    }

    @Async
    static Task<String> timeoutOnAnItem(AtomicInteger finallies) {
        AsyncIterator<Integer> g = AsyncGenerator.of(out -> sleepy(out, finallies));
        assertTrue(await(g.hasNext()));
        g.next();
        try {
            await(Futures.waitFor(g.hasNext(), Duration.ofMillis(20)), TimeoutException.class);
            return Task.completed("no timeout");
        } catch (TimeoutException e) {
            return Task.completed("timeout, finally ran " + finallies.get() + ", then " + await(g.hasNext()));
        }
    }

    @Test
    void aTimeoutOnAnItemStopsTheBody() {
        AtomicInteger finallies = new AtomicInteger();
        assertEquals("timeout, finally ran 1, then false", EventLoop.run(() -> timeoutOnAnItem(finallies)));
    }

    // ------------------------------------------------------------------------------------------ other stages

    /** A body that is not @Async: a CompletableFuture completed by another thread after two items. */
    @Async
    static Task<List<Integer>> aBodyReturningACompletableFuture() {
        EventLoop loop = EventLoop.running();
        AsyncIterator<Integer> g = AsyncGenerator.of(out -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            out.emit(7).addDoneCallback(f -> {
                if (!f.isCancelled()) {
                    out.emit(8).addDoneCallback(f2 -> new Thread(() -> done.complete(null)).start());
                }
            });
            return done;
        });
        List<Integer> seen = new ArrayList<>();
        while (await(g.hasNext())) {
            seen.add(g.next());
        }
        assertSame(loop, EventLoop.running());
        return Task.completed(seen);
    }

    @Test
    void aBodyMayReturnAnyStage() {
        assertEquals(List.of(7, 8), EventLoop.run(AsyncGeneratorTest::aBodyReturningACompletableFuture));
    }

    // ------------------------------------------------------------------------------------------ misuse

    @Async
    static Task<Void> emitsTwice(Emitter<Integer> out) {
        out.emit(1);
        out.emit(2); // not awaited: refused
        return Task.completed(null);
    }

    @Test
    void misuseIsRefusedWithWhatToDo() {
        EventLoop.run(() -> {
            AsyncIterator<Integer> g = AsyncGenerator.of(out -> counted(out, 3, new AtomicInteger(),
                    new AtomicInteger()));
            NoSuchElementException e = assertThrows(NoSuchElementException.class, g::next);
            assertTrue(e.getMessage().contains("await(hasNext()) first"), e.getMessage());
            AsyncIterator<Integer> twice = AsyncGenerator.of(AsyncGeneratorTest::emitsTwice);
            Future<Boolean> f = twice.hasNext();
            assertTrue(f.isDone());
            assertTrue(f.result(), "the first item was emitted before the refusal");
            twice.next();
            Throwable t = twice.hasNext().exception();
            assertTrue(t instanceof IllegalStateException && t.getMessage().contains("await(out.emit(item))"),
                    String.valueOf(t));
            return Task.completed(null);
        });
    }

    /** What {@code g.hasNext()} throws on another thread, or null. */
    static Throwable hasNextOnAnotherThread(AsyncIterator<?> g) {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                g.hasNext();
            } catch (Throwable x) {
                thrown.set(x);
            }
        });
        other.start();
        try {
            other.join();
        } catch (InterruptedException x) {
            throw new AssertionError(x);
        }
        return thrown.get();
    }

    @Test
    void anotherThreadIsRefusedOnceTheGeneratorHasItsLoop() {
        AtomicReference<Throwable> fromElsewhere = new AtomicReference<>();
        EventLoop.run(() -> {
            AsyncIterator<Integer> g = AsyncGenerator.of(out -> counted(out, 3, new AtomicInteger(),
                    new AtomicInteger()));
            g.hasNext();
            fromElsewhere.set(hasNextOnAnotherThread(g));
            return Task.completed(null);
        });
        assertTrue(fromElsewhere.get() instanceof IllegalStateException
                && fromElsewhere.get().getMessage().contains("only from its loop's thread"),
                String.valueOf(fromElsewhere.get()));
    }

    // ------------------------------------------------------------------------------------------ without a loop

    @Async
    static Task<List<Integer>> consumeWithoutALoop(AtomicInteger finallies) {
        AsyncIterator<Integer> g = AsyncGenerator.of(out -> counted(out, 5, new AtomicInteger(), finallies));
        List<Integer> seen = new ArrayList<>();
        while (await(g.hasNext())) {
            int x = g.next();
            seen.add(x);
            if (x == 3) {
                break;
            }
        }
        await(g.close());
        return Task.completed(seen);
    }

    @Test
    void aGeneratorWorksWithoutALoop_asAnyAsyncCode() {
        AtomicInteger finallies = new AtomicInteger();
        Task<List<Integer>> t = consumeWithoutALoop(finallies); // called from the test's thread: no loop runs
        assertTrue(t.isDone(), "nothing waits: the whole iteration ran inside the call");
        assertEquals(List.of(0, 1, 2, 3), t.result());
        assertEquals(1, finallies.get());
    }

    // ------------------------------------------------------------------------------------------ abandoned

    /** Takes one item of a fresh generator and drops it without closing; returns nothing that reaches it. */
    @Async
    static Task<Void> takeOneAndDrop(AtomicInteger made, AtomicInteger finallies) {
        AsyncIterator<Integer> g = AsyncGenerator.of(out -> counted(out, 1000, made, finallies));
        assertTrue(await(g.hasNext()));
        g.next();
        return Task.completed(null); // g is dropped here, its body suspended at its second emit
    }

    @Async
    static Task<String> abandonThenCollect(AtomicInteger finallies) {
        AtomicInteger made = new AtomicInteger();
        await(takeOneAndDrop(made, finallies));
        int pendingBefore = EventLoop.running().pendingTasks().size();
        for (int i = 0; i < 500 && finallies.get() == 0; i++) { // at most 5 s: the collector's and cleaner's time
            System.gc();
            await(Tasks.sleep(Duration.ofMillis(10)));
        }
        return Task.completed("made " + made.get() + ", finally " + finallies.get() + ", pending tasks "
                + pendingBefore + " -> " + EventLoop.running().pendingTasks().size());
    }

    @Test
    void anAbandonedGeneratorIsClosedOnceCollected_itsBodyLeavesThePendingTasks() {
        AtomicInteger finallies = new AtomicInteger();
        assertEquals("made 1, finally 1, pending tasks 2 -> 1",
                EventLoop.run(() -> abandonThenCollect(finallies)));
    }

    /** The consumer awaits an answer of a generator it no longer holds: the generator is not taken for abandoned. */
    @Async
    static Task<Boolean> awaitAnAnswerOnly(AtomicInteger finallies) {
        Event ev = new Event();
        Future<Boolean> answer = AsyncGenerator.<Integer>of(out -> waitsThenEmits(out, ev, finallies)).hasNext();
        for (int i = 0; i < 20; i++) {
            System.gc();
            await(Tasks.sleep(Duration.ofMillis(10)));
        }
        ev.set();
        return Task.completed(await(answer));
    }

    @Async
    static Task<Void> waitsThenEmits(Emitter<Integer> out, Event ev, AtomicInteger finallies) {
        try {
            await(ev.waitFor());
            await(out.emit(1));
        } finally {
            finallies.incrementAndGet();
        }
        return Task.completed(null);
    }

    @Test
    void aPendingAnswerKeepsItsGenerator() {
        AtomicInteger finallies = new AtomicInteger();
        assertEquals(true, EventLoop.run(() -> awaitAnAnswerOnly(finallies)));
    }

    // ------------------------------------------------------------------------------------------ a million items

    static final int MILLION = 1_000_000;

    @Async
    static Task<Void> numbers(Emitter<Object> out, int n, AtomicReference<WeakReference<Object>> early) {
        for (int i = 0; i < n; i++) {
            Object item = new int[] {i};
            if (i == 1000) {
                early.set(new WeakReference<>(item));
            }
            await(out.emit(item));
            if (i % 50_000 == 0) {
                await(Tasks.sleep(Duration.ZERO)); // now and then a real suspension: the hand-over through the loop
            }
        }
        return Task.completed(null);
    }

    @Async
    static Task<long[]> sumAMillion(AtomicReference<WeakReference<Object>> early) {
        AsyncIterator<Object> g = AsyncGenerator.of(out -> numbers(out, MILLION, early));
        long sum = 0;
        long count = 0;
        boolean collected = false;
        while (await(g.hasNext())) {
            int[] x = (int[]) g.next();
            sum += x[0];
            count++;
            if (count == MILLION / 2) {
                System.gc();
                collected = early.get().get() == null;
            }
        }
        return Task.completed(new long[] {count, sum, collected ? 1 : 0});
    }

    @Test
    void aMillionItemsOnASmallStack_holdNothingPast() throws Exception {
        AtomicReference<long[]> result = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        AtomicReference<WeakReference<Object>> early = new AtomicReference<>();
        // 256 KiB of stack: a hand-over that recursed per item would overflow it within a few thousand items
        Thread t = new Thread(null, () -> {
            try {
                result.set(EventLoop.run(() -> sumAMillion(early)));
            } catch (Throwable e) {
                failed.set(e);
            }
        }, "small-stack", 256 * 1024);
        t.start();
        t.join();
        if (failed.get() != null) {
            throw new AssertionError(failed.get());
        }
        long[] r = result.get();
        assertEquals(MILLION, r[0]);
        assertEquals((long) MILLION * (MILLION - 1) / 2, r[1]);
        assertEquals(1, r[2], "item 1000 is still reachable half a million items later");
    }
}
