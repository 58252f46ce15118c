package dev.weft.test;

import static dev.weft.runtime.Await.await;
import static dev.weft.test.AsyncTest.explore;
import static dev.weft.test.AsyncTest.replay;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** {@link AsyncTest#explore} and {@link AsyncTest#replay} over @Async code rewritten by the plugin. */
class ExploreTest {

    @Async
    static Task<Void> note(Future<String> f, List<String> trace) {
        trace.add(await(f));
        return Task.completed(null);
    }

    /** Two executor jobs, one quick, one slow, each awaited by a task that notes its result. */
    @Async
    static Task<List<String>> quickAndSlow() {
        EventLoop loop = EventLoop.running();
        List<String> trace = new ArrayList<>();
        Future<String> quick = loop.runInExecutor(() -> "quick");
        Future<String> slow = loop.runInExecutor(() -> {
            Thread.sleep(20);
            return "slow";
        });
        Task<Void> a = note(quick, trace);
        Task<Void> b = note(slow, trace);
        await(a);
        await(b);
        return Task.completed(trace);
    }

    /** The planted race: right only when the quick job's completion is taken in first, as real time nearly always has it. */
    @Async
    static Task<Void> assumesTheQuickJobLandsFirst() {
        assertEquals(List.of("quick", "slow"), await(quickAndSlow()));
        return Task.completed(null);
    }

    /** The same jobs, checked without assuming an order. */
    @Async
    static Task<Void> checksBothWhateverTheOrder() {
        List<String> trace = await(quickAndSlow());
        assertEquals(2, trace.size());
        assertTrue(trace.containsAll(List.of("quick", "slow")), trace::toString);
        return Task.completed(null);
    }

    @Test
    void exploreFindsThePlantedRaceWithin100SeedsAndReplayRepeatsIt() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> explore(100, () -> assumesTheQuickJobLandsFirst()));
        Matcher m = Pattern.compile("Failed with schedule seed (\\d+) ").matcher(e.getMessage());
        assertTrue(m.find(), e.getMessage());
        long seed = Long.parseLong(m.group(1));
        assertInstanceOf(AssertionFailedError.class, e.getCause());
        for (int i = 0; i < 3; i++) {
            assertThrows(AssertionFailedError.class, () -> replay(seed, () -> assumesTheQuickJobLandsFirst()));
        }
        for (long passing = 0; passing < seed; passing++) { // the seeds explore tried before it passed: still do
            long s = passing;
            replay(s, () -> assumesTheQuickJobLandsFirst());
        }
    }

    @Test
    void explorePassesWhenNoOrderBreaksTheCode() {
        explore(30, () -> checksBothWhateverTheOrder());
    }
}
