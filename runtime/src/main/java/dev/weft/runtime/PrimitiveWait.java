package dev.weft.runtime;

/**
 * One wait in a synchronisation primitive's coroutine, as asyncio writes them ({@code Lock.acquire},
 * {@code Semaphore.acquire}, {@code Condition.wait}, {@code Queue.get} and {@code put}): the coroutine makes a
 * future {@code fut}, puts it in the primitive's list of waiters and awaits it; the primitive wakes it with
 * {@code fut.set_result()}, handing nothing over; when the coroutine's task runs, the coroutine claims what it was
 * woken for (the lock, a permit, an item, a free slot), or waits again when that is gone, or, when a
 * CancelledError reaches its {@code await} instead, passes the wake-up on. Which task gets what, and when, follows
 * from that, so Weft's primitives are written the same way.
 *
 * <p>This future is both halves. To the primitive it is {@code fut}, while it is in the primitive's list:
 * {@link #wake()} is {@code fut.set_result()}, {@link #waitOver()} is {@code fut.done()}, {@link #futCancelled()}
 * is {@code fut.cancelled()}. To the user it is the coroutine: it stays pending until {@link #resume(boolean)}, the
 * primitive's code after {@code await fut}, has finished it.
 *
 * <p><b>Where the resumption runs</b>: where asyncio runs it, in the awaiting task's step. A wake-up (or a
 * cancellation while waiting) schedules the task itself when it is the future's only callback, as asyncio's
 * {@code fut} schedules its task, and {@link #claim} runs the resumption as the task resumes, before the task's
 * code goes on. Any other waiter (a callback, a gather, a task that shares the future with a callback) gets the
 * resumption as a callback of its own, scheduled at the wake-up, and the outcome then reaches the callbacks as any
 * future's does, a turn later: as if asyncio had wrapped the coroutine in a task, which is what its
 * {@code gather} and {@code wait_for} do. Without a loop the resumption runs at once.
 *
 * <p><b>Cancellation.</b> {@link #cancel} while waiting is {@code fut.cancel()}: the resumption sees a
 * CancelledError. Once woken, {@code fut} is done and refuses, so a task awaiting this future is cancelled as
 * asyncio's is when its future is done: the request is due at the task's next step ({@code _must_cancel});
 * {@link #claim} takes it over, and the resumption sees the CancelledError. A task's {@code uncancel()} before
 * that step withdraws it, as in asyncio 3.13. For a waiter that is not a task, {@code cancel()} after the wake-up
 * plays that task's part: it succeeds, and the resumption sees a CancelledError.
 *
 * <p>Only the primitive finishes it: {@code complete} and {@code fail} throw. Loop thread only, as the primitives.
 *
 * @param <T> the result type
 */
abstract class PrimitiveWait<T> extends ClaimingFuture<T> {
    /** {@code fut} is pending. */
    private static final byte WAITING = 0;
    /** {@code fut.set_result()} was called: the resumption is scheduled. */
    private static final byte SET = 1;
    /** {@code fut.cancel()} was called: the resumption is scheduled, and sees a CancelledError. */
    private static final byte FUT_CANCELLED = 2;

    private byte fut;
    /** Not awaited by a task alone: {@code cancel()} came after the wake-up (that task's {@code _must_cancel}). */
    private boolean mustCancel;
    /** The task whose next step runs the resumption, taken out of the callbacks until then; or null. */
    private Task<?> stepper;
    /** The message of the cancellation the resumption sees. */
    private String cancellation;

    PrimitiveWait(EventLoop loop) {
        super(loop);
    }

    // ------------------------------------------------------------------------------------------ asyncio's fut

    /** {@code fut.done()}: woken or cancelled, its resumption not run yet (it leaves the lists then). */
    final boolean waitOver() {
        return fut != WAITING;
    }

    /** {@code fut.cancelled()}. */
    final boolean futCancelled() {
        return fut == FUT_CANCELLED;
    }

    /** {@code fut.done() and not fut.cancelled()}: woken by the primitive; asked by the resumption. */
    final boolean woken() {
        return fut == SET;
    }

    /** {@code fut.set_result()}: schedules the resumption. The caller has checked {@code !waitOver()}. */
    final void wake() {
        fut = SET;
        resumeSoon();
    }

    // ------------------------------------------------------------------------------------------ the coroutine

    /**
     * The primitive's code after {@code await fut}, run where asyncio runs it (see the class doc); this waiter is
     * still in the primitive's list, unless the primitive took it out when it woke it. Ends with the future
     * finished ({@link #finish}, {@link #finishFailed}, {@link #finishCancelled}), or with {@link #waitAgain()}.
     *
     * @param cancelled a CancelledError reached the {@code await}: {@code fut} was cancelled, or the awaiting task
     *     was after the wake-up; its message is {@link #cancellationMessage()}
     */
    abstract void resume(boolean cancelled);

    /** A new {@code fut}, pending: the resumption waits again; the caller puts this waiter back in a list. */
    final void waitAgain() {
        fut = WAITING;
        mustCancel = false;
        cancellation = null;
    }

    /** The message of the CancelledError the resumption sees. */
    final String cancellationMessage() {
        return cancellation;
    }

    final void finish(T value) {
        tryTransition(FINISHED, value);
    }

    final void finishFailed(Throwable exception) {
        tryTransition(FAILED, exception);
    }

    /** The coroutine raises the CancelledError it saw (or, with a message, one it kept). */
    final void finishCancelled(String message) {
        tryTransition(CANCELLED, message);
    }

    // ------------------------------------------------------------------------------------------ stepping

    /** After {@code fut} is done: the awaiting task's next step runs the resumption, or a callback of its own does. */
    private void resumeSoon() {
        EventLoop l = loop;
        if (l == null) {
            runResume(fut == FUT_CANCELLED); // no loop: at once, the outcome reaching the callbacks on this thread
            return;
        }
        if (pendingCallbacks() instanceof Task<?> t && t.loop == l && t.awaiting() == this && takeSoleCallback(t)) {
            stepper = t;
            l.enqueue(t, this); // the task's wake-up, as asyncio's fut schedules it; claim() runs the resumption
        } else {
            l.enqueue((Runnable) this::resumeAsCallback, null);
        }
    }

    private void resumeAsCallback() {
        if (!isDone() && fut != WAITING && stepper == null) {
            runResume(fut == FUT_CANCELLED || mustCancel);
        }
    }

    /**
     * {@link #resume}; what it throws (a PriorityQueue's comparator, say) fails this future, as it would leave
     * asyncio's coroutine.
     */
    private void runResume(boolean cancelled) {
        try {
            resume(cancelled);
        } catch (Throwable e) {
            finishFailed(e);
        }
    }

    /** The task resumes: the resumption first, seeing the cancellation due at this step, if any. */
    @Override
    final boolean claim(Task<?> task) {
        if (task != stepper) {
            return true; // nothing of ours to run in this step
        }
        stepper = null;
        boolean cancelled = fut == FUT_CANCELLED;
        String due = task.dueCancelMessage();
        if (task.takeDueCancellation() && !cancelled) {
            cancelled = true; // asyncio's __step: _must_cancel throws a CancelledError in at the await
            cancellation = due;
        }
        runResume(cancelled);
        if (isDone()) {
            return true;
        }
        addCallback(task); // waiting again, the task with it
        return false;
    }

    /**
     * While waiting, {@code fut.cancel()}: the resumption will see a CancelledError. Once woken, false for the
     * task awaiting this future, which then has the cancellation due at its next step (see the class doc); true
     * for another waiter, once.
     */
    @Override
    public boolean cancel(String message) {
        EventLoop l = loop;
        if (l != null && !l.isConfinedHere()) {
            if (isDone()) {
                return refuseCancelWhenDone();
            }
            l.callSoonThreadsafe(() -> cancel(message)); // the primitive's state is its loop thread's
            return true;
        }
        if (isDone()) {
            return refuseCancelWhenDone();
        }
        if (fut == WAITING) {
            fut = FUT_CANCELLED;
            cancellation = message;
            resumeSoon();
            return true;
        }
        if (stepper != null || fut == FUT_CANCELLED || mustCancel) {
            return false;
        }
        mustCancel = true;
        cancellation = message;
        return true;
    }

    /** The primitive finishes this future. @throws UnsupportedOperationException always */
    @Override
    public final void complete(T value) {
        throw notSettable();
    }

    /** The primitive finishes this future. @throws UnsupportedOperationException always */
    @Override
    public final void fail(Throwable exception) {
        throw notSettable();
    }

    /** The primitive finishes this future. @throws UnsupportedOperationException always */
    @Override
    public final boolean tryComplete(T value) {
        throw notSettable();
    }

    /** The primitive finishes this future. @throws UnsupportedOperationException always */
    @Override
    public final boolean tryFail(Throwable exception) {
        throw notSettable();
    }

    private UnsupportedOperationException notSettable() {
        return new UnsupportedOperationException(kind() + " is finished by its primitive; cancel() withdraws it");
    }
}
