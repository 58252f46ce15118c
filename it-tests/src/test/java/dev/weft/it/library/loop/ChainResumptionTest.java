package dev.weft.it.library.loop;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A chain of tasks each awaiting the next (issue #13, W4's shape) is resumed upward without a trip through the
 * queue per level when nothing else is ready, and without the stack growing per level: each level's code after its
 * await runs at the same stack depth, however deep the chain. (The order is the queue's either way: see
 * DirectResumptionOrderTest.)
 */
class ChainResumptionTest {

    @Async
    static Task<Integer> level(int d, Future<Integer> leaf, int[] depths) {
        int v = d == 0 ? await(leaf) : await(level(d - 1, leaf, depths));
        depths[d] = StackWalker.getInstance().walk(frames -> (int) frames.count());
        return Task.completed(v + 1);
    }

    @Async
    static Task<Integer> chain(int levels, int[] depths, List<String> trace) {
        Future<Integer> leaf = new Future<>();
        Task<Integer> top = level(levels - 1, leaf, depths);
        EventLoop loop = EventLoop.running();
        loop.callSoon(() -> leaf.complete(0));
        int v = await(top);
        trace.add("top resumed");
        return Task.completed(v);
    }

    @Test
    void everyLevelResumesAtTheSameStackDepthInTheTurnTheLeafCompletes() {
        int levels = 400;
        int[] depths = new int[levels];
        List<String> trace = new ArrayList<>();
        assertEquals(levels, EventLoop.run(() -> chain(levels, depths, trace)));
        String seen = "stack depth per level, from the leaf up: " + java.util.Arrays.toString(depths);
        assertTrue(IntStream.of(depths).min().getAsInt() > 0, "every level recorded its depth");
        // the leaf's level is stepped from the queue; each level above it by the chain its finish starts, one after
        // another
        assertEquals(1, IntStream.of(depths).skip(1).distinct().count(), seen);
        assertTrue(depths[levels - 1] - depths[0] < 16, seen);
        assertEquals(List.of("top resumed"), trace);
    }
}
