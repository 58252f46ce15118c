package dev.weft.runtime;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;

/**
 * Debug mode's bookkeeping, as asyncio's debug mode: it reports, through {@link System.Logger}
 * ("dev.weft.runtime", WARNING), what would otherwise pass silently.
 * <ul>
 *   <li>a task collected by the GC while still pending (nothing could ever complete it);</li>
 *   <li>the task of an {@code @Async} call collected without anyone having awaited it or asked for its result;</li>
 *   <li>a callback or task step that ran longer than the loop's slow-callback threshold (checked by
 *       {@link EventLoop}, described by {@link #describeCallback}).</li>
 * </ul>
 * A failure nobody retrieved is reported in every mode ({@link NeverRetrieved}); debug mode adds where the future
 * was created. Every report names the task ({@code Task@1b6d3586}), its {@code @Async} method, the line of the
 * await it is at, and the line that created it ({@code created at demo.Main.main2(Main.java:30)}); a plain
 * callback is named by its class and the line that scheduled it. Debug mode is on for every loop with
 * {@code -Dweft.debug=true}, or for one loop with {@link EventLoop#setDebug(boolean)}; it walks the top of the
 * stack for each task, future and callback, so it is for development.
 *
 * <p>Why a {@link java.lang.ref.Cleaner}: a report is due exactly when the object becomes unreachable, which only
 * the GC knows; the record cleaned is a separate object (never the future itself), so tracking does not keep
 * anything alive.
 */
final class DebugChecks {
    private static final System.Logger LOG = System.getLogger("dev.weft.runtime");
    private static final Map<Future<?>, Record> RECORDS = Collections.synchronizedMap(new WeakHashMap<>());
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    /** Frames of the creation stack kept for a report. */
    private static final int KEPT_FRAMES = 8;
    private static final java.security.CodeSource RUNTIME_CODE = codeSource(DebugChecks.class);

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
        final boolean task;
        /** "Task@1b6d3586 demo.Main.failing", made better ("...(Main.java:12)") when the future finishes. */
        volatile String what;
        /** Where the future was created, the creating line first. */
        final StackTraceElement[] createdAt;
        volatile boolean done;
        volatile boolean observed;
        volatile boolean failed;

        Record(boolean task, String what, StackTraceElement[] createdAt) {
            this.task = task;
            this.what = what;
            this.createdAt = createdAt;
        }

        String createdAtText() {
            return createdAt.length == 0 ? "" : ", created at " + createdAt[0];
        }

        Throwable creationStack() {
            Throwable t = new Throwable("created here") {
                @Override
                public synchronized Throwable fillInStackTrace() {
                    return this;
                }
            };
            t.setStackTrace(createdAt);
            return t;
        }

        @Override
        public void run() {
            if (!task || failed) {
                return; // a failure is NeverRetrieved's to report, in every mode
            }
            if (!done) {
                LOG.log(System.Logger.Level.WARNING, what + createdAtText() + " was destroyed but it is pending!",
                        creationStack());
            } else if (!observed) {
                LOG.log(System.Logger.Level.WARNING, what + createdAtText()
                        + " was never awaited (nobody asked for its result)", creationStack());
            }
        }
    }

    static boolean wanted(EventLoop loop) {
        return GLOBAL || (loop != null && loop.debug);
    }

    /** Starts tracking {@code f}, created just now: where it was created, and the {@code @Async} method it runs. */
    static void track(Future<?> f) {
        Class<?> own = f.getClass();
        // a transformer's frame class: its awaitSite() reads nothing but constants and its label, so it answers
        // even now, inside the constructor, with the host class and the method
        StackTraceElement site = f instanceof Task<?> t && own.isSynthetic() ? Task.siteOf(t) : null;
        String host = site == null ? null : site.getClassName();
        List<StackWalker.StackFrame> frames = WALKER.walk(s -> s
                .dropWhile(frame -> isRuntime(frame.getDeclaringClass()) || frame.getDeclaringClass() == own
                        // the generated code of the method itself, before its first line: its entry (and body)
                        || frame.getClassName().equals(host) && frame.getLineNumber() < 0)
                .limit(KEPT_FRAMES)
                .toList());
        String what = f.kind() + "@" + Integer.toHexString(System.identityHashCode(f))
                + (site == null ? "" : " " + host + "." + site.getMethodName());
        StackTraceElement[] createdAt = new StackTraceElement[frames.size()];
        for (int i = 0; i < createdAt.length; i++) {
            createdAt[i] = frames.get(i).toStackTraceElement();
        }
        Record r = new Record(f instanceof Task<?>, what, createdAt);
        RECORDS.put(f, r);
        NeverRetrieved.cleaner().register(f, r);
        if (f instanceof Task<?> t) {
            TimedCallback running = TIMED_CALLBACK.get();
            if (running.watching && running.firstStarted == null) {
                running.firstStarted = t; // the first task a timed callback started, for its slow-callback report
            }
        }
    }

    /** What debug mode learns about the callback its loop thread is timing. */
    private static final class TimedCallback {
        boolean watching;
        Task<?> firstStarted;
    }

    private static final ThreadLocal<TimedCallback> TIMED_CALLBACK = ThreadLocal.withInitial(TimedCallback::new);

    /** A timed callback starts on this (loop) thread. */
    static void startWatchingCallback() {
        if (tracking) {
            TimedCallback running = TIMED_CALLBACK.get();
            running.watching = true;
            running.firstStarted = null;
        }
    }

    /** The timed callback ended: the first task it created (tracked in debug mode only), or null. */
    static Task<?> stopWatchingCallback() {
        if (!tracking) {
            return null;
        }
        TimedCallback running = TIMED_CALLBACK.get();
        Task<?> first = running.firstStarted;
        running.watching = false;
        running.firstStarted = null;
        return first;
    }

    /** {@code f} left PENDING. */
    static void finished(Future<?> f, int state, Object outcome) {
        Record r = RECORDS.get(f);
        if (r != null) {
            r.done = true;
            r.failed = state == Future.FAILED;
            if (r.task) {
                r.what = NeverRetrieved.describe(f);
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

    /** Where {@code f} was created ("demo.Main.main2(Main.java:30)"), when tracked; else null. */
    static String creationSite(Future<?> f) {
        Record r = RECORDS.get(f);
        return r == null || r.createdAt.length == 0 ? null : r.createdAt[0].toString();
    }

    // ------------------------------------------------------------------------------------------ callbacks

    /** A callback scheduled in debug mode, with the line that scheduled it. */
    static final class Scheduled implements Runnable {
        final Runnable callback;
        final StackTraceElement scheduledAt;

        Scheduled(Runnable callback, StackTraceElement scheduledAt) {
            this.callback = callback;
            this.scheduledAt = scheduledAt;
        }

        @Override
        public void run() {
            callback.run();
        }

        @Override
        public String toString() {
            return callback + (scheduledAt != null ? " scheduled at " + scheduledAt : "");
        }
    }

    /** Debug mode: {@code callback} with the first line outside the runtime that scheduled it. */
    static Runnable scheduled(Runnable callback) {
        if (callback instanceof Scheduled) {
            return callback;
        }
        StackTraceElement at = WALKER.walk(s -> s.filter(frame -> !isRuntime(frame.getDeclaringClass()))
                .findFirst().map(StackWalker.StackFrame::toStackTraceElement).orElse(null));
        return new Scheduled(callback, at);
    }

    /**
     * How a slow-callback report names what ran: a task's step with the await it resumed from and the one it
     * stopped at, a callback with where it was scheduled and the task it started, a done-callback with its future.
     *
     * @param siteBefore for a task step, the task's await site before the step
     * @param started the first task created during the callback, or null
     */
    static String describeCallback(Object action, Object arg, StackTraceElement siteBefore, Task<?> started) {
        if (action instanceof Task<?> t) {
            if (siteBefore == null) {
                return "a step of " + NeverRetrieved.describe(t); // not a generated coroutine
            }
            StringBuilder b = new StringBuilder("a step of ").append(t.kind()).append('@')
                    .append(Integer.toHexString(System.identityHashCode(t))).append(' ')
                    .append(siteBefore.getClassName()).append('.').append(siteBefore.getMethodName());
            if (siteBefore.getLineNumber() > 0) {
                b.append(", from the await at ").append(siteBefore.getFileName()).append(':')
                        .append(siteBefore.getLineNumber());
            }
            StackTraceElement after = t.isDone() ? null : Task.siteOf(t);
            if (t.isDone()) {
                b.append(" to its end");
            } else if (after != null && after.getLineNumber() > 0) {
                b.append(" to the await at line ").append(after.getLineNumber());
            }
            return b.toString();
        }
        StringBuilder b = new StringBuilder();
        if (action instanceof TimerHandle timer) {
            b.append("timer ").append(timer.callback);
        } else if (arg instanceof Future<?> f) {
            b.append("done-callback ").append(action).append(" of ").append(NeverRetrieved.describe(f));
        } else {
            b.append(action);
        }
        if (started != null) {
            StackTraceElement site = Task.siteOf(started);
            b.append(", which started ");
            if (site == null) {
                b.append(NeverRetrieved.describe(started));
            } else {
                b.append(started.kind()).append('@').append(Integer.toHexString(System.identityHashCode(started)))
                        .append(' ').append(site.getClassName()).append('.').append(site.getMethodName());
                if (started.isDone()) {
                    b.append(" (its first step ran to its end)");
                } else if (site.getLineNumber() > 0) {
                    b.append(" (its first step ran to the await at ").append(site.getFileName()).append(':')
                            .append(site.getLineNumber()).append(')');
                }
            }
        }
        return b.toString();
    }

    private static boolean isRuntime(Class<?> c) {
        return c.getPackageName().equals("dev.weft.runtime") && Objects.equals(codeSource(c), RUNTIME_CODE);
    }

    private static java.security.CodeSource codeSource(Class<?> c) {
        try {
            java.security.ProtectionDomain pd = c.getProtectionDomain();
            return pd == null ? null : pd.getCodeSource();
        } catch (SecurityException e) {
            return null;
        }
    }
}
