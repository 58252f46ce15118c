package dev.weft.runtime;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * A {@link Future} that drives one coroutine, in the model of asyncio's {@code Task}.
 *
 * <p>A task runs its coroutine's first step at once, on the calling thread (contract item 2). When a step
 * suspends on a future, the task registers itself as that future's done-callback; when the future is done, the
 * task's next step sends its result, or throws its exception (the original one, contract item 4) into the
 * coroutine. The task finishes with what the coroutine returns or throws. Calling an {@code @Async} method
 * creates and starts a task; {@link #start(Coroutine)} does the same for a hand-written {@link Coroutine}.
 *
 * <p><b>Threads.</b> A task created where a loop runs belongs to it, and every later step runs on that loop's
 * thread, as a callback in its ready queue (so a woken task runs after the callbacks already ready). A task
 * created where no loop runs takes each later step on the thread that completes the future it awaits (contract
 * item 3), and completes its own future there too.
 *
 * <p><b>Cancellation</b>, as asyncio does it. {@link #cancel(String)} on a task suspended on a future cancels
 * that future; the task then wakes and a {@link CancellationException} is thrown into the coroutine at its
 * {@code await}, so its catch and finally blocks run. A request made while the task is not waiting on a future
 * (it is running, it is in {@code Tasks.sleep(Duration.ZERO)}, a bare yield with nothing to cancel, or its awaited
 * future would not be cancelled) is remembered and thrown in at the next step; a task that returns before that
 * step ends cancelled all the same, its value dropped. A task whose coroutine lets the CancellationException
 * escape is cancelled ({@link #isCancelled()}); one that catches it and goes on keeps running.
 * {@link #cancelling()} counts the requests made, and {@link #uncancel()} takes one back, which is how a timeout
 * tells its own cancellation from an outer one; taking back the last one drops a request not yet thrown in
 * (asyncio 3.13), so the task goes on.
 *
 * <p><b>Generated coroutines</b> subclass {@code Task} and override {@link #step}, so the task, the saved
 * locals of the suspended method and its registration on the awaited future are one object.
 *
 * @param <T> the result type
 */
public class Task<T> extends Future<T> implements BiConsumer<Object, Throwable> {

    /**
     * What this task's coroutine is suspended on, or null: a {@link Future}, or a {@link CompletableFuture} awaited
     * directly (the task itself is its one completion callback, see {@link #accept}).
     */
    private Object awaiting;
    /**
     * One int, so that a suspended generated frame is 32 bytes (header, the Future's three fields, {@code awaiting}
     * and this): the generated coroutine's resume point ({@link #label()}, the low 16 bits), the cancellation
     * requests not taken back with uncancel() (the next 13 bits; more are counted in {@link ManyCancels}),
     * {@link #REGISTERED}, {@link #HOLD_CANCELLATION}, and {@link #MUST_CANCEL}: a cancellation to throw into the
     * coroutine at its next step, whose message waits in a {@link CancelNote}. Written on the loop thread, or
     * under the monitor for a task without a loop.
     *
     * <p>While the task is pending, {@code outcome} holds its {@link Context} (or a {@code CancelNote} with the
     * context and the message of a cancellation due); once done, its result as for any future.
     */
    private int bits;

    private static final int MUST_CANCEL = 1 << 31;
    /** The next step receives what it is woken with, a pending cancellation waiting: {@link #holdCancellation}. */
    private static final int HOLD_CANCELLATION = 1 << 30;
    /** Among the owner loop's pending tasks (joined at the first suspension, left when done). */
    private static final int REGISTERED = 1 << 29;
    private static final int LABEL = 0xFFFF;
    private static final int REQUEST_SHIFT = 16;
    /** Requests kept in {@code bits}; the field's largest value means "and more in ManyCancels". */
    private static final int FIELD_REQUESTS = 0x1FFF;
    private static final int REQUESTS = FIELD_REQUESTS << REQUEST_SHIFT;

    /** A task of the loop running on this thread (or of none); a subclass starts it with {@link #begin()}. */
    protected Task() {
        super();
        EventLoop l = loop;
        outcome = Context.forNewTask(l);
        if (l != null && l.nextTaskName != null) { // Tasks.named: the first task made in its call takes the name
            TaskNames.set(this, l.nextTaskName);
            l.nextTaskName = null;
        }
    }

    private Task(EventLoop loop) {
        super(loop);
        outcome = Context.EMPTY;
    }

    // ------------------------------------------------------------------------------------------ the packed word

    /** The generated coroutine's resume point: which await its next step continues from (0 before the first). */
    protected final int label() {
        return bits & LABEL;
    }

    /** Sets the generated coroutine's resume point (0 to 65,535; a method has fewer awaits than that). */
    protected final void setLabel(int label) {
        if (loop == null) {
            synchronized (this) { // a loop-less task may be cancelled from any thread meanwhile
                bits = (bits & ~LABEL) | label;
            }
        } else {
            bits = (bits & ~LABEL) | label;
        }
    }

    private int requests() {
        int r = (bits & REQUESTS) >>> REQUEST_SHIFT;
        return r == FIELD_REQUESTS ? r + ManyCancels.extra(this) : r;
    }

    private void addRequest() {
        if ((bits & REQUESTS) != REQUESTS) {
            bits += 1 << REQUEST_SHIFT;
        } else {
            ManyCancels.add(this);
        }
    }

    /** Takes one request back, if any; returns the requests left. */
    private int takeBackRequest() {
        int r = (bits & REQUESTS) >>> REQUEST_SHIFT;
        if (r == FIELD_REQUESTS && ManyCancels.takeBack(this)) {
            return r + ManyCancels.extra(this);
        }
        if (r > 0) {
            bits -= 1 << REQUEST_SHIFT;
            r--;
        }
        return r;
    }

    private void clearCancelFlags() {
        bits &= ~(MUST_CANCEL | HOLD_CANCELLATION);
    }

    /** The loop keeps this task among its pending ones; loop thread. */
    final void markRegistered() {
        bits |= REGISTERED;
    }

    final boolean registered() {
        return (bits & REGISTERED) != 0;
    }

    /** Leaves the loop's pending tasks: true when it was among them. */
    final boolean takeRegistered() {
        if ((bits & REGISTERED) == 0) {
            return false;
        }
        bits &= ~REGISTERED;
        return true;
    }

    /** The context variables this task sees (its creator's, copied on write); while pending, and on its thread. */
    final Context context() {
        Object o = outcome;
        return o instanceof CancelNote n ? n.context : (Context) o;
    }

    final void setContext(Context context) {
        if (loop == null) {
            synchronized (this) { // a loop-less task's cancel may write its note from another thread
                setContextConfined(context);
            }
        } else {
            setContextConfined(context);
        }
    }

    private void setContextConfined(Context context) {
        outcome = outcome instanceof CancelNote n ? new CancelNote(context, n.message) : context;
    }

    /** The message of the cancellation requested last (kept for the CancellationException), or null. */
    private String pendingCancelMessage() {
        return outcome instanceof CancelNote n ? n.message : null;
    }

    private void setCancelMessage(String message) {
        Context c = context();
        outcome = message == null ? c : new CancelNote(c, message);
    }

    /** A pending task's context with the message of a cancellation due: made only when a message is given. */
    private static final class CancelNote {
        final Context context;
        final String message;

        CancelNote(Context context, String message) {
            this.context = context;
            this.message = message;
        }
    }

    /**
     * Cancellation requests past the 8,191 a task's word holds (a task that swallows its cancellation, cancelled
     * in a loop): rare, so kept aside. Any thread.
     */
    private static final class ManyCancels {
        private static final java.util.Map<Task<?>, int[]> EXTRA = new java.util.WeakHashMap<>();

        static synchronized int extra(Task<?> t) {
            int[] n = EXTRA.get(t);
            return n == null ? 0 : n[0];
        }

        static synchronized void add(Task<?> t) {
            EXTRA.computeIfAbsent(t, k -> new int[1])[0]++;
        }

        /** Takes one extra request back; false when there was none. */
        static synchronized boolean takeBack(Task<?> t) {
            int[] n = EXTRA.get(t);
            if (n == null) {
                return false;
            }
            if (--n[0] == 0) {
                EXTRA.remove(t);
            }
            return true;
        }
    }

    /**
     * Starts a task that drives {@code coroutine}: its first step runs now, on this thread.
     *
     * @return the task, done already when the coroutine did not suspend
     */
    public static <T> Task<T> start(Coroutine<T> coroutine) {
        CoroutineTask<T> task = new CoroutineTask<>(coroutine);
        task.begin();
        return task;
    }

    /** A task that is already finished with {@code value}: what an {@code @Async} method returns. */
    public static <T> Task<T> completed(T value) {
        Task<T> t = new Task<>((EventLoop) null);
        t.tryTransition(FINISHED, value);
        return t;
    }

    /** A task that is already finished with {@code exception}. */
    public static <T> Task<T> failed(Throwable exception) {
        Task<T> t = new Task<>((EventLoop) null);
        t.tryTransition(FAILED, java.util.Objects.requireNonNull(exception, "exception"));
        return t;
    }

    /** The task whose step is running on this thread (on its loop, or a loop-less one), or {@code null}. */
    public static Task<?> current() {
        return Context.currentTask();
    }

    /**
     * One step of the coroutine; see {@link Coroutine#step}. Generated coroutines override this; the default
     * fails, since a plain task has no coroutine.
     */
    protected Object step(Object sent, Throwable thrown) throws Throwable {
        throw new IllegalStateException(this + " has no coroutine to step");
    }

    /**
     * Records that the coroutine suspends on {@code future}; a suspending step returns what this returns.
     *
     * @return {@link Coroutine#SUSPENDED}
     */
    public final Object suspendOn(Future<?> future) {
        awaiting = future;
        return Coroutine.SUSPENDED;
    }

    /**
     * Records that the coroutine suspends on {@code stage}; a suspending step returns what this returns. A
     * {@link CompletableFuture} is awaited directly, with this task as its one completion callback (no future is
     * made for it); any other stage is followed by a future ({@link Future#from}). Cancelling the task cancels the
     * stage when it is a {@code java.util.concurrent.Future}.
     *
     * @return {@link Coroutine#SUSPENDED}
     */
    public final Object suspendOn(CompletionStage<?> stage) {
        awaiting = stage;
        return Coroutine.SUSPENDED;
    }

    /** Runs the task's first step, now (the task joins its loop's pending tasks if the step suspends). */
    protected final void begin() {
        FlightEvents.ACTIVE.created(this);
        resume(null, null, true);
    }

    // ------------------------------------------------------------------------------------------ stepping

    /** The future-done callback: step now when loop-less, else schedule the step on the task's loop. */
    final void wake(Object from) {
        EventLoop l = loop;
        if (l == null) {
            resumeFrom(from);
        } else {
            l.schedule(this, from);
        }
    }

    /**
     * Steps with the outcome of {@code from}: a done future, {@link #AWAITED_STAGE} (the CompletableFuture this task
     * awaits, if it is done), or nothing when {@code from} is null.
     */
    final void resumeFrom(Object from) {
        if (!(from instanceof Future<?> future)) {
            if (from == null) {
                resume(null, null, false);
            } else {
                resumeFromStage();
            }
            return;
        }
        if (DebugChecks.tracking) {
            DebugChecks.observed(future);
        }
        if (future instanceof ClaimingFuture<?> c && !c.claim(this)) {
            return; // the future's own code, run here, made it wait again: still suspended on it
        }
        int s = future.state();
        if (s == FINISHED) {
            resume(future.outcome, null, false);
        } else if (s == FAILED) {
            future.retrieved(); // awaited: the exception is thrown in at the await
            resume(null, (Throwable) future.outcome, false);
        } else if (s == CANCELLED) {
            resume(null, future.cancellationException(), false);
        } else {
            resume(null, new IllegalStateException(this + " was woken by " + future + ", which is not done"), false);
        }
    }

    /** What a task's wake-up carries when it comes from the CompletableFuture it awaits directly. */
    static final Object AWAITED_STAGE = new Object() {
        @Override
        public String toString() {
            return "the CompletableFuture it awaits";
        }
    };

    /**
     * The completion callback of a {@link CompletableFuture} this task awaits directly ({@link #suspendOn(
     * CompletionStage)}): schedules the next step, on the task's loop (from any thread), or runs it here when the
     * task has no loop. The values passed are not used: the step reads the stage. Harmless when called otherwise:
     * the task resumes only from a stage it awaits that is done, once.
     */
    @Override
    public final void accept(Object value, Throwable exception) {
        EventLoop l = loop;
        if (l == null) {
            Trampoline.run(this, AWAITED_STAGE);
        } else {
            l.schedule(this, AWAITED_STAGE);
        }
    }

    /**
     * Steps with the outcome of the CompletableFuture this task awaits, if it awaits one and it is done; else
     * nothing (a wake-up that came twice, or by hand). A failure arrives unwrapped (the original exception, not a
     * CompletionException), a cancellation as a CancellationException with the message given to {@link #cancel}.
     */
    private void resumeFromStage() {
        CompletableFuture<?> cf;
        String message;
        if (loop == null) {
            synchronized (this) { // claimed under the lock: two wake-ups on two threads step once
                if (!(awaiting instanceof CompletableFuture<?> c) || !c.isDone()) {
                    return;
                }
                cf = c;
                awaiting = null;
                message = pendingCancelMessage();
            }
        } else {
            if (!(awaiting instanceof CompletableFuture<?> c) || !c.isDone()) {
                return;
            }
            cf = c;
            message = pendingCancelMessage();
        }
        Object value;
        try {
            value = cf.getNow(null);
        } catch (Throwable e) {
            Throwable cause = unwrap(e);
            if (cause instanceof CancellationException ce) {
                while (ce.getCause() instanceof CancellationException stored) {
                    ce = stored; // JDK 23+: getNow throws a new CancellationException("getNow") around the stored one
                }
                cause = new CancellationException(message != null ? message : ce.getMessage());
            }
            resume(null, cause, false);
            return;
        }
        resume(value, null, false);
    }

    /** asyncio's {@code __step}: one step, then finish or wait. {@code firstStep}: run by {@link #begin()}. */
    private void resume(Object sent, Throwable thrown, boolean firstStep) {
        if (isDone()) {
            return;
        }
        EventLoop l = loop;
        if (l == null) {
            synchronized (this) { // a loop-less task may be cancelled from any thread
                thrown = takeCancellation(thrown);
            }
        } else {
            thrown = takeCancellation(thrown);
        }
        if (thrown != null) {
            sent = null;
        }
        Task<?> previous;
        if (l != null) {
            previous = l.currentTask;
            l.currentTask = this;
        } else {
            ThreadState here = ThreadState.here();
            previous = here.looplessCurrent;
            here.looplessCurrent = this;
        }
        Object event = FlightEvents.ACTIVE.beginResumed(this, firstStep);
        Object result;
        try {
            result = step(sent, thrown);
        } catch (Throwable e) {
            restoreCurrent(l, previous);
            if (event != null) {
                FlightEvents.ACTIVE.endResumed(event, this);
            }
            stepThrew(e, e == thrown, !firstStep);
            return;
        }
        restoreCurrent(l, previous);
        if (event != null) {
            FlightEvents.ACTIVE.endResumed(event, this);
        }
        stepReturned(result, !firstStep);
    }

    private static void restoreCurrent(EventLoop l, Task<?> previous) {
        if (l != null) {
            l.currentTask = previous;
        } else {
            ThreadState.here().looplessCurrent = previous;
        }
    }

    /**
     * The first step, when generated code runs it itself (so an async call that completes at once costs one stack
     * frame, as the source method did): registers the task and makes it current.
     *
     * @return the task that was current, to hand back to {@link #leaveFirstStep}
     */
    final Task<?> enterFirstStep() {
        FlightEvents.ACTIVE.created(this);
        EventLoop l = loop;
        if (l == null) {
            ThreadState here = ThreadState.here();
            if (here.entered.full()) {
                return this; // deferred: see startLater
            }
            Task<?> previous = here.looplessCurrent;
            here.looplessCurrent = this;
            here.entered.push(previous);
            return previous;
        }
        if (l.entered.full()) {
            return this; // deferred: see startLater
        }
        Task<?> previous = l.currentTask;
        l.currentTask = this;
        l.entered.push(previous);
        return previous;
    }

    /**
     * The first step was deferred ({@link #enterFirstStep} returned this task: too many first steps are nested on
     * this thread): it runs later, from the loop's queue, or without a loop when the outermost first step on this
     * thread ends, with {@code arguments} as the value sent in (the body takes its parameters from it).
     */
    final void startLater(Object[] arguments) {
        Future<Object[]> start = Future.completed(arguments);
        EventLoop l = loop;
        if (l != null) {
            l.register(this);
            l.enqueue(this, start);
        } else {
            ThreadState.here().entered.defer(this, start);
        }
    }

    final void leaveFirstStep(Task<?> previous, Object result) {
        EventLoop l = loop;
        if (l != null) {
            l.entered.pop();
            l.currentTask = previous;
        } else {
            ThreadState here = ThreadState.here();
            here.entered.pop();
            here.looplessCurrent = previous;
            if (here.entered.isEmpty()) {
                stepReturned(result, false);
                here.entered.drainDeferred();
                return;
            }
        }
        stepReturned(result, false);
    }

    /**
     * The first step let {@code exception} out to the generated entry. If the step had entered (this task is
     * current), the task that was current before it is current again; an exception before that (a
     * StackOverflowError at the body's first instruction, say) found nothing to undo.
     */
    final void failFirstStepFromEntry(Throwable exception) {
        EventLoop l = loop;
        if (l != null) {
            if (l.currentTask == this) {
                l.currentTask = l.entered.pop();
            }
        } else {
            ThreadState here = ThreadState.here();
            if (here.looplessCurrent == this) {
                here.looplessCurrent = here.entered.pop();
                if (here.entered.isEmpty()) {
                    stepThrew(exception, false, false);
                    here.entered.drainDeferred();
                    return;
                }
            }
        }
        stepThrew(exception, false, false);
    }

    /**
     * The step threw {@code e}: the task is cancelled or fails. A failure first gets its async stack (the awaits of
     * the tasks waiting for this one, see {@link AsyncTrace}), now, while they are still waiting: the failure path
     * pays for it, the success path never does.
     *
     * @param thrownIn {@code e} is what was thrown in at this task's await, which then belongs to its async stack
     * @param resumed the step was a resumption, not the first step (see {@link #finish})
     */
    private void stepThrew(Throwable e, boolean thrownIn, boolean resumed) {
        if (e instanceof CancellationException) {
            finish(CANCELLED, e, resumed);
        } else {
            if (!thrownIn) {
                AsyncTrace.hideGeneratedFrames(e); // thrown by this step: its trace passed through generated code
            }
            AsyncTrace.attach(e, this, thrownIn);
            finish(FAILED, e, resumed);
        }
    }

    /**
     * After a step that returned: finish with the value, or wait on the future the coroutine suspended on. A
     * cancellation requested during the step and not delivered (asyncio's {@code _must_cancel}) wins over the
     * value, which is dropped: the task ends cancelled, as asyncio's {@code __step} does when the coroutine stops.
     */
    private void stepReturned(Object result, boolean resumed) {
        EventLoop l = loop;
        if (result != Coroutine.SUSPENDED) {
            boolean cancelled;
            String cancelMessage;
            if (l == null) {
                synchronized (this) {
                    cancelled = takeMustCancel();
                    cancelMessage = cancelled ? pendingCancelMessage() : null;
                }
            } else {
                cancelled = takeMustCancel();
                cancelMessage = cancelled ? pendingCancelMessage() : null;
            }
            if (cancelled) {
                finish(CANCELLED, new CancellationException(cancelMessage), resumed);
            } else {
                finish(FINISHED, result, resumed);
            }
            return;
        }
        Object a = awaiting;
        if (!(a instanceof Future<?>) && a instanceof CompletionStage<?> stage) {
            if (waitOnStage(stage, l)) {
                return;
            }
            a = awaiting; // a stage that is not a CompletableFuture: followed by a future
        }
        Future<?> f = (Future<?>) a;
        if (f == null || f == this) {
            String why = f == null ? "suspended without a future (use task.suspendOn(future))"
                    : "cannot await itself";
            awaiting = null;
            finish(FAILED, new IllegalStateException(this + " " + why), resumed);
            return;
        }
        if (l == null) {
            // the cancellation first: a loop-less future cancelled with this task among its callbacks would resume
            // the task at once, inside the end of this step
            synchronized (this) {
                forwardCancellation(f);
            }
            FlightEvents.ACTIVE.suspended(this, f);
            f.addCallback(this);
            return;
        }
        awaiting = f;
        if (!registered()) {
            l.register(this, f); // a task that finishes in its first step never joins the pending tasks
        }
        FlightEvents.ACTIVE.suspended(this, f);
        if (isBareYield(f) && l.isConfinedHere()) {
            l.enqueue(this, f); // sleep(ZERO): one turn, as asyncio's bare yield
            return;
        }
        // as asyncio's __step: the task waits on f, then a cancellation due is passed to f, which so knows who
        // waits on it (a PrimitiveWait resumes its task itself)
        f.addCallback(this);
        forwardCancellation(f);
    }

    /**
     * The suspension on a stage: a {@link CompletableFuture} (or what a stage of that class gives as one) gets this
     * task as its one completion callback, and a cancellation due now cancels it (it is then done, and its
     * callback has scheduled the step that throws the CancellationException in). Any other stage is replaced by a
     * future that follows it.
     *
     * @return false when the stage was replaced by a future, which the caller then waits on
     */
    private boolean waitOnStage(CompletionStage<?> stage, EventLoop l) {
        CompletableFuture<?> cf = null;
        if (stage instanceof CompletableFuture<?> c) {
            try {
                cf = c.toCompletableFuture(); // itself; a minimal stage's answers through a new one
            } catch (RuntimeException e) {
                cf = null;
            }
        }
        if (cf == null) {
            awaiting = Future.from(stage);
            return false;
        }
        boolean cancel;
        if (l == null) {
            synchronized (this) {
                cancel = holdStage(cf);
            }
        } else {
            if (!registered()) {
                l.register(this);
            }
            cancel = holdStage(cf);
        }
        FlightEvents.ACTIVE.suspended(this, cf);
        VirtualClock clock = l == null ? null : l.virtualClockOrNull();
        if (clock != null && !cf.isDone() && LoopCompletableFuture.leavesLoop(cf, l)) {
            long work = clock.take(); // work that left the loop: the virtual clock stands still until it is back
            cf.whenComplete((value, exception) -> clock.handOverAndRelease(work, () -> accept(value, exception)));
        } else {
            cf.whenComplete(this); // done already, the step may run inside this call (no loop) or is queued
        }
        if (cancel) {
            cancelHeldStage(cf);
        }
        return true;
    }

    /**
     * The task now waits on {@code cf}: true when a cancellation is due, to pass on to it. The message of an earlier
     * cancellation is dropped otherwise, so a stage cancelled by others gives its own. Loop thread, or under the
     * monitor for a task without a loop.
     */
    private boolean holdStage(CompletableFuture<?> cf) {
        awaiting = cf;
        if ((bits & MUST_CANCEL) == 0) {
            setCancelMessage(null);
            return false;
        }
        return true;
    }

    /**
     * A cancellation reaches the stage this task waits on (its message in {@code outcome}). Cancelled, the stage's
     * callback schedules the step that throws the CancellationException in. Refused and still pending (a subclass
     * whose {@code cancel} returns false or throws), the task is woken now all the same, as asyncio's task awaiting
     * {@code wrap_future(f)} is: the step throws the cancellation in, and the stage's callback, when it comes, finds
     * the task no longer waiting on it. Done already, its callback is on its way and the cancellation stays due for
     * that step.
     */
    private void cancelHeldStage(CompletableFuture<?> cf) {
        boolean cancelled = cancelStage(cf);
        EventLoop l = loop;
        synchronized (this) { // uncontended on a loop's thread; a task without a loop may be woken elsewhere
            if (awaiting != cf || isDone()) {
                return; // resumed meanwhile (its stage done on another thread)
            }
            if (cancelled) {
                clearCancelFlags();
                return;
            }
            bits |= MUST_CANCEL;
            if (cf.isDone()) {
                return;
            }
            awaiting = null; // the stage's callback now wakes nothing; a second cancel() only marks it due
        }
        if (l == null) {
            Trampoline.run(this, null);
        } else {
            l.schedule(this, null);
        }
    }

    /** Cancels a stage this task awaits; false when it was done already or refused. */
    private static boolean cancelStage(CompletableFuture<?> cf) {
        try {
            return cf.cancel(false);
        } catch (RuntimeException e) {
            return false; // a stage that does not take cancellation: the task waits for its outcome
        }
    }

    /**
     * True when {@code f} is a {@code sleep(ZERO)} of this task's loop: asyncio's bare {@code yield}, a turn with
     * no future to wait for. A cancellation is not forwarded to it, but kept for the next step (so
     * {@link #uncancel()} can still take it back), as asyncio does when {@code _fut_waiter} is None.
     */
    private boolean isBareYield(Object f) {
        return f instanceof Tasks.Yield y && loop != null && y.loop == loop;
    }

    /** Clears and returns whether a cancellation is waiting to be delivered; the message stays in {@code outcome}. */
    private boolean takeMustCancel() {
        if ((bits & MUST_CANCEL) == 0) {
            return false;
        }
        clearCancelFlags();
        return true;
    }

    /** At the start of a step: the exception to throw in, a pending cancellation taking the place of a send. */
    private Throwable takeCancellation(Throwable thrown) {
        awaiting = null;
        int s = bits;
        if ((s & (MUST_CANCEL | HOLD_CANCELLATION)) == 0) {
            return thrown;
        }
        if ((s & HOLD_CANCELLATION) != 0) {
            bits = s & ~HOLD_CANCELLATION; // a pending cancellation waits for the step's next await
            return thrown;
        }
        clearCancelFlags();
        return thrown instanceof CancellationException ? thrown : new CancellationException(pendingCancelMessage());
    }

    /** After a suspending step: a cancellation requested during the step cancels the awaited future. */
    private void forwardCancellation(Future<?> f) {
        awaiting = f;
        if ((bits & MUST_CANCEL) != 0 && !isBareYield(f) && f.cancel(pendingCancelMessage())) {
            clearCancelFlags();
        }
    }

    /**
     * The task is done. Its awaiter, when it is a task of this loop and would be next in line anyway (see
     * {@link EventLoop#mayResumeDirectly}), is resumed at once instead of through the queue, and takes a failure
     * here and now, so the failure needs no watch. Only at the end of a resumed step: there the loop's callback
     * ends with the step, while the caller of a first step goes on with its own step, which runs before the
     * awaiter as it would with the queue. A chain of such awaiters is resumed one after another by the outermost
     * finish ({@link EventLoop#resumeChain}), so the stack does not grow with the chain.
     *
     * @param resumed the step that ends was a resumption, not a first step
     */
    private void finish(int state, Object result, boolean resumed) {
        FlightEvents.ACTIVE.completed(this, state, result);
        EventLoop l = loop;
        if (l == null || !l.isConfinedHere()) {
            if (l != null) {
                l.unregister(this, state == FAILED);
            }
            tryTransition(state, result);
            return;
        }
        l.unregister(this, state == FAILED);
        boolean direct = resumed && pendingCallbacks() instanceof Task<?> next && next.loop == l
                && l.mayResumeDirectly();
        Object callbacks = transitionKeepingCallbacks(state, result, !direct);
        if (direct && callbacks instanceof Task<?> awaiter) {
            l.resumeDirectly(awaiter, this);
        } else if (callbacks != this) {
            scheduleCallbacks(callbacks);
        }
    }

    // ------------------------------------------------------------------------------------------ cancellation

    /**
     * Requests cancellation; see the class documentation.
     *
     * @return {@code false} when the task is already done
     */
    @Override
    public boolean cancel(String message) {
        EventLoop l = loop;
        if (l != null && !l.isConfinedHere()) {
            if (isDone()) {
                return refuseCancelWhenDone();
            }
            l.callSoonThreadsafe(() -> cancel(message));
            return true;
        }
        if (l == null) {
            Object f;
            synchronized (this) {
                if (isDone()) {
                    return refuseCancelWhenDone();
                }
                addRequest();
                f = awaiting;
                if (f instanceof CompletableFuture<?>) {
                    setCancelMessage(message); // for the CancellationException thrown in at the next step
                }
            }
            if (f instanceof CompletableFuture<?> cf) {
                cancelHeldStage(cf);
                return true;
            }
            if (f instanceof Future<?> fut && fut.cancel(message)) {
                return true;
            }
            synchronized (this) {
                if (isDone()) {
                    return true;
                }
                bits |= MUST_CANCEL;
                setCancelMessage(message);
            }
            return true;
        }
        if (isDone()) {
            return refuseCancelWhenDone();
        }
        addRequest();
        Object f = awaiting;
        if (f instanceof Future<?> fut) {
            if (!isBareYield(fut) && fut.cancel(message)) {
                return true;
            }
        } else if (f instanceof CompletableFuture<?> cf) {
            setCancelMessage(message); // for the CancellationException thrown in at the next step
            cancelHeldStage(cf);
            return true;
        }
        bits |= MUST_CANCEL;
        setCancelMessage(message);
        return true;
    }

    /**
     * The task's name (asyncio's {@code get_name()}): the one given by {@link #setName} or {@link Tasks#named}, else
     * {@code Task-N}, N counted in the order tasks are first asked for their name. Names appear in {@link
     * #toString()}, {@link EventLoop#dumpTasks()} and debug mode's reports. A task that is never named costs nothing
     * for it.
     */
    public String name() {
        return TaskNames.of(this);
    }

    /** Names the task (asyncio's {@code set_name()}); any thread. */
    public void setName(String name) {
        TaskNames.set(this, java.util.Objects.requireNonNull(name, "name"));
    }

    /** How many cancellation requests are pending: made by {@link #cancel} and not taken back. */
    public int cancelling() {
        if (loop == null) {
            synchronized (this) {
                return requests();
            }
        }
        return requests();
    }

    /**
     * Takes back one cancellation request. When none is left, a cancellation not yet delivered is dropped.
     *
     * @return the requests left
     */
    public int uncancel() {
        if (loop == null) {
            synchronized (this) {
                return uncancelConfined();
            }
        }
        return uncancelConfined();
    }

    private int uncancelConfined() {
        int left = takeBackRequest();
        if (left == 0) {
            bits &= ~MUST_CANCEL;
        }
        return left;
    }

    /**
     * For a {@link ClaimingFuture}'s claim, which runs asyncio code that sees the exception this task's next step
     * is about to receive: true when a cancellation is due (requested while the task's awaited future was already
     * done, asyncio's {@code _must_cancel}), which the claim then takes over: it is cleared here, so the claim
     * decides what the step receives (its future cancelled, or waiting on). The request count stays, as in
     * asyncio. Its message is {@link #dueCancelMessage()}, read first. Loop thread.
     */
    final boolean takeDueCancellation() {
        int s = bits;
        if ((s & MUST_CANCEL) == 0 || (s & HOLD_CANCELLATION) != 0) {
            return false;
        }
        bits = s & ~MUST_CANCEL;
        return true;
    }

    /** The message of the cancellation due at the next step (see {@link #takeDueCancellation()}), or null. */
    final String dueCancelMessage() {
        return (bits & MUST_CANCEL) != 0 ? pendingCancelMessage() : null;
    }

    /**
     * For a future whose outcome stands for code that asyncio runs inside the awaiting task's step (TaskGroup's
     * exit is asyncio's {@code __aexit__}): the next step of this suspended task receives what it is woken with
     * even when a cancellation is pending at its start, and the cancellation stays pending, to be thrown in at the
     * step's next {@code await} (or to end the task cancelled if it returns). This is what asyncio does when that
     * code catches the CancelledError at its last await and then raises something else with a cancellation
     * re-requested: the task sees the exception, and is cancelled at its next await.
     *
     * <p>With {@code cancel}, also requests a cancellation that is not passed to the awaited future but pending
     * from that step on: asyncio's {@code cancel()} called in that step. Loop thread (or, for a task without a
     * loop, any thread).
     */
    final void holdCancellation(boolean cancel) {
        if (loop == null) {
            synchronized (this) {
                holdCancellationConfined(cancel);
            }
        } else {
            holdCancellationConfined(cancel);
        }
    }

    private void holdCancellationConfined(boolean cancel) {
        if (isDone() || awaiting == null) {
            return; // not suspended: nothing is about to be delivered
        }
        if (cancel) {
            if ((bits & MUST_CANCEL) == 0) {
                setCancelMessage(null); // asyncio's cancel() without a message
            }
            addRequest();
            bits |= MUST_CANCEL;
        }
        bits |= HOLD_CANCELLATION;
    }

    /**
     * Where this task's coroutine waits: the method and source line of the {@code await} it is suspended in, or
     * {@code null} when it is not a generated coroutine. Generated frames override this; while the task runs, or
     * once it is done, it names the await it last resumed from (line -1 before the first suspension).
     */
    protected StackTraceElement awaitSite() {
        return null;
    }

    /** {@link #awaitSite()} for reports, which must never fail because a subclass's override does. */
    static StackTraceElement siteOf(Task<?> t) {
        try {
            return t.awaitSite();
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /**
     * The first task waiting for this one (the first {@code Task} among its done-callbacks), looking through a
     * {@code gather} in between; {@code null} when none. For async stacks, on the failure path: this task is
     * pending, and read on its loop's thread (or under its monitor when it has no loop).
     */
    final Task<?> firstAwaiter() {
        Future<?> f = this;
        for (int hops = 0; hops < 8; hops++) {
            Object found = f.firstWaiter();
            if (found instanceof Task<?> t) {
                return t;
            }
            if (!(found instanceof Future<?> through) || through.loop != loop || through.isDone()) {
                return null;
            }
            f = through; // a gather, waited for in turn
        }
        return null;
    }

    /**
     * The async stack of a suspended task, innermost first, as a debugger shows the frames of a blocked thread:
     * the await of the deepest task in the chain of tasks awaiting one another, then the await of the task that
     * waits for it, and so on up to this task's own await. Empty when the task is not suspended.
     *
     * <pre>{@code
     * for (StackTraceElement e : task.asyncStackTrace()) System.out.println("\tat " + e);
     * }</pre>
     */
    public java.util.List<StackTraceElement> asyncStackTrace() {
        java.util.List<StackTraceElement> outerFirst = new java.util.ArrayList<>();
        java.util.Set<Task<?>> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        Task<?> t = this;
        while (t != null && !t.isDone() && seen.add(t)) {
            StackTraceElement site = t.awaitSite();
            if (site != null) {
                outerFirst.add(site);
            }
            t = t.awaiting instanceof Task<?> next ? next : null;
        }
        java.util.Collections.reverse(outerFirst);
        return outerFirst;
    }

    /**
     * What this task is suspended on: a {@link Future}, or the {@link CompletableFuture} it awaits directly; {@code
     * null} while it runs or once it is done.
     */
    public CompletionStage<?> awaiting() {
        return (CompletionStage<?>) awaiting;
    }

    // ------------------------------------------------------------------------------------------ not for tasks

    /** A task finishes when its coroutine does. @throws UnsupportedOperationException always */
    @Override
    public final void complete(T value) {
        throw notSettable();
    }

    /** A task finishes when its coroutine does. @throws UnsupportedOperationException always */
    @Override
    public final void fail(Throwable exception) {
        throw notSettable();
    }

    /** A task finishes when its coroutine does. @throws UnsupportedOperationException always */
    @Override
    public final boolean tryComplete(T value) {
        throw notSettable();
    }

    /** A task finishes when its coroutine does. @throws UnsupportedOperationException always */
    @Override
    public final boolean tryFail(Throwable exception) {
        throw notSettable();
    }

    private UnsupportedOperationException notSettable() {
        return new UnsupportedOperationException("A Task finishes when its coroutine does; "
                + "use a Future to complete a result by hand");
    }

    @Override
    String kind() {
        return "Task";
    }

    /**
     * A task whose call starts on a later turn ({@link Tasks#startSoon}): its first step calls the supplier and
     * awaits what it returns. Cancelled before that step, the call is never made.
     */
    static final class LaterTask<T> extends Task<T> {
        private java.util.function.Supplier<? extends Future<T>> call;

        LaterTask(java.util.function.Supplier<? extends Future<T>> call) {
            this.call = java.util.Objects.requireNonNull(call, "call");
        }

        /** Registers the task and queues its first step behind the callbacks already ready. */
        void startOn(EventLoop l) {
            l.register(this);
            l.enqueue(this, null);
        }

        @Override
        protected Object step(Object sent, Throwable thrown) throws Throwable {
            java.util.function.Supplier<? extends Future<T>> c = call;
            if (c != null) {
                call = null;
                if (thrown != null) {
                    throw thrown; // cancelled before it started
                }
                Future<T> f = java.util.Objects.requireNonNull(c.get(), "the call of Tasks.startSoon returned null");
                return f.isDone() ? f.result() : suspendOn(f);
            }
            if (thrown != null) {
                throw thrown;
            }
            return sent;
        }

        @Override
        public String toString() {
            Object c = call;
            return super.toString() + (c != null ? "(to call " + c + ")" : "");
        }
    }

    /** A task driving a hand-written {@link Coroutine}. */
    static final class CoroutineTask<T> extends Task<T> {
        private final Coroutine<T> coroutine;

        CoroutineTask(Coroutine<T> coroutine) {
            this.coroutine = java.util.Objects.requireNonNull(coroutine, "coroutine");
        }

        Coroutine<T> coroutine() {
            return coroutine;
        }

        @Override
        protected Object step(Object sent, Throwable thrown) throws Throwable {
            return coroutine.step(this, sent, thrown);
        }

        @Override
        public String toString() {
            return super.toString() + "(" + coroutine + ")";
        }
    }
}
