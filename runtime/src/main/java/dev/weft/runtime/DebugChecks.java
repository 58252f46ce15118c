package dev.weft.runtime;

import java.lang.ref.Cleaner;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Debug mode's bookkeeping, as asyncio's debug mode: it reports, through {@link System.Logger}
 * ("dev.weft.runtime", WARNING), what would otherwise pass silently.
 * <ul>
 *   <li>a task collected by the GC while still pending (nothing could ever complete it);</li>
 *   <li>a failed future or task collected without anyone having asked for its exception;</li>
 *   <li>the task of an {@code @Async} call collected without anyone having awaited it or asked for its result;</li>
 *   <li>a callback that ran longer than the loop's slow-callback threshold (checked by {@link EventLoop}).</li>
 * </ul>
 * Each report names where the task or future was created. Debug mode is on for every loop with
 * {@code -Dweft.debug=true}, or for one loop with {@link EventLoop#setDebug(boolean)}; it costs a stack trace
 * per task and future, so it is for development.
 *
 * <p>Why a {@link Cleaner}: a report is due exactly when the object becomes unreachable, which only the GC knows;
 * the record cleaned is a separate object (never the future itself), so tracking does not keep anything alive.
 */
final class DebugChecks {
    private static final System.Logger LOG = System.getLogger("dev.weft.runtime");
    private static final Cleaner CLEANER = Cleaner.create();
    private static final Map<Future<?>, Record> RECORDS = Collections.synchronizedMap(new WeakHashMap<>());

    /** On for every loop. */
    static final boolean GLOBAL = Boolean.getBoolean("weft.debug");
    /**
     * True once anything may be tracked: the hot paths look at this one flag. Not volatile on purpose: it only
     * ever goes from false to true, a thread that sees it late misses a little tracking, and a plain read keeps
     * the non-debug paths as they were.
     */
    static boolean tracking = GLOBAL;

    private DebugChecks() {
    }

    /** What is known of one tracked future; cleaned when the future is collected. */
    private static final class Record implements Runnable {
        final String what;
        final Throwable createdAt;
        volatile boolean done;
        volatile boolean observed;
        volatile Throwable failure;

        Record(String what) {
            this.what = what;
            this.createdAt = new Throwable("created here");
        }

        @Override
        public void run() {
            if (!done) {
                if (what.startsWith("Task")) {
                    LOG.log(System.Logger.Level.WARNING, what + " was destroyed but it is pending!", createdAt);
                }
            } else if (failure != null && !observed) {
                Throwable report = new Throwable(what + " exception was never retrieved: " + failure, failure);
                report.addSuppressed(createdAt);
                LOG.log(System.Logger.Level.WARNING, report.getMessage(), report);
            } else if (!observed && what.startsWith("Task")) {
                LOG.log(System.Logger.Level.WARNING, what + " was never awaited (nobody asked for its result)",
                        createdAt);
            }
        }
    }

    static boolean wanted(EventLoop loop) {
        return GLOBAL || (loop != null && loop.debug);
    }

    /** Starts tracking {@code f}, created just now. */
    static void track(Future<?> f) {
        Record r = new Record(f.kind() + "@" + Integer.toHexString(System.identityHashCode(f)));
        RECORDS.put(f, r);
        CLEANER.register(f, r);
    }

    /** {@code f} left PENDING. */
    static void finished(Future<?> f, int state, Object outcome) {
        Record r = RECORDS.get(f);
        if (r != null) {
            r.done = true;
            if (state == Future.FAILED) {
                r.failure = (Throwable) outcome;
            }
        }
    }

    /** Someone asked for {@code f}'s outcome, or will be told it (a callback, an awaiting task). */
    static void observed(Future<?> f) {
        Record r = RECORDS.get(f);
        if (r != null) {
            r.observed = true;
        }
    }
}
