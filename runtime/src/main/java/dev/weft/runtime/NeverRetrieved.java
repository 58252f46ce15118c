package dev.weft.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;

/**
 * Errors never pass silently: a future or task that failed and whose exception nobody retrieved is reported to
 * its loop's {@linkplain EventLoop#setExceptionHandler exception handler} (by default logged through
 * {@link System.Logger} "dev.weft.runtime" at ERROR), as asyncio's "Task exception was never retrieved". Always on,
 * not only in debug mode.
 *
 * <p><b>Retrieved</b> means what it means in asyncio ({@code Future._log_traceback}): the exception was handed to
 * someone who can act on it. That is: an {@code await} of the future (a suspended task woken by it, or an await of
 * a future already done), {@link Future#result()}, {@link Future#exception()}, {@link Future#get()}, the outcome
 * passed on to another future that follows it ({@code return callee()}, {@link Future#toCompletableFuture()},
 * {@code Futures.shield}, {@code Futures.asCompleted}, {@code EventLoop.run}'s result), the library reading it
 * ({@code gather}, {@code TaskGroup}, a {@code Condition}), and {@code cancel()} called on the future once it has
 * failed (asyncio: "I do not want its outcome"). Adding a done-callback is not: the callback retrieves it when it
 * calls {@code result()} or {@code exception()}. Asking {@code isDone()} or {@code isFailed()} is not.
 *
 * <p><b>When it is reported.</b> When the future is collected by the GC (the only moment it is certain that nobody
 * can retrieve it any more), and at the latest when its loop closes ({@code EventLoop.run} closes its loop when it
 * returns): a loop that is gone can no longer deliver the failure to anyone awaiting it. Each failure is reported
 * once: one reported when the loop closes is not reported again when collected, and one retrieved is never
 * reported. A failure of a loop-less future is reported when collected only.
 *
 * <p><b>Cost.</b> Only the failure path pays: one watch object and one {@link Cleaner} registration per failed
 * future, dropped when the failure is retrieved. A future that finishes with a value, or is cancelled, costs
 * nothing. The watch is kept in the future's callback field, where it also stands for the state FAILED, so
 * futures and tasks stay their size.
 *
 * <p>Why a Cleaner and not a weak map: the report is due exactly when the future becomes unreachable, which only
 * the GC knows; the watch holds the exception and a description, never the future, so it keeps nothing alive.
 */
final class NeverRetrieved extends Future.Done implements Runnable {
    private static final int WATCHING = 0;
    private static final int RETRIEVED = 1;
    private static final int REPORTED = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(NeverRetrieved.class, "watchState", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Started on the first failure only: a program that never fails never starts its thread. */
    private static final class Holder {
        static final Cleaner CLEANER = Cleaner.create();
    }

    static Cleaner cleaner() {
        return Holder.CLEANER;
    }

    @SuppressWarnings("unused")
    private volatile int watchState;
    /** The owner loop of the failed future, or null. */
    private final EventLoop loop;
    final Throwable failure;
    /** "Task" or "Future". */
    private final String kind;
    /** The future's identity hash, for "Task@1b6d3586". */
    private final int id;
    /** Its await site ({@link Task#awaitSite()}), or its coroutine's description, or null: read while alive. */
    private final Object where;
    /** Debug mode: where the future was created ("demo.Main.main2(Main.java:30)"), or null. */
    private final String createdAt;
    private Cleaner.Cleanable cleanable;
    /** Links in the owner loop's list of failures not yet retrieved; guarded by that list. */
    NeverRetrieved previous;
    NeverRetrieved next;

    private NeverRetrieved(Future<?> failed, Throwable failure) {
        super(Future.FAILED);
        this.loop = failed.loop;
        this.failure = failure;
        this.kind = failed.kind();
        this.id = System.identityHashCode(failed);
        this.where = failed instanceof Task<?> t ? whereOf(t) : null; // formatted only if it is ever reported
        this.createdAt = DebugChecks.tracking ? DebugChecks.creationSite(failed) : null;
    }

    /**
     * Starts watching {@code failed}, which is failing with {@code failure} now (it is still pending: the watch is
     * published with its new state).
     *
     * @return the watch, for the future to keep until its failure is retrieved
     */
    static NeverRetrieved watch(Future<?> failed, Throwable failure) {
        NeverRetrieved w = new NeverRetrieved(failed, failure);
        w.cleanable = cleaner().register(failed, w);
        if (w.loop != null) {
            w.loop.neverRetrieved().add(w);
        }
        return w;
    }

    /** The failure was retrieved: it will never be reported. Any thread. */
    void retrieved() {
        if (STATE.compareAndSet(this, WATCHING, RETRIEVED)) {
            if (loop != null) {
                loop.neverRetrieved().remove(this);
            }
            cleanable.clean(); // runs run(), which finds the state changed: only deregisters
        }
    }

    /** The Cleaner's action: the future was collected with its failure still unretrieved. Cleaner thread. */
    @Override
    public void run() {
        if ((int) STATE.getVolatile(this) != WATCHING) {
            return;
        }
        if (loop == null) {
            if (STATE.compareAndSet(this, WATCHING, REPORTED)) {
                EventLoop.logError(error("collected"));
            }
            return;
        }
        loop.reportCollected(this);
    }

    /** Reports the failure to {@code loop}'s exception handler unless it was reported or retrieved meanwhile. */
    void reportTo(EventLoop loop, String when) {
        if (STATE.compareAndSet(this, WATCHING, REPORTED)) {
            loop.neverRetrieved().remove(this);
            loop.reportError(error(when));
        }
    }

    /** Reports at the owner loop's close; the Cleaner registration is dropped (it would find nothing to do). */
    void reportAtClose(EventLoop loop) {
        reportTo(loop, "not retrieved when its loop closed");
        cleanable.clean();
    }

    private LoopError error(String when) {
        StringBuilder message = new StringBuilder(kind).append(" exception was never retrieved: ").append(kind)
                .append('@').append(Integer.toHexString(id));
        if (where instanceof StackTraceElement site) {
            message.append(' ').append(site);
        } else if (where != null) {
            message.append(" (").append(where).append(')');
        }
        if (createdAt != null) {
            message.append(", created at ").append(createdAt);
        }
        message.append(" (").append(when).append(')');
        return new LoopError(message.toString(), failure, null);
    }

    /**
     * How every report names a future or task: its kind and identity, and for a task of an {@code @Async} method,
     * its method and the line of the await it is at (or was last at), from {@link Task#awaitSite()}: {@code
     * Task@1b6d3586 demo.Main.failing(Main.java:12)}. A hand-written coroutine is named by its {@code toString}.
     */
    static String describe(Future<?> f) {
        String id = Future.id(f);
        Object where = f instanceof Task<?> t ? whereOf(t) : null;
        return where instanceof StackTraceElement ? id + " " + where : where != null ? id + " (" + where + ")" : id;
    }

    /** A task's await site, or for a hand-written coroutine its description, or null. */
    private static Object whereOf(Task<?> t) {
        StackTraceElement site = Task.siteOf(t);
        if (site != null || !(t instanceof Task.CoroutineTask<?> ct)) {
            return site;
        }
        try {
            return String.valueOf(ct.coroutine());
        } catch (RuntimeException brokenToString) {
            return null;
        }
    }

    /**
     * A loop's failures not retrieved yet, oldest first, so the loop's close reports them in the order they
     * happened. Failure path only; any thread (a failure may be retrieved from another thread, and the Cleaner
     * reports from its own).
     */
    static final class Watchlist {
        private NeverRetrieved first;
        private NeverRetrieved last;

        synchronized void add(NeverRetrieved w) {
            w.previous = last;
            if (last == null) {
                first = w;
            } else {
                last.next = w;
            }
            last = w;
        }

        synchronized void remove(NeverRetrieved w) {
            if (w.previous == null && first != w) {
                return; // not in the list
            }
            if (w.previous == null) {
                first = w.next;
            } else {
                w.previous.next = w.next;
            }
            if (w.next == null) {
                last = w.previous;
            } else {
                w.next.previous = w.previous;
            }
            w.previous = null;
            w.next = null;
        }

        /** Empties the list and returns what it held, oldest first. */
        synchronized java.util.List<NeverRetrieved> drain() {
            java.util.List<NeverRetrieved> all = new java.util.ArrayList<>();
            for (NeverRetrieved w = first; w != null; ) {
                NeverRetrieved n = w.next;
                w.previous = null;
                w.next = null;
                all.add(w);
                w = n;
            }
            first = null;
            last = null;
            return all;
        }
    }
}
