package dev.weft.runtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The schedule explorer of a loop made by {@link EventLoop#exploringSchedules(long)}: it decides, from a seed, the
 * points the contract leaves open, so that a test run with many seeds meets the orders real threads would give only
 * now and then, and a failing seed replays its order.
 * <ul>
 *   <li><b>Arrivals from other threads.</b> What other threads hand to the loop (completions of work that left the
 *   loop, {@code callSoonThreadsafe} calls) is held back while any work that left the loop is still outstanding
 *   (see {@link VirtualClock}), then taken in all at once, in an order the seed picks. Each piece of work is one
 *   group: what its thread sent while it ran and its completion stay together and in their order, so no thread's own
 *   order changes (contract: callbacks from one thread run in the order it scheduled them); groups are numbered in
 *   the order the loop sent the work out, which the loop's own order fixes, and the seed shuffles those numbers. What
 *   a thread the loop cannot see sends forms one last group, in arrival order.</li>
 *   <li><b>Ready channels.</b> When a turn finds several watched channels ready, the seed picks the order their
 *   callbacks are queued in (each channel's reader before its writer, as always).</li>
 * </ul>
 * Replay is exact when the same work is outstanding at the same points, which the loop's own order guarantees for
 * work that only computes; work whose threads wait for each other through the loop (a job that waits for what the
 * loop does after another job's completion) would wait for ever under the first rule, so arrivals held back for
 * {@link #PATIENCE_NANOS} of real time without any new one are let in as they came (such a run says so with a
 * warning, as it may not replay).
 */
final class ScheduleExplorer {
    private static final System.Logger LOG = System.getLogger("dev.weft.runtime");
    /** How long held-back arrivals wait, in real time, for the rest when nothing more arrives. */
    static final long PATIENCE_NANOS = 2_000_000_000L;
    /** The group of what a thread sends while it does (or completes) the work of that group; 0 for none. */
    static final ThreadLocal<long[]> GROUP = ThreadLocal.withInitial(() -> new long[1]);
    private static final long UNSEEN = Long.MAX_VALUE;

    final long seed;
    /** Well mixed for neighbouring seeds (java.util.Random's first draws are not: seeds 0..99 agree on nextInt(2)). */
    private final SplittableRandom random;
    private final VirtualClock clock;
    /** Held-back arrivals by group, groups in the order the work left the loop. Loop thread. */
    private final TreeMap<Long, ArrayDeque<Object[]>> held = new TreeMap<>();
    private long lastArrival;
    private boolean replayMayDiffer;

    ScheduleExplorer(long seed, VirtualClock clock) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.clock = clock;
    }

    /** One entry another thread hands to the loop, with the group of the work it belongs to. */
    static final class Arrival {
        final Object action;
        final Object arg;
        final long group;

        Arrival(Object action, Object arg, long group) {
            this.action = action;
            this.arg = arg;
            this.group = group;
        }
    }

    /** Any thread: what {@code post} puts in the inbox in place of (action, argument). */
    static Arrival arrival(Object action, Object arg) {
        long g = GROUP.get()[0];
        return new Arrival(action, arg, g == 0 ? UNSEEN : g);
    }

    /** Runs {@code work} as part of group {@code group}: what the thread sends meanwhile belongs to it. */
    static void inGroup(long group, Runnable work) {
        long[] g = GROUP.get();
        long outer = g[0];
        g[0] = group;
        try {
            work.run();
        } finally {
            g[0] = outer;
        }
    }

    /**
     * Loop thread, in place of {@code inbox.drainTo(loop)}: takes the arrivals in, and lets them into the ready
     * queue once no work is outstanding (or patience ran out), the groups in the seed's order.
     */
    void drain(Inbox inbox, EventLoop loop) {
        int outstanding = clock.outstanding(); // first: work that ends sends what it sends before it releases
        boolean any = inbox.drainTo(this);
        if (any) {
            lastArrival = System.nanoTime();
        }
        if (held.isEmpty()) {
            return;
        }
        if (outstanding > 0) {
            if (System.nanoTime() - lastArrival < PATIENCE_NANOS) {
                return;
            }
            if (!replayMayDiffer) {
                replayMayDiffer = true;
                LOG.log(System.Logger.Level.WARNING, "Schedule seed " + seed + ": arrivals from other threads "
                        + "waited " + PATIENCE_NANOS / 1_000_000 + " ms for outstanding work that may be waiting for"
                        + " them; let in as they came, so this run may not replay exactly");
            }
        }
        List<ArrayDeque<Object[]>> groups = new ArrayList<>(held.values());
        held.clear();
        shuffle(groups);
        for (ArrayDeque<Object[]> g : groups) {
            for (Object[] entry : g) {
                loop.enqueue(entry[0], entry[1]);
            }
        }
    }

    /** From {@link Inbox#drainTo(ScheduleExplorer)}: one arrival. */
    void take(Object action, Object arg) {
        Object[] entry;
        long group;
        if (action instanceof Arrival a) {
            entry = new Object[] {a.action, a.arg};
            group = a.group;
        } else {
            entry = new Object[] {action, arg};
            group = UNSEEN;
        }
        held.computeIfAbsent(group, k -> new ArrayDeque<>()).add(entry);
    }

    /** True while arrivals are held back (the loop then waits for the rest with a limit). */
    boolean holding() {
        return !held.isEmpty();
    }

    /** Shuffles {@code items} by the seed: the order of held-back groups, of the channels found ready. */
    <K> void shuffle(List<K> items) {
        for (int i = items.size() - 1; i > 0; i--) { // Fisher-Yates
            Collections.swap(items, i, random.nextInt(i + 1));
        }
    }
}
