package dev.weft.it.library.iter;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.Async;
import dev.weft.runtime.AsyncGenerator;
import dev.weft.runtime.AsyncIterator;
import dev.weft.runtime.Emitter;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * AsyncGenerator's order, step by step, against asyncio's async generators (issue #15). Each expected trace is the
 * output of this program's matching {@code main} on CPython 3.12.1 and 3.13.0 (identical), run with
 * {@code loop.set_task_factory(asyncio.eager_task_factory)} and {@code loop.run_until_complete(main())}, as Weft
 * starts an {@code @Async} call eagerly:
 * <pre>
 * async def gen(n):                          # countUp
 *     try:
 *         trace.append("body start")
 *         for i in range(n):
 *             trace.append(f"emit {i}")
 *             yield i
 *             trace.append(f"resumed {i}")
 *         trace.append("body end")
 *     finally:
 *         trace.append("body finally")
 *
 * async def other():
 *     for i in range(3):
 *         trace.append(f"other {i}")
 *         await asyncio.sleep(0)
 *
 * async def slow_gen(n):                     # slowCount: a turn before each item
 *     try:
 *         for i in range(n):
 *             await asyncio.sleep(0)
 *             trace.append(f"slow emit {i}")
 *             yield i
 *     finally:
 *         trace.append("slow finally")
 *
 * async def main1():                         # consumedToTheEnd
 *     g = gen(3)
 *     trace.append("made")
 *     async for x in g:
 *         trace.append(f"got {x}")
 *     trace.append("after loop")
 *
 * async def main2():                         # breakThenClose
 *     g = gen(5)
 *     async for x in g:
 *         trace.append(f"got {x}")
 *         if x == 1:
 *             break
 *     trace.append("broke")
 *     await g.aclose()
 *     trace.append("closed")
 *
 * async def main3():                         # interleavedWithAnotherTask
 *     t = asyncio.get_running_loop().create_task(other())
 *     g = slow_gen(3)
 *     async for x in g:
 *         trace.append(f"got {x}")
 *     trace.append("after loop")
 *     await t
 *
 * async def failing():                       # failingBody
 *     trace.append("failing start")
 *     yield 1
 *     raise ValueError("boom")
 *
 * async def main4():
 *     g = failing()
 *     try:
 *         async for x in g:
 *             trace.append(f"got {x}")
 *     except ValueError as e:
 *         trace.append(f"caught {e}")
 * </pre>
 * The third pins the hand-over when the body waits: the consumer goes on in the turn in which the body emits (the
 * step that ran the generator's frame, in asyncio), not a turn later.
 */
@Timeout(10)
class AsyncGeneratorOrderTest {

    @Async
    static Task<Void> countUp(Emitter<Integer> out, int n, List<String> trace) {
        try {
            trace.add("body start");
            for (int i = 0; i < n; i++) {
                trace.add("emit " + i);
                await(out.emit(i));
                trace.add("resumed " + i);
            }
            trace.add("body end");
        } finally {
            trace.add("body finally");
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> other(List<String> trace) {
        for (int i = 0; i < 3; i++) {
            trace.add("other " + i);
            await(Tasks.sleep(Duration.ZERO));
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> slowCount(Emitter<Integer> out, int n, List<String> trace) {
        try {
            for (int i = 0; i < n; i++) {
                await(Tasks.sleep(Duration.ZERO));
                trace.add("slow emit " + i);
                await(out.emit(i));
            }
        } finally {
            trace.add("slow finally");
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> failing(Emitter<Integer> out, List<String> trace) {
        trace.add("failing start");
        await(out.emit(1));
        throw new IllegalArgumentException("boom");
    }

    @Async
    static Task<List<String>> consumedToTheEnd() {
        List<String> trace = new ArrayList<>();
        AsyncIterator<Integer> g = AsyncGenerator.of(out -> countUp(out, 3, trace));
        trace.add("made");
        while (await(g.hasNext())) {
            trace.add("got " + g.next());
        }
        trace.add("after loop");
        return Task.completed(trace);
    }

    @Async
    static Task<List<String>> breakThenClose() {
        List<String> trace = new ArrayList<>();
        AsyncIterator<Integer> g = AsyncGenerator.of(out -> countUp(out, 5, trace));
        while (await(g.hasNext())) {
            int x = g.next();
            trace.add("got " + x);
            if (x == 1) {
                break;
            }
        }
        trace.add("broke");
        await(g.close());
        trace.add("closed");
        return Task.completed(trace);
    }

    @Async
    static Task<List<String>> interleavedWithAnotherTask() {
        List<String> trace = new ArrayList<>();
        Task<Void> t = other(trace);
        AsyncIterator<Integer> g = AsyncGenerator.of(out -> slowCount(out, 3, trace));
        while (await(g.hasNext())) {
            trace.add("got " + g.next());
        }
        trace.add("after loop");
        await(t);
        return Task.completed(trace);
    }

    @Async
    static Task<List<String>> failingBody() {
        List<String> trace = new ArrayList<>();
        AsyncIterator<Integer> g = AsyncGenerator.of(out -> failing(out, trace));
        try {
            while (await(g.hasNext())) {
                trace.add("got " + g.next());
            }
        } catch (IllegalArgumentException e) {
            trace.add("caught " + e.getMessage());
        }
        return Task.completed(trace);
    }

    @Test
    void consumedToTheEnd_asAsyncio() {
        assertEquals(List.of("made", "body start", "emit 0", "got 0", "resumed 0", "emit 1", "got 1", "resumed 1",
                "emit 2", "got 2", "resumed 2", "body end", "body finally", "after loop"),
                EventLoop.run(AsyncGeneratorOrderTest::consumedToTheEnd));
    }

    @Test
    void breakThenClose_runsTheFinallyAtClose() {
        assertEquals(List.of("body start", "emit 0", "got 0", "resumed 0", "emit 1", "got 1", "broke",
                "body finally", "closed"), EventLoop.run(AsyncGeneratorOrderTest::breakThenClose));
    }

    @Test
    void aBodyThatWaits_handsOverInTheSameTurn() {
        assertEquals(List.of("other 0", "other 1", "slow emit 0", "got 0", "other 2", "slow emit 1", "got 1",
                "slow emit 2", "got 2", "slow finally", "after loop"),
                EventLoop.run(AsyncGeneratorOrderTest::interleavedWithAnotherTask));
    }

    @Test
    void aFailingBody_throwsAtTheConsumersAwait() {
        assertEquals(List.of("failing start", "got 1", "caught boom"),
                EventLoop.run(AsyncGeneratorOrderTest::failingBody));
    }
}
