package dev.weft.runtime;

import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A result that arrives later, in the model of asyncio's {@code Future}.
 *
 * <p>A future is in one of three states: <b>pending</b>, <b>cancelled</b> or <b>finished</b> (with a value or an
 * exception). It leaves the pending state once, through {@link #complete}, {@link #fail} or {@link #cancel};
 * completing a future that is already done throws {@link InvalidStateException} ({@link #tryComplete} and
 * {@link #tryFail} answer {@code false} instead).
 *
 * <p><b>Owner loop.</b> {@code new Future<>()} belongs to the event loop running on the calling thread, if any.
 * Done-callbacks of an owned future never run inside {@code complete}: they are scheduled with the loop's
 * {@code callSoon}, in the order they were added, when the future completes; a callback added after that is
 * scheduled at once. An owned future is meant to be used on its loop's thread (as in asyncio); when a method
 * that changes it ({@code complete}, {@code fail}, {@code cancel}, adding or removing a callback) is called from
 * another thread while the loop runs, the change is forwarded to the loop with
 * {@link EventLoop#callSoonThreadsafe} and happens there, so doing so is safe. A future created where no loop runs
 * has no owner: it may be completed from any thread, and runs its callbacks on the completing thread, as
 * {@link CompletableFuture} does.
 *
 * <p><b>Interop.</b> A future is a {@link CompletionStage} (its dependent stages run on a
 * {@link CompletableFuture} that follows it), converts with {@link #toCompletableFuture()}, and
 * {@link #from(CompletionStage)} follows any stage; cancellation crosses both ways.
 *
 * <p><b>Results.</b> {@link #result()} returns the value, throws the original exception (never a wrapper), throws
 * a {@link CancellationException} when cancelled, and {@link InvalidStateException} while pending.
 * {@link #get()}, from {@link java.util.concurrent.Future}, blocks (off a loop thread only) and wraps as that
 * interface requires.
 *
 * <pre>{@code
 * Future<String> f = new Future<>();
 * f.addDoneCallback(done -> System.out.println(done.result()));
 * EventLoop.running().callLater(Duration.ofMillis(5), () -> f.complete("hello"));
 * }</pre>
 *
 * @param <T> the result type
 */
public class Future<T> implements java.util.concurrent.Future<T>, CompletionStage<T> {

    static final int PENDING = 0;
    static final int CANCELLED = 1;
    /** Finished with a value. */
    static final int FINISHED = 2;
    /** Finished with an exception. */
    static final int FAILED = 3;


    /**
     * FINISHED: the value; FAILED: the Throwable; CANCELLED: the message (String, may be null) or, once made,
     * the CancellationException. A pending {@link Task} keeps its pending cancellation message here.
     */
    Object outcome;
    /**
     * The state and the callbacks in one word, so a future is three fields (24 bytes with compressed pointers).
     * Pending: null, one callback, or a {@link CallbackList}; for an owned future only touched on the loop thread.
     * Done: a {@link Done} mark, {@link Done#FINISHED}, {@link Done#CANCELLED} or {@link Done#FAILED}, or for a
     * failure not retrieved yet its {@link NeverRetrieved} watch (a {@code Done} of state FAILED). The mark is
     * written with release semantics after {@code outcome} and read with acquire, so any thread that sees the
     * future done sees its outcome: a plain access beside {@link VarHandle#releaseFence()} /
     * {@link VarHandle#acquireFence()} (intrinsics, nothing on x86) rather than a VarHandle's access, whose
     * call chain is several methods deep: one perf profile of W4's deep resumption chains showed it not inlined.
     */
    private Object callbacks;
    /** The owner loop, or null. */
    final EventLoop loop;

    /** A pending future owned by the loop running on this thread, or by none. */
    public Future() {
        this.loop = EventLoop.runningOrNull();
        if (DebugChecks.tracking && DebugChecks.wanted(loop)) {
            DebugChecks.track(this);
        }
    }

    /**
     * A pending future owned by {@code loop}.
     *
     * @param loop the owner loop, or {@code null} for a future with no owner
     */
    public Future(EventLoop loop) {
        this.loop = loop;
        if (DebugChecks.tracking && DebugChecks.wanted(loop)) {
            DebugChecks.track(this);
        }
    }

    /**
     * A future of the runtime's own that debug mode does not track (no creation site is recorded, nothing is
     * reported about it): one nobody but the runtime sees, such as an {@link AsyncGenerator}'s emit future, made
     * per item, where a stack walk each would cost more than the item.
     */
    Future(EventLoop loop, boolean untracked) {
        this.loop = loop;
    }

    /** A future that is already done with {@code value}; it has no owner loop. */
    public static <T> Future<T> completed(T value) {
        Future<T> f = new Future<>((EventLoop) null);
        f.outcome = value;
        VarHandle.releaseFence();
        f.callbacks = Done.FINISHED_MARK;
        return f;
    }

    /** A future that is already done with {@code exception}; it has no owner loop. */
    public static <T> Future<T> failed(Throwable exception) {
        Future<T> f = new Future<>((EventLoop) null);
        f.tryTransition(FAILED, Objects.requireNonNull(exception, "exception"));
        return f;
    }

    // ---------------------------------------------------------------------------------------------- state

    final int state() {
        Object c = callbacks;
        VarHandle.acquireFence();
        return c instanceof Done d ? d.state : PENDING;
    }

    /** The owner loop, or {@code null} for a future with no owner. */
    public final EventLoop loop() {
        return loop;
    }

    /**
     * This future for a report: its id, and for a task its {@code @Async} method and the line of the await it is
     * at ({@code Task@1b6d3586 demo.Main.fetch(Main.java:14)}, as the loop's own reports name it), then, when debug
     * mode tracked it ({@link EventLoop#setDebug}), the line that created it ({@code , created at
     * demo.Main.main2(Main.java:30)}).
     */
    public final String describe() {
        String site = DebugChecks.creationSite(this);
        return NeverRetrieved.describe(this) + (site == null ? "" : ", created at " + site);
    }

    /** True when cancelled or finished. */
    @Override
    public final boolean isDone() {
        Object c = callbacks;
        VarHandle.acquireFence();
        return c == Done.FINISHED_MARK || c instanceof Done; // the common answer first: one compare
    }

    /** True when cancelled. */
    @Override
    public final boolean isCancelled() {
        return state() == CANCELLED;
    }

    /** True when finished with an exception (not cancelled). */
    public final boolean isFailed() {
        return state() == FAILED;
    }

    /**
     * The result, as asyncio's {@code Future.result()}.
     *
     * @return the value the future finished with
     * @throws CancellationException when the future was cancelled
     * @throws InvalidStateException when the future is still pending
     * @throws Throwable (unchecked at the call site) the exception the future failed with, unwrapped
     */
    @SuppressWarnings("unchecked")
    public T result() {
        Object c = callbacks;
        VarHandle.acquireFence();
        if (c == Done.FINISHED_MARK && !DebugChecks.tracking) {
            return (T) outcome; // an await of a done future: one load and compare before the value
        }
        return slowResult();
    }

    @SuppressWarnings("unchecked")
    private T slowResult() {
        if (DebugChecks.tracking) {
            DebugChecks.observed(this);
        }
        int s = state();
        if (s == FINISHED) {
            return (T) outcome;
        }
        throw resultFailure(s);
    }

    /** The slow half of {@link #result()}: what to throw for a state other than FINISHED. */
    private RuntimeException resultFailure(int s) {
        if (s == FAILED) {
            retrieved();
            throw Future.<RuntimeException>sneakyThrow((Throwable) outcome);
        }
        if (s == CANCELLED) {
            throw cancellationException();
        }
        throw new InvalidStateException("Result is not set: " + this + " is still pending");
    }

    /**
     * The exception the future failed with, as asyncio's {@code Future.exception()}.
     *
     * @return the exception, or {@code null} when the future finished with a value
     * @throws CancellationException when the future was cancelled
     * @throws InvalidStateException when the future is still pending
     */
    public Throwable exception() {
        if (DebugChecks.tracking) {
            DebugChecks.observed(this);
        }
        int s = state();
        switch (s) {
            case FINISHED:
                return null;
            case FAILED:
                retrieved();
                return (Throwable) outcome;
            case CANCELLED:
                throw cancellationException();
            default:
                throw new InvalidStateException("Exception is not set: " + this + " is still pending");
        }
    }

    /**
     * Marks the failure of this failed future as retrieved, so it is never reported as such (see
     * {@link NeverRetrieved}). Called wherever the exception is handed to someone; costs a field read otherwise.
     */
    final void retrieved() {
        if (callbacks instanceof NeverRetrieved w) {
            callbacks = Done.FAILED_MARK; // any thread: both words say FAILED
            w.retrieved();
        }
    }

    /** The message given to {@code cancel(msg)}, or {@code null}; only meaningful once cancelled. */
    public String cancelMessage() {
        Object o = outcome;
        if (state() != CANCELLED) {
            return null;
        }
        return o instanceof CancellationException ce ? ce.getMessage() : (String) o;
    }

    /** The exception a cancelled future reports; made once, then thrown again, so its stack trace is stable. */
    final CancellationException cancellationException() {
        Object o = outcome;
        if (o instanceof CancellationException ce) {
            return ce;
        }
        CancellationException ce = new CancellationException((String) o);
        outcome = ce;
        return ce;
    }

    // ---------------------------------------------------------------------------------------------- completion

    /**
     * Finishes the future with {@code value}.
     *
     * @throws InvalidStateException when the future is already done
     */
    public void complete(T value) {
        if (!tryTransition(FINISHED, value)) {
            throw alreadyDone("complete");
        }
    }

    /**
     * Finishes the future with {@code exception}.
     *
     * @throws InvalidStateException when the future is already done
     */
    public void fail(Throwable exception) {
        Objects.requireNonNull(exception, "exception");
        if (!tryTransition(FAILED, exception)) {
            throw alreadyDone("fail");
        }
    }

    /**
     * Finishes the future with {@code value} if it is still pending.
     *
     * @return {@code false} when it was already done; when forwarded to the owner loop from another thread, whether
     *     it was still pending at the time of the call
     */
    public boolean tryComplete(T value) {
        return tryTransition(FINISHED, value);
    }

    /**
     * Finishes the future with {@code exception} if it is still pending.
     *
     * @return as {@link #tryComplete}
     */
    public boolean tryFail(Throwable exception) {
        Objects.requireNonNull(exception, "exception");
        return tryTransition(FAILED, exception);
    }

    /**
     * Cancels the future: when pending, it becomes cancelled and its callbacks are scheduled.
     *
     * @return {@code false} when the future was already done
     */
    public boolean cancel() {
        return cancel((String) null);
    }

    /**
     * Cancels the future with a message, which the {@link CancellationException} its result throws carries.
     *
     * @return {@code false} when the future was already done
     */
    public boolean cancel(String message) {
        if (tryTransition(CANCELLED, message)) {
            return true;
        }
        return refuseCancelWhenDone();
    }

    /**
     * What {@code cancel} does to a future that is done: nothing, but a failure counts as retrieved, as asyncio's
     * {@code cancel()} does: whoever cancels says the outcome is not wanted. Returns false.
     */
    final boolean refuseCancelWhenDone() {
        if (state() == FAILED) {
            retrieved();
        }
        return false;
    }

    /** As {@link #cancel()}; {@code mayInterruptIfRunning} has no meaning for a future. */
    @Override
    public final boolean cancel(boolean mayInterruptIfRunning) {
        return cancel();
    }

    private InvalidStateException alreadyDone(String what) {
        return new InvalidStateException("Cannot " + what + " " + this + ": it is already done");
    }

    /**
     * The one place a future leaves PENDING. Returns false when it was not pending.
     */
    final boolean tryTransition(int newState, Object newOutcome) {
        EventLoop l = loop;
        if (l == null) {
            Object cbs;
            synchronized (this) {
                cbs = transitionKeepingCallbacks(newState, newOutcome);
            }
            if (cbs == this) {
                return false;
            }
            runCallbacksHere(cbs);
            return true;
        }
        if (!l.isConfinedHere()) {
            if (state() != PENDING) {
                return false;
            }
            l.callSoonThreadsafe(() -> {
                if (!tryTransition(newState, newOutcome) && newState != CANCELLED && state() != CANCELLED) {
                    l.reportError(new LoopError("a completion from another thread arrived for " + this
                            + ", which was already done", null, this));
                }
            });
            return true;
        }
        Object cbs = transitionKeepingCallbacks(newState, newOutcome);
        if (cbs == this) {
            return false;
        }
        scheduleCallbacks(cbs);
        return true;
    }

    /**
     * The transition itself, without running or scheduling the callbacks, which are returned for the caller to
     * run (loop-less), schedule, or (a finishing task) resume at once. Returns {@code this} when not pending.
     * Loop thread, or under this future's monitor for a loop-less future. A failure is watched until retrieved.
     */
    final Object transitionKeepingCallbacks(int newState, Object newOutcome) {
        return transitionKeepingCallbacks(newState, newOutcome, true);
    }

    /**
     * As {@link #transitionKeepingCallbacks(int, Object)}; {@code watchFailure} false when the caller hands the
     * failure over itself, at once, on this thread (a finishing task resuming its awaiter directly).
     */
    final Object transitionKeepingCallbacks(int newState, Object newOutcome, boolean watchFailure) {
        Object cbs = callbacks;
        if (cbs instanceof Done) {
            return this;
        }
        outcome = newOutcome;
        // the watch is the state itself, so whoever sees FAILED can retrieve it
        Object mark = newState == FAILED && watchFailure
                ? NeverRetrieved.watch(this, (Throwable) newOutcome) : Done.of(newState);
        VarHandle.releaseFence();
        callbacks = mark;
        if (DebugChecks.tracking) {
            DebugChecks.finished(this, newState, newOutcome);
        }
        return cbs;
    }

    /**
     * Makes this finished future pending again, with no callbacks: for a future only the runtime hands out and takes
     * back, whose one awaiter has resumed from it (an {@link AsyncGenerator}'s emit, one per generator instead of one
     * per item). Loop thread; the caller has checked {@code state() == FINISHED}.
     */
    final void reopen() {
        outcome = null;
        callbacks = null;
    }

    /** Schedules callbacks taken by {@link #transitionKeepingCallbacks} on the owner loop, in order. */
    final void scheduleCallbacks(Object cbs) {
        if (cbs == null) {
            return;
        }
        if (cbs instanceof CallbackList list) {
            for (int i = 0; i < list.size; i++) {
                Object cb = list.items[i];
                if (cb instanceof DoneHook h) {
                    h.accept(this);
                } else {
                    loop.enqueue(cb, this);
                }
            }
        } else if (cbs instanceof DoneHook h) {
            h.accept(this);
        } else {
            loop.enqueue(cbs, this);
        }
    }

    private void runCallbacksHere(Object cbs) {
        if (cbs == null) {
            return;
        }
        if (cbs instanceof CallbackList list) {
            for (int i = 0; i < list.size; i++) {
                Trampoline.run(list.items[i], this);
            }
        } else {
            Trampoline.run(cbs, this);
        }
    }

    // ---------------------------------------------------------------------------------------------- callbacks

    /**
     * Adds a callback to run once the future is done; it receives the future. Callbacks run in the order they
     * were added. On an owned future they run through the loop's {@code callSoon}, never inside this call; a
     * callback added to a done future is scheduled at once.
     */
    public void addDoneCallback(Consumer<? super Future<T>> callback) {
        addCallback(Objects.requireNonNull(callback, "callback"));
    }

    /**
     * Removes every registration of {@code callback} that has not been scheduled yet.
     *
     * @return how many were removed (off the owner loop's thread: 0, since the removal is forwarded)
     */
    public int removeDoneCallback(Consumer<? super Future<T>> callback) {
        return removeCallback(callback);
    }

    /** The callbacks of this pending future (null, one, or a list); loop thread only. */
    final Object pendingCallbacks() {
        Object cbs = callbacks;
        return cbs instanceof Done ? null : cbs;
    }

    /**
     * Removes {@code cb} when it is this pending future's only callback, leaving the future pending; for a future
     * that wakes its awaiting task itself ({@link PrimitiveWait}). Loop thread only.
     */
    final boolean takeSoleCallback(Object cb) {
        if (callbacks != cb) { // a done future's word is its Done mark, never a callback
            return false;
        }
        callbacks = null;
        return true;
    }

    /**
     * The first callback that is a {@link Task} or a {@link Future} (a gather), or null: who waits for this pending
     * future, for async stacks. A loop-less future is read under its monitor.
     */
    final Object firstWaiter() {
        if (loop == null) {
            synchronized (this) {
                return firstWaiterLocked();
            }
        }
        return firstWaiterLocked();
    }

    private Object firstWaiterLocked() {
        if (state() != PENDING) {
            return null;
        }
        Object cbs = callbacks;
        if (cbs instanceof CallbackList list) {
            for (int i = 0; i < list.size; i++) {
                if (list.items[i] instanceof Future<?>) {
                    return list.items[i];
                }
            }
            return null;
        }
        return cbs instanceof Future<?> ? cbs : null;
    }

    /** Registers an internal or user callback object (a Task, or a Consumer). */
    final void addCallback(Object cb) {
        if (DebugChecks.tracking) {
            DebugChecks.observed(this);
        }
        EventLoop l = loop;
        if (l == null) {
            synchronized (this) {
                if (state() == PENDING) {
                    callbacks = CallbackList.add(callbacks, cb);
                    return;
                }
            }
            EventLoop here = EventLoop.runningOrNull();
            if (here != null) {
                here.enqueue(cb, this);
            } else {
                Trampoline.run(cb, this);
            }
            return;
        }
        if (!l.isConfinedHere()) {
            l.callSoonThreadsafe(() -> addCallback(cb));
            return;
        }
        if (state() == PENDING) {
            callbacks = CallbackList.add(callbacks, cb);
        } else {
            l.enqueue(cb, this);
        }
    }

    final int removeCallback(Object cb) {
        EventLoop l = loop;
        if (l == null) {
            synchronized (this) {
                return removeLocked(cb);
            }
        }
        if (!l.isConfinedHere()) {
            l.callSoonThreadsafe(() -> removeCallback(cb));
            return 0;
        }
        return removeLocked(cb);
    }

    private int removeLocked(Object cb) {
        Object cbs = callbacks;
        if (cbs == null || state() != PENDING) {
            return 0;
        }
        if (cbs instanceof CallbackList list) {
            int removed = list.removeAll(cb);
            if (list.size == 0) {
                callbacks = null;
            }
            return removed;
        }
        if (cbs.equals(cb)) {
            callbacks = null;
            return 1;
        }
        return 0;
    }

    /**
     * What {@code callbacks} holds once the future is done: its state. {@link NeverRetrieved}, the watch of a failure
     * not retrieved yet, is one too.
     */
    abstract static class Done {
        static final Done FINISHED_MARK = new Mark(FINISHED);
        static final Done CANCELLED_MARK = new Mark(CANCELLED);
        /** Failed, and the failure retrieved (or handed over at once): no watch. */
        static final Done FAILED_MARK = new Mark(FAILED);

        final int state;

        Done(int state) {
            this.state = state;
        }

        static Done of(int state) {
            return state == FINISHED ? FINISHED_MARK : state == CANCELLED ? CANCELLED_MARK : FAILED_MARK;
        }

        private static final class Mark extends Done {
            Mark(int state) {
                super(state);
            }

            @Override
            public String toString() {
                return state == FINISHED ? "finished" : state == CANCELLED ? "cancelled" : "failed";
            }
        }
    }

    /** Callbacks in order; one callback is stored without a list. */
    static final class CallbackList {
        Object[] items = new Object[4];
        int size;

        static Object add(Object current, Object cb) {
            if (current == null) {
                return cb;
            }
            CallbackList list;
            if (current instanceof CallbackList existing) {
                list = existing;
            } else {
                list = new CallbackList();
                list.items[list.size++] = current;
            }
            if (list.size == list.items.length) {
                list.items = java.util.Arrays.copyOf(list.items, list.size * 2);
            }
            list.items[list.size++] = cb;
            return list;
        }

        int removeAll(Object cb) {
            int kept = 0;
            for (int i = 0; i < size; i++) {
                if (!items[i].equals(cb)) {
                    items[kept++] = items[i];
                }
            }
            int removed = size - kept;
            java.util.Arrays.fill(items, kept, size, null);
            size = kept;
            return removed;
        }
    }

    /** Calls one callback with its future: a waiting Task is woken, a Consumer accepted. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static void invokeCallback(Object cb, Object future) {
        if (cb instanceof Task<?> task) {
            task.wake(future);
        } else {
            ((Consumer) cb).accept(future);
        }
    }

    // ---------------------------------------------------------------------------------------------- blocking

    /**
     * Waits for the future and returns its value, as {@link java.util.concurrent.Future#get()} requires.
     *
     * @throws IllegalStateException when called on an event loop's thread while the future is pending: blocking
     *     there would stop the loop that has to complete it; {@code await} it instead
     */
    @Override
    public T get() throws InterruptedException, ExecutionException {
        if (!isDone()) {
            refuseBlockingOnLoop("get()");
            blockUntilDone(0L);
        }
        return reportForGet();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (!isDone()) {
            refuseBlockingOnLoop("get(timeout)");
            long nanos = Math.max(1L, unit.toNanos(timeout));
            if (!blockUntilDone(nanos)) {
                throw new TimeoutException("Timed out after " + timeout + " " + unit + " waiting for " + this);
            }
        }
        return reportForGet();
    }

    /**
     * Waits without wrapping, for {@code await}'s fallback: returns the value or throws the original exception.
     */
    final T join() throws InterruptedException {
        if (!isDone()) {
            blockUntilDone(0L);
        }
        return result();
    }

    private T reportForGet() throws ExecutionException {
        int s = state();
        if (s == FAILED) {
            retrieved();
            throw new ExecutionException((Throwable) outcome);
        }
        return result();
    }

    private void refuseBlockingOnLoop(String what) {
        EventLoop here = EventLoop.runningOrNull();
        if (here != null) {
            throw new IllegalStateException(what + " would block the event loop thread '"
                    + Thread.currentThread().getName() + "' while " + this
                    + " is pending; await the future from an @Async method instead");
        }
    }

    /** Returns true when done, false on timeout. {@code nanos == 0} waits without limit. */
    private boolean blockUntilDone(long nanos) throws InterruptedException {
        Waiter waiter = new Waiter(Thread.currentThread());
        addCallback(waiter);
        long deadline = nanos == 0 ? 0 : System.nanoTime() + nanos;
        try {
            while (!waiter.done) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                if (nanos == 0) {
                    LockSupport.park(this);
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return isDone();
                    }
                    LockSupport.parkNanos(this, left);
                }
            }
            return true;
        } finally {
            if (!waiter.done) {
                removeCallback(waiter);
            }
        }
    }

    private static final class Waiter implements Consumer<Future<?>> {
        final Thread thread;
        volatile boolean done;

        Waiter(Thread thread) {
            this.thread = thread;
        }

        @Override
        public void accept(Future<?> f) {
            done = true;
            LockSupport.unpark(thread);
        }
    }

    // ---------------------------------------------------------------------------------------------- interop

    /**
     * A future that follows {@code stage}: it finishes when the stage does, with its value or its exception
     * (unwrapped from {@link CompletionException}); cancelling the future cancels the stage (when the stage is
     * also a {@link java.util.concurrent.Future}) and a cancelled stage cancels the future. The future belongs to
     * the loop running on this thread, if any, and the stage's completion is carried to that loop's thread.
     */
    public static <T> Future<T> from(CompletionStage<T> stage) {
        Objects.requireNonNull(stage, "stage");
        if (stage instanceof Future<T> same) {
            return same;
        }
        Future<T> f = new Future<>();
        f.follow(stage);
        return f;
    }

    /** Makes this future follow {@code stage} (see {@link #from}). */
    final void follow(CompletionStage<? extends T> stage) {
        VirtualClock clock = heldClock(stage);
        if (clock == null) {
            stage.whenComplete(this::takeOutcome);
        } else {
            long work = clock.take();
            stage.whenComplete((value, error) -> clock.handOverAndRelease(work, () -> takeOutcome(value, error)));
        }
        if (stage instanceof java.util.concurrent.Future<?> source && !isDoneOrOpaque(source)) {
            addCallback((Consumer<Future<?>>) done -> {
                if (done.isCancelled()) {
                    source.cancel(false);
                }
            });
        }
    }

    /**
     * The virtual clock that {@code stage}, followed by this future, holds until it completes (see {@link
     * VirtualClock}); null for a loop in real time, a stage done already, or one of this loop's own.
     */
    private VirtualClock heldClock(CompletionStage<?> stage) {
        EventLoop l = loop;
        VirtualClock clock = l == null ? null : l.virtualClockOrNull();
        if (clock == null) {
            return null;
        }
        CompletableFuture<?> cf;
        try {
            cf = stage.toCompletableFuture();
        } catch (RuntimeException opaque) {
            cf = null;
        }
        if (cf != null && (cf.isDone() || !LoopCompletableFuture.leavesLoop(cf, l))) {
            return null;
        }
        return clock;
    }

    private void takeOutcome(Object value, Throwable error) {
        if (error == null) {
            tryTransition(FINISHED, value);
        } else {
            Throwable cause = unwrap(error);
            if (cause instanceof CancellationException ce) {
                tryTransition(CANCELLED, ce.getMessage());
            } else {
                tryTransition(FAILED, cause);
            }
        }
    }

    /**
     * A done CompletableFuture showing {@code stage}'s outcome, or {@code null} when the stage is not done (or
     * will not say). {@code CompletableFuture.minimalCompletionStage()} answers nothing but through
     * {@code toCompletableFuture()}, and a stage may refuse even that.
     */
    static <T> CompletableFuture<T> doneView(CompletionStage<T> stage) {
        try {
            CompletableFuture<T> cf = stage.toCompletableFuture();
            return cf.isDone() ? cf : null;
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    /** A loop-less future already done as the done {@code cf} is: one object, no callback registered. */
    static <T> Future<T> copyOfDone(CompletableFuture<T> cf) {
        Future<T> f = new Future<>((EventLoop) null);
        try {
            f.tryTransition(FINISHED, cf.join());
        } catch (CancellationException e) {
            f.tryTransition(CANCELLED, e.getMessage());
        } catch (CompletionException e) {
            f.tryTransition(FAILED, unwrap(e));
        }
        return f;
    }

    /** {@code isDone()}, with "true" for a future that refuses to answer (a minimal stage): nothing to cancel. */
    private static boolean isDoneOrOpaque(java.util.concurrent.Future<?> f) {
        try {
            return f.isDone();
        } catch (UnsupportedOperationException e) {
            return true;
        }
    }

    /**
     * Makes this future finish as {@code result} does: another {@link Future} or a {@link CompletionStage} is
     * followed to its outcome, anything else is the value.
     */
    @SuppressWarnings("unchecked")
    final void adopt(Object result) {
        if (result instanceof Future<?> other) {
            if (other == this) {
                tryTransition(FAILED, new IllegalStateException(this + " cannot finish with its own outcome"));
            } else if (other.isDone()) {
                copyOutcomeOf(other);
            } else {
                other.addCallback((Consumer<Future<?>>) this::copyOutcomeOf);
            }
        } else if (result instanceof CompletionStage<?> stage) {
            follow((CompletionStage<? extends T>) stage);
        } else {
            tryTransition(FINISHED, result);
        }
    }

    /** Finishes this future as the done future {@code other} did (if still pending). */
    final void copyOutcomeOf(Future<?> other) {
        if (DebugChecks.tracking) {
            DebugChecks.observed(other); // its outcome is passed on: not a failure nobody retrieved
        }
        int s = other.state();
        if (s == CANCELLED) {
            tryTransition(CANCELLED, other.cancelMessage());
        } else {
            if (s == FAILED) {
                other.retrieved(); // passed on: this future carries it now, and is watched in turn
            }
            tryTransition(s, other.outcome);
        }
    }

    /**
     * A {@link CompletableFuture} that completes as this future does; cancelling it cancels this future.
     */
    public CompletableFuture<T> toCompletableFuture() {
        CompletableFuture<T> cf = loop == null ? new CompletableFuture<>() : new LoopCompletableFuture<>(loop);
        addCallback((Consumer<Future<?>>) done -> passOutcomeTo(cf));
        cf.whenComplete((v, e) -> {
            if (cf.isCancelled()) {
                cancel();
            }
        });
        return cf;
    }


    /**
     * Completes {@code cf} as this done future is: with its value, its exception (the original one, which counts as
     * retrieved), or, when cancelled, its CancellationException (so {@code cf.isCancelled()}).
     */
    final void passOutcomeTo(CompletableFuture<? super T> cf) {
        int s = state();
        if (s == FINISHED) {
            @SuppressWarnings("unchecked")
            T value = (T) outcome;
            cf.complete(value);
        } else if (s == FAILED) {
            retrieved(); // passed on to the CompletableFuture
            cf.completeExceptionally((Throwable) outcome);
        } else {
            cf.completeExceptionally(cancellationException());
        }
    }

    // ---------------------------------------------------------------------------------------------- CompletionStage

    /*
     * Future is a CompletionStage so that Java's own async APIs take a Task as they take a CompletableFuture, and
     * so that EventLoop.run can infer its result type from a Task, a CompletableFuture or any stage alike. Each
     * method below runs on a CompletableFuture that follows this future (see toCompletableFuture): dependent
     * actions run on the thread that completes it, which for an owned future is its loop's thread.
     */

    @Override
    public <U> CompletionStage<U> thenApply(Function<? super T, ? extends U> fn) {
        return toCompletableFuture().thenApply(fn);
    }

    @Override
    public <U> CompletionStage<U> thenApplyAsync(Function<? super T, ? extends U> fn) {
        return toCompletableFuture().thenApplyAsync(fn);
    }

    @Override
    public <U> CompletionStage<U> thenApplyAsync(Function<? super T, ? extends U> fn, Executor executor) {
        return toCompletableFuture().thenApplyAsync(fn, executor);
    }

    @Override
    public CompletionStage<Void> thenAccept(Consumer<? super T> action) {
        return toCompletableFuture().thenAccept(action);
    }

    @Override
    public CompletionStage<Void> thenAcceptAsync(Consumer<? super T> action) {
        return toCompletableFuture().thenAcceptAsync(action);
    }

    @Override
    public CompletionStage<Void> thenAcceptAsync(Consumer<? super T> action, Executor executor) {
        return toCompletableFuture().thenAcceptAsync(action, executor);
    }

    @Override
    public CompletionStage<Void> thenRun(Runnable action) {
        return toCompletableFuture().thenRun(action);
    }

    @Override
    public CompletionStage<Void> thenRunAsync(Runnable action) {
        return toCompletableFuture().thenRunAsync(action);
    }

    @Override
    public CompletionStage<Void> thenRunAsync(Runnable action, Executor executor) {
        return toCompletableFuture().thenRunAsync(action, executor);
    }

    @Override
    public <U, V> CompletionStage<V> thenCombine(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn) {
        return toCompletableFuture().thenCombine(other, fn);
    }

    @Override
    public <U, V> CompletionStage<V> thenCombineAsync(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn) {
        return toCompletableFuture().thenCombineAsync(other, fn);
    }

    @Override
    public <U, V> CompletionStage<V> thenCombineAsync(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn, Executor executor) {
        return toCompletableFuture().thenCombineAsync(other, fn, executor);
    }

    @Override
    public <U> CompletionStage<Void> thenAcceptBoth(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action) {
        return toCompletableFuture().thenAcceptBoth(other, action);
    }

    @Override
    public <U> CompletionStage<Void> thenAcceptBothAsync(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action) {
        return toCompletableFuture().thenAcceptBothAsync(other, action);
    }

    @Override
    public <U> CompletionStage<Void> thenAcceptBothAsync(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action, Executor executor) {
        return toCompletableFuture().thenAcceptBothAsync(other, action, executor);
    }

    @Override
    public CompletionStage<Void> runAfterBoth(CompletionStage<?> other, Runnable action) {
        return toCompletableFuture().runAfterBoth(other, action);
    }

    @Override
    public CompletionStage<Void> runAfterBothAsync(CompletionStage<?> other, Runnable action) {
        return toCompletableFuture().runAfterBothAsync(other, action);
    }

    @Override
    public CompletionStage<Void> runAfterBothAsync(CompletionStage<?> other, Runnable action, Executor executor) {
        return toCompletableFuture().runAfterBothAsync(other, action, executor);
    }

    @Override
    public <U> CompletionStage<U> applyToEither(CompletionStage<? extends T> other, Function<? super T, U> fn) {
        return toCompletableFuture().applyToEither(other, fn);
    }

    @Override
    public <U> CompletionStage<U> applyToEitherAsync(CompletionStage<? extends T> other, Function<? super T, U> fn) {
        return toCompletableFuture().applyToEitherAsync(other, fn);
    }

    @Override
    public <U> CompletionStage<U> applyToEitherAsync(CompletionStage<? extends T> other, Function<? super T, U> fn, Executor executor) {
        return toCompletableFuture().applyToEitherAsync(other, fn, executor);
    }

    @Override
    public CompletionStage<Void> acceptEither(CompletionStage<? extends T> other, Consumer<? super T> action) {
        return toCompletableFuture().acceptEither(other, action);
    }

    @Override
    public CompletionStage<Void> acceptEitherAsync(CompletionStage<? extends T> other, Consumer<? super T> action) {
        return toCompletableFuture().acceptEitherAsync(other, action);
    }

    @Override
    public CompletionStage<Void> acceptEitherAsync(CompletionStage<? extends T> other, Consumer<? super T> action, Executor executor) {
        return toCompletableFuture().acceptEitherAsync(other, action, executor);
    }

    @Override
    public CompletionStage<Void> runAfterEither(CompletionStage<?> other, Runnable action) {
        return toCompletableFuture().runAfterEither(other, action);
    }

    @Override
    public CompletionStage<Void> runAfterEitherAsync(CompletionStage<?> other, Runnable action) {
        return toCompletableFuture().runAfterEitherAsync(other, action);
    }

    @Override
    public CompletionStage<Void> runAfterEitherAsync(CompletionStage<?> other, Runnable action, Executor executor) {
        return toCompletableFuture().runAfterEitherAsync(other, action, executor);
    }

    @Override
    public <U> CompletionStage<U> thenCompose(Function<? super T, ? extends CompletionStage<U>> fn) {
        return toCompletableFuture().thenCompose(fn);
    }

    @Override
    public <U> CompletionStage<U> thenComposeAsync(Function<? super T, ? extends CompletionStage<U>> fn) {
        return toCompletableFuture().thenComposeAsync(fn);
    }

    @Override
    public <U> CompletionStage<U> thenComposeAsync(Function<? super T, ? extends CompletionStage<U>> fn, Executor executor) {
        return toCompletableFuture().thenComposeAsync(fn, executor);
    }

    @Override
    public <U> CompletionStage<U> handle(BiFunction<? super T, Throwable, ? extends U> fn) {
        return toCompletableFuture().handle(fn);
    }

    @Override
    public <U> CompletionStage<U> handleAsync(BiFunction<? super T, Throwable, ? extends U> fn) {
        return toCompletableFuture().handleAsync(fn);
    }

    @Override
    public <U> CompletionStage<U> handleAsync(BiFunction<? super T, Throwable, ? extends U> fn, Executor executor) {
        return toCompletableFuture().handleAsync(fn, executor);
    }

    @Override
    public CompletionStage<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
        return toCompletableFuture().whenComplete(action);
    }

    @Override
    public CompletionStage<T> whenCompleteAsync(BiConsumer<? super T, ? super Throwable> action) {
        return toCompletableFuture().whenCompleteAsync(action);
    }

    @Override
    public CompletionStage<T> whenCompleteAsync(BiConsumer<? super T, ? super Throwable> action, Executor executor) {
        return toCompletableFuture().whenCompleteAsync(action, executor);
    }

    @Override
    public CompletionStage<T> exceptionally(Function<Throwable, ? extends T> fn) {
        return toCompletableFuture().exceptionally(fn);
    }

    /** Strips the wrappers {@link CompletableFuture} and {@link java.util.concurrent.Future#get()} add. */
    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @SuppressWarnings("unchecked")
    static <E extends Throwable> E sneakyThrow(Throwable t) throws E {
        throw (E) t;
    }

    // ---------------------------------------------------------------------------------------------- display

    String kind() {
        return "Future";
    }

    /** {@code Task@4c873330}, and the task's name when it has one: {@code Task@4c873330 'fetch'}. */
    static String id(Future<?> f) {
        String id = f.kind() + "@" + Integer.toHexString(System.identityHashCode(f));
        String name = f instanceof Task<?> t ? TaskNames.given(t) : null;
        return name == null ? id : id + " '" + name + "'";
    }

    @Override
    public String toString() {
        int s = state();
        String what;
        switch (s) {
            case PENDING:
                what = "pending";
                break;
            case CANCELLED:
                what = "cancelled";
                break;
            case FAILED:
                what = "failed " + outcome;
                break;
            default:
                what = "finished result=" + outcome;
        }
        return id(this) + "[" + what + "]";
    }
}
