package dev.weft.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The clock of a loop made by {@link EventLoop#withVirtualTime()}: it starts at 0 and moves only when the loop has
 * nothing else to do, jumping straight to the next timer's deadline. {@code Tasks.sleep(Duration.ofMinutes(30))},
 * {@link Timeout}, {@link Futures#waitFor} and {@link EventLoop#callLater} so take microseconds of real time, and
 * run in exactly the order they have in real time (contract item 9: the same heap, the same turns; only the wait
 * between turns is skipped).
 *
 * <pre>{@code
 * EventLoop loop = EventLoop.withVirtualTime();
 * VirtualClock clock = loop.virtualClock();
 * loop.runUntilComplete(clock.advanceBy(Duration.ofHours(1)));   // microseconds of real time
 * assert clock.now().equals(Duration.ofHours(1)) && loop.time() == clock.nanos();
 * }</pre>
 * More simply, {@link EventLoop#runInVirtualTime} is {@link EventLoop#run} on such a loop; and the {@code async-test}
 * module's JUnit extension runs each test on one.
 *
 * <h2>When the clock jumps</h2>
 * At the start of a turn in which the loop would wait, and only when all of these hold:
 * <ul>
 *   <li>no callback is ready and nothing sent by another thread ({@link EventLoop#callSoonThreadsafe}) is waiting in
 *       the inbox;</li>
 *   <li>no channel watched by the loop is ready (the selector is polled without waiting first);</li>
 *   <li>no <em>work that left the loop</em> is outstanding ({@link #outstanding()} is 0).</li>
 * </ul>
 * Work that left the loop is work another thread does and whose outcome the loop will take in: a job of
 * {@link EventLoop#runInExecutor} (and so {@link Tasks#toThread}) from its submission until its outcome has been
 * handed to the loop; a {@link java.util.concurrent.CompletableFuture} (or other {@link
 * java.util.concurrent.CompletionStage}) that a task of the loop awaits, from the suspension until it completes;
 * the stage a {@link Future#from} future follows, until it completes; and any {@link #hold} taken by hand. While
 * any is outstanding the loop waits for it in real time and <b>virtual time stands still</b>: such work takes no
 * virtual time at all, so its outcome is always taken in before any timer that was not already due when it left
 * (a 50 ms timer set after a 100 ms job fires after the job's outcome has been handled, at virtual time +50 ms), and a
 * {@link Timeout} around it never fires because of how long the thread took. That makes a test with such work as
 * deterministic as one without. A stage that the loop's own code completes (a {@link Future#toCompletableFuture()},
 * what an {@code @Async} method declared to return {@code CompletableFuture} returns, and stages derived from
 * those) is the loop's own work and holds nothing.
 *
 * <p>What the loop cannot see does not hold it: a thread started by hand that completes a {@link Future} or calls
 * {@code callSoonThreadsafe} later. Take a {@link #hold} for it, or run it with {@code runInExecutor}. Nor do
 * channels: a read that waits for a peer outside the process would see its timeout fire at once.
 *
 * <p>Only {@link #now()}, {@link #nanos()} and {@link #outstanding()} may be read from any thread; {@link
 * #advanceBy} and {@link #untilIdle} are for the loop's thread (or any thread while the loop is not running), as
 * {@code callLater} is.
 */
public final class VirtualClock {
    private final EventLoop loop;
    /** The virtual time, in nanoseconds since the clock was made; written on the loop thread only. */
    private volatile long now;
    /** Work that left the loop and has not come back. */
    private final AtomicInteger outstanding = new AtomicInteger();
    /** Futures of {@link #untilIdle} not completed yet. Loop thread. */
    private List<Future<Void>> idleWaiters;
    /** How many times the clock jumped (for tests and diagnostics). */
    private long jumps;

    private static final System.Logger LOG = System.getLogger("dev.weft.runtime");
    /**
     * How long the loop waits, idle and held with a timer due, before it warns: a CompletableFuture that the loop's
     * own code completes (from a timer, say) holds the clock for ever. Loop thread; tests shorten it.
     */
    long heldWarningNanos = 10_000_000_000L;
    /** When the loop began to wait, idle and held, with no work ending since (0: it is not). Loop thread. */
    private long heldIdleSince;
    private long releasesSeen;
    private boolean heldWarned;
    /** How many times outstanding work ended. */
    private final java.util.concurrent.atomic.AtomicLong releases = new java.util.concurrent.atomic.AtomicLong();

    /** Posted when the last outstanding work ends, so that a loop waiting in real time takes a turn and jumps. */
    private static final Runnable RELEASED = new Runnable() {
        @Override
        public void run() {
        }

        @Override
        public String toString() {
            return "the wake-up of a virtual clock whose last outstanding work ended";
        }
    };

    /** The schedule explorer of a loop made by {@link EventLoop#exploringSchedules}, or null. */
    final ScheduleExplorer explorer;
    /** Numbers the work that leaves the loop, for the explorer's groups. */
    private final java.util.concurrent.atomic.AtomicLong workSequence = new java.util.concurrent.atomic.AtomicLong();

    VirtualClock(EventLoop loop, Long scheduleSeed) {
        this.loop = loop;
        this.explorer = scheduleSeed == null ? null : new ScheduleExplorer(scheduleSeed, this);
    }

    /**
     * The seed that orders this loop's arrivals from other threads and its ready channels ({@link
     * EventLoop#exploringSchedules}), or empty for a loop that takes them as they come.
     */
    public java.util.OptionalLong scheduleSeed() {
        return explorer == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(explorer.seed);
    }

    /** The virtual time elapsed since the loop was made. */
    public Duration now() {
        return Duration.ofNanos(now);
    }

    /** The virtual time in nanoseconds since the loop was made: what {@link EventLoop#time()} returns. */
    public long nanos() {
        return now;
    }

    /** How many times the clock has jumped to a timer. */
    public long jumps() {
        return jumps;
    }

    /** How much work that left the loop is outstanding now (see the class documentation); any thread. */
    public int outstanding() {
        return outstanding.get();
    }

    /**
     * A future of the loop that completes once {@code delay} of virtual time has passed, having run everything due
     * before: the same as {@link Tasks#sleep}, named for what a test means by it (kotlinx-coroutines-test's {@code
     * advanceTimeBy}). In a task, {@code await(clock.advanceBy(d))}; from a test driving a loop that is not running,
     * {@code loop.runUntilComplete(clock.advanceBy(d))}.
     */
    public Future<Void> advanceBy(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        Future<Void> passed = new Future<>(loop);
        loop.callLater(delay, () -> passed.tryComplete(null));
        return passed;
    }

    /**
     * A future of the loop that completes when nothing else can run: no callback ready, no timer left (the clock
     * has jumped through all of them), no work outstanding (kotlinx-coroutines-test's {@code advanceUntilIdle}).
     * A timer that always schedules another one keeps it from completing. In a task, {@code
     * await(clock.untilIdle())}; from a test, {@code loop.runUntilComplete(clock.untilIdle())}.
     */
    public Future<Void> untilIdle() {
        if (!loop.isConfinedHere()) {
            throw new IllegalStateException("untilIdle must be called on the loop's thread (or while it is not running)");
        }
        Future<Void> idle = new Future<>(loop);
        if (idleWaiters == null) {
            idleWaiters = new ArrayList<>(2);
        }
        idleWaiters.add(idle);
        return idle;
    }

    /**
     * Marks work that the loop cannot see as outstanding, from now until {@link Hold#close()}: a thread of the
     * test's own that will complete a future of the loop. Any thread; closing twice releases once.
     *
     * <pre>{@code
     * VirtualClock.Hold hold = clock.hold();
     * new Thread(() -> { try (hold) { answer.complete(compute()); } }).start();
     * }</pre>
     */
    public Hold hold() {
        take();
        return new Hold(this);
    }

    /** Outstanding work, released once by {@link #close()}. */
    public static final class Hold implements AutoCloseable {
        private final AtomicInteger open = new AtomicInteger(1);
        private final VirtualClock clock;

        private Hold(VirtualClock clock) {
            this.clock = clock;
        }

        /** The work is over: it no longer holds the clock (after its outcome, if any, was handed to the loop). */
        @Override
        public void close() {
            if (open.compareAndSet(1, 0)) {
                clock.release();
            }
        }
    }

    // ------------------------------------------------------------------------------------------ for the loop

    /** Work leaves the loop. Any thread. Returns its number, for the schedule explorer's groups (0 without one). */
    long take() {
        outstanding.incrementAndGet();
        return explorer == null ? 0 : workSequence.incrementAndGet();
    }

    /**
     * On the thread that ends work number {@code work} (see {@link #take()}): hands its outcome to the loop, then
     * releases the clock. With a schedule explorer, {@code handOver} runs on the loop's thread, sent as part of that
     * work's group.
     */
    void handOverAndRelease(long work, Runnable handOver) {
        if (explorer == null) {
            try {
                handOver.run();
            } finally {
                release();
            }
            return;
        }
        // with an explorer the outcome itself goes through the loop, as an arrival it can hold back and order (a
        // future completed here would be seen done at once by whoever looks)
        ScheduleExplorer.inGroup(work, () -> {
            try {
                loop.schedule(handOver, null);
            } catch (IllegalStateException closed) {
                // nobody left to hand it to
            } finally {
                release();
            }
        });
    }

    /**
     * Work that left the loop is over, its outcome (if any) handed to the loop already. The last one wakes the loop
     * through its inbox, so that a loop waiting for it in real time takes a turn and may jump. Any thread.
     */
    void release() {
        releases.incrementAndGet();
        if (outstanding.decrementAndGet() == 0 && !loop.isClosed()) {
            try {
                loop.schedule(RELEASED, null);
            } catch (IllegalStateException closedMeanwhile) {
                // nothing to wake
            }
        }
    }

    /**
     * Called by the loop at the start of a turn in which it would wait ({@code timeout} nanoseconds until {@code
     * next}, or forever): jumps to {@code next} if nothing else can happen first, or completes the futures of
     * {@link #untilIdle} when there is nothing at all left. Returns how long the loop then waits in real time: 0
     * after a jump (or when a channel is ready), -1 (until something arrives) while work is outstanding or nothing
     * is scheduled.
     */
    long beforeWait(Inbox inbox, TimerHandle next, LoopWaiter waiter) {
        if (explorer != null && explorer.holding()) {
            // arrivals held back by the explorer wait for the rest of the outstanding work, within its patience;
            // with none left, a turn lets them in
            return outstanding.get() > 0 ? ScheduleExplorer.PATIENCE_NANOS : 0;
        }
        // outstanding first: work that ends hands its outcome to the inbox before it releases
        int held = outstanding.get();
        if (held > 0 || !inbox.isEmpty()) {
            return held > 0 && next != null && inbox.isEmpty() ? heldWait(held, next) : -1;
        }
        heldIdleSince = 0;
        if (waiter instanceof SelectorWaiter s) {
            s.poll();
            if (!s.selector.selectedKeys().isEmpty()) {
                return 0; // a channel is ready now: it goes first, at this instant
            }
        }
        if (next == null) {
            List<Future<Void>> w = idleWaiters;
            if (w != null && !w.isEmpty()) {
                idleWaiters = null;
                for (Future<Void> f : w) {
                    f.tryComplete(null);
                }
                return 0;
            }
            return -1;
        }
        if (next.when - now > 0) {
            now = next.when;
            jumps++;
        }
        return 0;
    }

    /**
     * The loop is idle, a timer is due, and {@code held} pieces of work hold the clock: it waits for them in real
     * time, and after {@link #heldWarningNanos} without any of them ending says so once, with the tasks and what they
     * await, since work the loop itself would complete (a CompletableFuture completed from a timer) never ends.
     */
    private long heldWait(int held, TimerHandle next) {
        long t = System.nanoTime();
        long r = releases.get();
        if (heldIdleSince == 0 || r != releasesSeen) {
            heldIdleSince = t;
            releasesSeen = r;
            heldWarned = false;
        }
        long left = heldWarningNanos - (t - heldIdleSince);
        if (left > 0) {
            return left;
        }
        if (!heldWarned) {
            heldWarned = true;
            LOG.log(System.Logger.Level.WARNING, "The virtual clock of " + loop + " has stood still for "
                    + Duration.ofNanos(t - heldIdleSince).toMillis() + " ms of real time, held by " + held + " piece(s)"
                    + " of work that left the loop (runInExecutor jobs, CompletableFutures or stages awaited), with a"
                    + " timer due in " + Duration.ofNanos(next.when - now) + " of virtual time. If one of them is a"
                    + " CompletableFuture that the loop's own code completes (from a timer, say), it holds the clock for"
                    + " ever: await a dev.weft.runtime.Future, or the CompletableFuture of Future.toCompletableFuture(),"
                    + " instead.\n" + loop.dumpTasks());
        }
        return -1;
    }

    @Override
    public String toString() {
        return "VirtualClock[" + now() + (outstanding() > 0 ? ", held by " + outstanding() + " outstanding" : "") + "]";
    }
}
