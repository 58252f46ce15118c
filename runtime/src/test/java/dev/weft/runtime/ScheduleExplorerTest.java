package dev.weft.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The schedule explorer ({@link EventLoop#exploringSchedules}): the seed orders the arrivals of work done on other
 * threads, so a race that real threads almost never show is found within a few seeds and replayed from its seed.
 */
class ScheduleExplorerTest {

    /**
     * The planted race: two executor jobs, the first quick, the second slow; a task awaiting each writes to the trace.
     * Code that assumes the quick one always lands first is wrong only when the second job's completion is taken in
     * first, which real time gives almost never.
     */
    private static List<String> race(EventLoop loop) {
        return loop.runMain(() -> {
            List<String> trace = Collections.synchronizedList(new ArrayList<>());
            Future<String> quick = loop.runInExecutor(() -> "quick");
            Future<String> slow = loop.runInExecutor(() -> {
                Thread.sleep(20);
                return "slow";
            });
            Task<Void> a = awaitAndNote(quick, trace);
            Task<Void> b = awaitAndNote(slow, trace);
            return Futures.gather(a, b).thenApply(done -> trace);
        });
    }

    private static Task<Void> awaitAndNote(Future<String> f, List<String> trace) {
        return Script.<Void>plain(
                (tk, sent) -> tk.suspendOn(f),
                (tk, sent) -> {
                    trace.add((String) sent);
                    return null;
                }).start();
    }

    private static boolean raceLost(long seed) {
        return !race(EventLoop.exploringSchedules(seed)).equals(List.of("quick", "slow"));
    }

    @Test
    void findsThePlantedRaceWithin100SeedsAndReplaysItFromItsSeed() {
        long failing = -1;
        long passing = -1;
        for (long seed = 0; seed < 100 && (failing < 0 || passing < 0); seed++) {
            if (raceLost(seed)) {
                failing = failing < 0 ? seed : failing;
            } else {
                passing = passing < 0 ? seed : passing;
            }
        }
        assertTrue(failing >= 0, "no seed of 100 took the slow job's completion in first");
        assertTrue(passing >= 0, "every seed of 100 took the slow job's completion in first");
        for (int replay = 0; replay < 5; replay++) {
            assertTrue(raceLost(failing), "seed " + failing + " did not replay its order");
            assertTrue(!raceLost(passing), "seed " + passing + " did not replay its order");
        }
    }

    @Test
    void aSeedGivesTheSameOrderOfManyCompletionsEachTime() {
        List<List<String>> first = new ArrayList<>();
        for (long seed = 0; seed < 5; seed++) {
            first.add(completionOrder(seed));
        }
        for (long seed = 0; seed < 5; seed++) {
            assertEquals(first.get((int) seed), completionOrder(seed), "seed " + seed);
        }
        assertNotEquals(1, first.stream().distinct().count(), "five seeds, one order: " + first);
    }

    /** Six CompletableFutures completed by six threads, in the order their awaiting tasks are resumed. */
    private static List<String> completionOrder(long seed) {
        EventLoop loop = EventLoop.exploringSchedules(seed);
        return loop.runMain(() -> {
            List<String> trace = Collections.synchronizedList(new ArrayList<>());
            List<Future<?>> tasks = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String name = "cf" + i;
                CompletableFuture<String> cf = new CompletableFuture<>();
                tasks.add(Script.<Void>plain(
                        (tk, sent) -> tk.suspendOn(cf),
                        (tk, sent) -> {
                            trace.add((String) sent);
                            return null;
                        }).start());
                new Thread(() -> cf.complete(name)).start();
            }
            return Futures.gather(tasks).thenApply(done -> trace);
        });
    }

    @Test
    void aLoopThatDoesNotExploreHasNoSeed() {
        try (EventLoop plain = EventLoop.withVirtualTime(); EventLoop seeded = EventLoop.exploringSchedules(42)) {
            assertTrue(plain.virtualClock().scheduleSeed().isEmpty());
            assertEquals(42L, seeded.virtualClock().scheduleSeed().getAsLong());
        }
    }

    /** Two pipes made readable before the loop looks: the seed picks which reader is queued first. */
    private static List<String> readyChannelOrder(long seed) {
        EventLoop loop = EventLoop.exploringSchedules(seed);
        return loop.runMain(() -> {
            List<String> trace = new ArrayList<>();
            Future<List<String>> both = new Future<>();
            try {
                for (String name : List.of("first", "second")) {
                    java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
                    pipe.sink().write(java.nio.ByteBuffer.wrap(new byte[] {1}));
                    loop.closeWithLoop(pipe.source());
                    loop.closeWithLoop(pipe.sink());
                    loop.addReader(pipe.source(), () -> {
                        loop.removeReader(pipe.source());
                        trace.add(name);
                        if (trace.size() == 2) {
                            both.complete(trace);
                        }
                    });
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return both;
        });
    }

    @Test
    void theSeedOrdersChannelsFoundReadyTogether() {
        java.util.Set<List<String>> seen = new java.util.HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            List<String> order = readyChannelOrder(seed);
            assertEquals(order, readyChannelOrder(seed), "seed " + seed);
            seen.add(order);
        }
        assertEquals(2, seen.size(), "orders seen: " + seen);
    }
}
