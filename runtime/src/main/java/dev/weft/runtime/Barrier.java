package dev.weft.runtime;

import java.util.ArrayDeque;
import java.util.concurrent.BrokenBarrierException;

/**
 * A barrier for a fixed number of tasks, in the model of asyncio's {@code Barrier} (Python 3.11+): each task
 * calls {@link #waitFor()}, and the barrier lets them all go on once {@link #parties()} of them are there; then
 * it can be used again.
 *
 * <pre>{@code
 * Barrier ready = new Barrier(3);
 *
 * @Async
 * Task<Void> player(String name) {
 *     await(load(name));
 *     int index = await(ready.waitFor());      // waits until three players have loaded
 *     if (index == 0) {
 *         System.out.println("all loaded");     // one of them, chosen by the index, does the extra work
 *     }
 *     return Task.completed(null);
 * }
 * }</pre>
 *
 * <p><b>The name {@code waitFor}.</b> asyncio's method is {@code wait}, which is {@link Object#wait()}'s name
 * (final, and it blocks the thread). {@code await} would read {@code await(barrier.await())} and suggest the
 * blocking {@link java.util.concurrent.CyclicBarrier#await()}. {@code waitFor} is the name {@link Event} and
 * {@link Condition} already give asyncio's {@code wait}.
 *
 * <p><b>Cycles.</b> The barrier is <i>filling</i> while fewer than {@code parties} tasks wait. The task that makes
 * the count complete puts it into <i>draining</i>: its own {@code waitFor()} is done at once, and every waiting
 * task is released. A task that calls {@code waitFor()} while the barrier drains waits for the next cycle, and
 * is counted in it only once every task of this cycle has left (the barrier is then filling again). Each task's
 * future gives its index, counted from 0 in the order the tasks were counted: the one that completes the count
 * gets {@code parties - 1}. As asyncio's, the index is the count when the task is counted, so after a waiter was
 * cancelled (see below) a later task can get an index that another task of the same cycle has.
 *
 * <p><b>Broken.</b> {@link #abort()} breaks the barrier: every waiting task, and every later {@code waitFor()},
 * fails with a {@link BrokenBarrierException}, until {@link #reset()}. {@code reset()} returns the barrier to an
 * empty filling state; the tasks waiting in it fail with a {@code BrokenBarrierException}, and tasks arriving
 * while those leave wait for them to have left, as while draining.
 *
 * <p><b>Why {@code BrokenBarrierException}.</b> asyncio's {@code BrokenBarrierError} is the JDK's
 * {@link BrokenBarrierException} in name and meaning ({@link java.util.concurrent.CyclicBarrier} throws it when
 * a party was interrupted or the barrier reset), so this class uses that rather than a new type, as Weft maps
 * asyncio's {@code TimeoutError} to {@link java.util.concurrent.TimeoutException}. It is a checked exception: the
 * future fails with it, {@code await(barrier.waitFor())} throws it unchanged, and a call site that catches it
 * names it with the two-argument {@code await}, as for any checked exception a future may fail with:
 *
 * <pre>{@code
 * try {
 *     int index = await(barrier.waitFor(), BrokenBarrierException.class);
 * } catch (BrokenBarrierException e) {
 *     // aborted, or reset while this task waited
 * }
 * }</pre>
 *
 * <p><b>Cancellation</b>, as asyncio's code does it. A task cancelled while the barrier fills leaves it: the
 * count goes down by one (its index may be given again). A task cancelled after the barrier released it but
 * before it resumed still counts as having left the cycle (the barrier refills once it and the others have), and
 * gets the CancellationException rather than its index; the other tasks are not affected. A task cancelled while
 * waiting for a draining barrier to refill was never counted. (asyncio also passes the wake-up of a cancelled
 * waiter to the next one; here that only changes the order in which later waiters are released, and it is done
 * the same way.)
 *
 * <p><b>Exactly asyncio's order.</b> asyncio's barrier is a {@code Condition} whose lock no task ever holds
 * across a suspension, so its lock never makes anyone wait; this class keeps the condition's list of waiters and
 * steps each waiter exactly where asyncio would step its task: in the turn after it was signalled, it checks the
 * barrier's state as it is then, and the task resumes in that same turn. So the indices, the outcomes and the
 * order in which tasks resume are asyncio's. For that, the task should {@code await} the future itself: with
 * anything else in between (a gather, a timeout), that waits one turn more, as a task wrapping asyncio's
 * {@code wait()} would. {@link #reset()} and {@link #abort()} are coroutines in asyncio only to take that lock,
 * which is always free, so here they are plain methods that act at once.
 *
 * <p>A barrier belongs to the event loop running on the thread that first waits on it and is used on that thread
 * only, as asyncio's are.
 */
public final class Barrier {
    private enum State {
        FILLING, DRAINING, RESETTING, BROKEN;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final int parties;
    private final LoopBinding binding = new LoopBinding();
    /**
     * asyncio's {@code Condition._waiters}: the arrivals waiting on the condition, in the order they started
     * to, including those signalled (or cancelled) whose turn to step has not come yet.
     */
    private final ArrayDeque<Arrival> waiters = new ArrayDeque<>();
    private State state = State.FILLING;
    /** The tasks counted in the barrier: given an index and not yet left. */
    private int count;

    /**
     * A barrier for {@code parties} tasks.
     *
     * @param parties how many tasks have to wait for the barrier to let them go on
     * @throws IllegalArgumentException when {@code parties < 1}
     */
    public Barrier(int parties) {
        if (parties < 1) {
            throw new IllegalArgumentException("parties must be > 0, not " + parties);
        }
        this.parties = parties;
    }

    /**
     * Waits at the barrier until {@link #parties()} tasks are there (asyncio's {@code wait()}). When this call
     * completes the count, the future is done at once.
     *
     * @return a future to {@code await}, done with this task's index, from 0 to {@code parties() - 1}; it fails
     *     with {@link BrokenBarrierException} when the barrier is broken, or is aborted or reset while this task
     *     waits; cancelling it (or the awaiting task) takes this task out of the barrier, as the class doc says
     * @throws IllegalStateException when this call would wait and no event loop runs on this thread
     */
    public Future<Integer> waitFor() {
        EventLoop loop = binding.check(this);
        boolean waits = state == State.DRAINING || state == State.RESETTING
                || state == State.FILLING && count + 1 < parties;
        if (loop == null && waits) {
            throw new IllegalStateException(this + ": waitFor() has to wait, and no event loop is running on thread '"
                    + Thread.currentThread().getName() + "'");
        }
        Arrival a = new Arrival(loop);
        a.block(false); // asyncio's wait() runs up to its first suspension in the caller's step
        return a;
    }

    /**
     * Puts the barrier back to empty and filling (asyncio's {@code reset()}): tasks waiting in it now fail with
     * {@link BrokenBarrierException}, and tasks that arrive before those have left wait for them to.
     */
    public void reset() {
        if (count > 0) {
            state = State.RESETTING;
        } else {
            state = State.FILLING;
        }
        notifyAllWaiters();
    }

    /**
     * Breaks the barrier (asyncio's {@code abort()}): tasks waiting in it now, and every later
     * {@link #waitFor()} until a {@link #reset()}, fail with {@link BrokenBarrierException}.
     */
    public void abort() {
        state = State.BROKEN;
        notifyAllWaiters();
    }

    /** How many tasks the barrier waits for. */
    public int parties() {
        return parties;
    }

    /** How many tasks wait in the barrier while it fills; 0 while it drains, resets or is broken. */
    public int nWaiting() {
        return state == State.FILLING ? count : 0;
    }

    /** True when the barrier was aborted (and not reset since). */
    public boolean isBroken() {
        return state == State.BROKEN;
    }

    @Override
    public String toString() {
        return "Barrier@" + Integer.toHexString(System.identityHashCode(this)) + "[" + state.label()
                + (state == State.BROKEN ? "" : ", waiters:" + nWaiting() + "/" + parties) + "]";
    }

    // ------------------------------------------------------------------------------------------ asyncio's code

    /** asyncio's {@code _exit()}, run as a counted task leaves (the {@code finally} of {@code wait()}). */
    private void leave() {
        count--;
        if (count == 0) {
            if (state == State.RESETTING || state == State.DRAINING) {
                state = State.FILLING;
            }
            notifyAllWaiters();
        }
    }

    private void notifyAllWaiters() {
        notifyWaiters(Integer.MAX_VALUE);
    }

    /** asyncio's {@code Condition._notify(n)}: signals the first {@code n} waiters not signalled yet. */
    private void notifyWaiters(int n) {
        int woken = 0;
        for (Arrival a : waiters) {
            if (woken >= n) {
                break;
            }
            if (!a.signalled) {
                woken++;
                a.signal();
            }
        }
    }

    /**
     * One {@code waitFor()}: asyncio's {@code wait()} coroutine, stepped by the barrier. Each time the coroutine
     * waits on the condition, the arrival joins {@link #waiters}; when it is signalled or cancelled, its next step
     * is scheduled with {@code callSoon}, where asyncio schedules the task's wake-up, and that step ends by
     * resuming the awaiting task at once, as asyncio's task goes on in the same step.
     */
    private final class Arrival extends Future<Integer> {
        private final Runnable step = this::resume;
        /** False while blocked in {@code _block()} (not counted yet), true while in {@code _wait()}. */
        private boolean counted;
        private int index;
        /** The condition future is done: signalled or cancelled; the next step is scheduled. */
        boolean signalled;
        private boolean cancelRequested;
        private String cancelMessage;

        Arrival(EventLoop loop) {
            super(loop);
        }

        /** asyncio's {@code _block()}: wait while the barrier drains or resets, fail when it is broken. */
        void block(boolean resumed) {
            if (state == State.DRAINING || state == State.RESETTING) {
                waitOnCondition();
                return;
            }
            if (state == State.BROKEN) {
                finish(FAILED, new BrokenBarrierException("Barrier aborted"), resumed);
                return;
            }
            index = count++;
            counted = true;
            if (index + 1 == parties) {
                state = State.DRAINING; // _release()
                notifyAllWaiters();
                leave();
                finish(FINISHED, index, resumed);
                return;
            }
            waitInBarrier(resumed);
        }

        /** asyncio's {@code _wait()}: wait while the barrier fills, fail when it was aborted or reset. */
        void waitInBarrier(boolean resumed) {
            if (state == State.FILLING) {
                waitOnCondition();
                return;
            }
            boolean broken = state == State.BROKEN || state == State.RESETTING;
            leave();
            if (broken) {
                finish(FAILED, new BrokenBarrierException("Abort or reset of barrier"), resumed);
            } else {
                finish(FINISHED, index, resumed);
            }
        }

        /** asyncio's {@code Condition.wait()}, up to its {@code await fut}. */
        private void waitOnCondition() {
            signalled = false;
            waiters.addLast(this);
        }

        /** The condition future is set: the task's wake-up is scheduled. */
        void signal() {
            signalled = true;
            loop.callSoon(step);
        }

        /** The task's step after its condition future was set or cancelled. */
        private void resume() {
            waiters.remove(this); // Condition.wait()'s finally
            if (cancelRequested || isDone()) {
                // CancelledError at the await: Condition.wait() passes the wake-up on, wait()'s finally leaves
                notifyWaiters(1);
                if (counted) {
                    leave();
                }
                finish(CANCELLED, cancelMessage, true);
                return;
            }
            if (counted) {
                waitInBarrier(true);
            } else {
                block(true);
            }
        }

        /** Finishes the future; in a step of the barrier's, the awaiting task goes on at once, as asyncio's. */
        private void finish(int newState, Object newOutcome, boolean resumed) {
            if (!resumed) {
                tryTransition(newState, newOutcome); // inside waitFor(): nobody awaits it yet
                return;
            }
            EventLoop l = loop;
            boolean direct = pendingCallbacks() instanceof Task<?> awaiter && awaiter.loop == l;
            Object callbacks = transitionKeepingCallbacks(newState, newOutcome, !direct);
            if (callbacks == this) {
                return; // completed by someone else meanwhile
            }
            if (direct) {
                l.directDepth++;
                try {
                    ((Task<?>) callbacks).resumeFrom(this);
                } finally {
                    l.directDepth--;
                }
            } else {
                scheduleCallbacks(callbacks);
            }
        }

        /**
         * asyncio cancels the condition future (when not yet set) or throws the cancellation into the task at its
         * next step: either way the barrier sees it in that step, and this future is cancelled then.
         */
        @Override
        public boolean cancel(String message) {
            if (isDone()) {
                return refuseCancelWhenDone();
            }
            if (loop != null && !loop.isConfinedHere()) {
                loop.callSoonThreadsafe(() -> cancel(message)); // the barrier's state is its loop thread's
                return true;
            }
            if (!cancelRequested) {
                cancelRequested = true;
                cancelMessage = message;
                if (!signalled) {
                    signal();
                }
            }
            return true;
        }

        @Override
        String kind() {
            return "Barrier.waitFor";
        }
    }
}
