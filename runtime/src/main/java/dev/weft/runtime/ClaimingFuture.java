package dev.weft.runtime;

/**
 * A future some of whose work runs in the step of the task that resumes from it, before the task's own code goes
 * on: {@link Task#resumeFrom} calls {@link #claim} first. It stands for asyncio code that runs inside the awaiting
 * coroutine, after its {@code await}, where Weft's user only writes {@code await(x)}: {@code asyncio.wait()} sorts
 * its futures into done and pending there ({@link Futures.Waiting}), and a synchronisation primitive's coroutine
 * takes the lock, the permit or the item it was woken for there, or passes the wake-up on when a cancellation
 * reaches it instead ({@link PrimitiveWait}).
 *
 * <p>One class for both, so that resuming a task costs one type check whatever it awaited.
 *
 * @param <T> the result type
 */
abstract class ClaimingFuture<T> extends Future<T> {

    /** A pending future owned by the loop running on this thread, or by none. */
    ClaimingFuture() {
    }

    /** A pending future owned by {@code loop} (null: none). */
    ClaimingFuture(EventLoop loop) {
        super(loop);
    }

    /**
     * Runs as {@code task} resumes from this future, before the task's step and before it reads the outcome, on
     * the task's thread. It may settle the outcome the task then receives.
     *
     * @return false when the task is not to step at all but stays suspended on this future, which is pending again
     *     and has the task among its callbacks again
     */
    abstract boolean claim(Task<?> task);
}
