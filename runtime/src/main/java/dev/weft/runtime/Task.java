package dev.weft.runtime;

import java.util.concurrent.CancellationException;

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
 * {@code await}, so its catch and finally blocks run. A request made while the task is not waiting (it is
 * running, or its awaited future would not be cancelled) is remembered and thrown in at the next step. A task
 * whose coroutine lets the CancellationException escape is cancelled ({@link #isCancelled()}); one that catches
 * it and goes on keeps running. {@link #cancelling()} counts the requests made, and {@link #uncancel()} takes one
 * back, which is how a timeout tells its own cancellation from an outer one.
 *
 * <p><b>Generated coroutines</b> subclass {@code Task} and override {@link #step}, so the task, the saved
 * locals of the suspended method and its registration on the awaited future are one object.
 *
 * @param <T> the result type
 */
public class Task<T> extends Future<T> {

    /** The future this task's coroutine is suspended on, or null. */
    private Future<?> awaiting;
    /**
     * Cancellation requests not taken back with uncancel() (the low bits), and {@link #MUST_CANCEL}: a
     * cancellation to throw into the coroutine at its next step, whose message waits in {@code outcome}. One int,
     * so a suspended task stays small (issue #5's memory targets).
     */
    private int cancelState;
    /** Where the owner loop keeps this task among its pending ones, or -1. */
    int pendingIndex = -1;
    /** The context variables this task sees; its creator's, copied on write. */
    Context context = Context.EMPTY;

    private static final int MUST_CANCEL = 1 << 31;
    private static final int REQUESTS = ~MUST_CANCEL;

    /** A task of the loop running on this thread (or of none); a subclass starts it with {@link #begin()}. */
    protected Task() {
        super();
        context = Context.forNewTask(loop);
    }

    private Task(EventLoop loop) {
        super(loop);
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

    /** Registers the task with its loop and runs its first step, now. */
    protected final void begin() {
        EventLoop l = loop;
        if (l != null) {
            l.register(this);
        }
        resume(null, null);
    }

    // ------------------------------------------------------------------------------------------ stepping

    /** The future-done callback: step now when loop-less, else schedule the step on the task's loop. */
    final void wake(Future<?> future) {
        EventLoop l = loop;
        if (l == null) {
            resumeFrom(future);
        } else {
            l.schedule(this, future);
        }
    }

    /** Steps with the outcome of {@code future} (done), or with nothing when {@code future} is null. */
    final void resumeFrom(Future<?> future) {
        if (DebugChecks.tracking && future != null) {
            DebugChecks.observed(future);
        }
        if (future == null) {
            resume(null, null);
            return;
        }
        int s = future.state();
        if (s == FINISHED) {
            resume(future.outcome, null);
        } else if (s == FAILED) {
            resume(null, (Throwable) future.outcome);
        } else if (s == CANCELLED) {
            resume(null, future.cancellationException());
        } else {
            resume(null, new IllegalStateException(this + " was woken by " + future + ", which is not done"));
        }
    }

    /** asyncio's {@code __step}: one step, then finish or wait. */
    private void resume(Object sent, Throwable thrown) {
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
            if (l != null && l.debug) {
                AsyncTrace.record(thrown, awaitSite()); // debug mode: the exception keeps the awaits it crossed
            }
        }
        Task<?> previous;
        if (l != null) {
            previous = l.currentTask;
            l.currentTask = this;
        } else {
            previous = Context.LOOPLESS_CURRENT.get();
            Context.LOOPLESS_CURRENT.set(this);
        }
        Object result;
        try {
            result = step(sent, thrown);
        } catch (Throwable e) {
            restoreCurrent(l, previous);
            stepThrew(e);
            return;
        }
        restoreCurrent(l, previous);
        stepReturned(result);
    }

    private static void restoreCurrent(EventLoop l, Task<?> previous) {
        if (l != null) {
            l.currentTask = previous;
        } else if (previous == null) {
            Context.LOOPLESS_CURRENT.remove();
        } else {
            Context.LOOPLESS_CURRENT.set(previous);
        }
    }

    /**
     * The first step, when generated code runs it itself (so an async call that completes at once costs one stack
     * frame, as the source method did): registers the task and makes it current.
     *
     * @return the task that was current, to hand back to {@link #leaveFirstStep} or {@link #failFirstStep}
     */
    final Task<?> enterFirstStep() {
        EventLoop l = loop;
        if (l == null) {
            Task<?> previous = Context.LOOPLESS_CURRENT.get();
            Context.LOOPLESS_CURRENT.set(this);
            return previous;
        }
        l.register(this);
        Task<?> previous = l.currentTask;
        l.currentTask = this;
        return previous;
    }

    final void leaveFirstStep(Task<?> previous, Object result) {
        restoreCurrent(loop, previous);
        stepReturned(result);
    }

    final void failFirstStep(Task<?> previous, Throwable exception) {
        restoreCurrent(loop, previous);
        stepThrew(exception);
    }

    private void stepThrew(Throwable e) {
        if (e instanceof CancellationException) {
            finish(CANCELLED, e);
        } else {
            finish(FAILED, e);
        }
    }

    /** After a step that returned: finish with the value, or wait on the future the coroutine suspended on. */
    private void stepReturned(Object result) {
        EventLoop l = loop;
        if (result != Coroutine.SUSPENDED) {
            finish(FINISHED, result);
            return;
        }
        Future<?> f = awaiting;
        if (f == null || f == this) {
            String why = f == null ? "suspended without a future (use task.suspendOn(future))"
                    : "cannot await itself";
            awaiting = null;
            finish(FAILED, new IllegalStateException(this + " " + why));
            return;
        }
        if (l == null) {
            synchronized (this) {
                forwardCancellation(f);
            }
        } else {
            forwardCancellation(f);
        }
        if (l != null && f instanceof Tasks.Yield && f.loop == l && l.isConfinedHere()) {
            l.enqueue(this, f); // sleep(ZERO): one turn, as asyncio's bare yield
        } else {
            f.addCallback(this);
        }
    }

    /** At the start of a step: the exception to throw in, a pending cancellation taking the place of a send. */
    private Throwable takeCancellation(Throwable thrown) {
        awaiting = null;
        if ((cancelState & MUST_CANCEL) == 0) {
            return thrown;
        }
        cancelState &= REQUESTS;
        return thrown instanceof CancellationException ? thrown : new CancellationException((String) outcome);
    }

    /** After a suspending step: a cancellation requested during the step cancels the awaited future. */
    private void forwardCancellation(Future<?> f) {
        awaiting = f;
        if ((cancelState & MUST_CANCEL) != 0 && f.cancel((String) outcome)) {
            cancelState &= REQUESTS;
        }
    }

    private void finish(int state, Object result) {
        EventLoop l = loop;
        outcome = null; // drop a pending cancellation message
        if (l == null || !l.isConfinedHere()) {
            if (l != null) {
                l.unregister(this);
            }
            tryTransition(state, result);
            return;
        }
        l.unregister(this);
        Object callbacks = transitionKeepingCallbacks(state, result);
        if (callbacks instanceof Task<?> awaiter && awaiter.loop == l && l.mayResumeDirectly()) {
            l.directDepth++;
            try {
                awaiter.resumeFrom(this); // the awaiter was next in line anyway: skip the trip through the queue
            } finally {
                l.directDepth--;
            }
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
                return false;
            }
            l.callSoonThreadsafe(() -> cancel(message));
            return true;
        }
        if (l == null) {
            Future<?> f;
            synchronized (this) {
                if (isDone()) {
                    return false;
                }
                cancelState++;
                f = awaiting;
            }
            if (f != null && f.cancel(message)) {
                return true;
            }
            synchronized (this) {
                if (isDone()) {
                    return true;
                }
                cancelState |= MUST_CANCEL;
                outcome = message;
            }
            return true;
        }
        if (isDone()) {
            return false;
        }
        cancelState++;
        Future<?> f = awaiting;
        if (f != null && f.cancel(message)) {
            return true;
        }
        cancelState |= MUST_CANCEL;
        outcome = message;
        return true;
    }

    /** How many cancellation requests are pending: made by {@link #cancel} and not taken back. */
    public int cancelling() {
        if (loop == null) {
            synchronized (this) {
                return cancelState & REQUESTS;
            }
        }
        return cancelState & REQUESTS;
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
        int requests = cancelState & REQUESTS;
        if (requests > 0) {
            requests--;
            cancelState = requests == 0 ? 0 : (cancelState & MUST_CANCEL) | requests;
        }
        return requests;
    }

    /**
     * Where this task's coroutine waits: the method and source line of the {@code await} it is suspended in, or
     * {@code null} when it is not suspended or not a generated coroutine. Generated frames override this.
     */
    protected StackTraceElement awaitSite() {
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

    /** The future this task is suspended on, or {@code null} while it runs or once it is done. */
    public Future<?> awaiting() {
        return awaiting;
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

    /** A task driving a hand-written {@link Coroutine}. */
    static final class CoroutineTask<T> extends Task<T> {
        private final Coroutine<T> coroutine;

        CoroutineTask(Coroutine<T> coroutine) {
            this.coroutine = java.util.Objects.requireNonNull(coroutine, "coroutine");
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
