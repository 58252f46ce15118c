package dev.weft.runtime;

/**
 * How a loop waits for work when nothing is ready, and how other threads wake it: the part of a turn asyncio leaves
 * to its selector ({@code BaseEventLoop._run_once} calls {@code self._selector.select(timeout)}). A loop that runs
 * itself parks its thread ({@link ParkWaiter}); a loop attached to an executor never waits, its turns are jobs on
 * that executor ({@link AttachedDriver}). The I/O of issue #14 adds a selector here.
 *
 * <p>The hand-over with a producer is the classic one: a producer appends to the inbox, then calls {@link #wake};
 * the loop marks itself asleep, then looks at the inbox once more before it blocks. Either the loop sees the
 * entry, or the producer sees the loop asleep and wakes it.
 */
abstract class LoopWaiter {
    /**
     * Loop thread, nothing ready: blocks until woken, {@code timeoutNanos} elapse (negative: no limit), or, once
     * the loop is marked asleep, {@code inbox} is found not empty.
     */
    abstract void await(Inbox inbox, long timeoutNanos);

    /** Any thread, after putting work in the inbox: makes the loop take a turn soon. */
    abstract void wake();
}
