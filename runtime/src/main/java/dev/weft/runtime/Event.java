package dev.weft.runtime;

import java.util.ArrayDeque;

/**
 * A flag tasks can wait for, in the model of asyncio's {@code Event}: {@link #set()} wakes every task waiting in
 * {@link #waitFor()}, and later waits return at once until {@link #clear()}.
 *
 * <pre>{@code
 * Event ready = new Event();
 *
 * @Async
 * Task<Void> worker() {
 *     await(ready.waitFor());             // suspends until someone calls ready.set()
 *     System.out.println("go");
 *     return Task.completed(null);
 * }
 *
 * worker(); worker();
 * ready.set();                            // both workers print "go", in the order they waited
 * }</pre>
 *
 * <p>The wait is named {@code waitFor} because {@code wait} is {@link Object#wait()}'s. Cancelling a wait
 * affects that waiter only. An event belongs to the event loop running on the thread that first waits on it
 * and is used on that thread only, as asyncio's are.
 */
public final class Event {
    private final ArrayDeque<Waiter<Void>> waiters = new ArrayDeque<>();
    private final LoopBinding binding = new LoopBinding();
    private boolean set;

    /** A new event, not set. */
    public Event() {
    }

    /**
     * Waits until the event is set: a future done at once when it is set now.
     *
     * @return a future to {@code await}
     */
    public Future<Void> waitFor() {
        EventLoop loop = binding.check(this);
        if (set) {
            return Future.completed(null);
        }
        Waiter<Void> w = new Waiter<>(loop, waiters);
        waiters.addLast(w);
        return w;
    }

    /** Sets the event and wakes every waiter, in the order they started waiting. Setting it again does nothing. */
    public void set() {
        if (set) {
            return;
        }
        set = true;
        Waiter<Void> w;
        while ((w = waiters.pollFirst()) != null) {
            w.tryComplete(null);
        }
    }

    /** Clears the event: later {@link #waitFor()} calls wait for the next {@link #set()}. */
    public void clear() {
        set = false;
    }

    /** True when the event is set. */
    public boolean isSet() {
        return set;
    }

    @Override
    public String toString() {
        return "Event@" + Integer.toHexString(System.identityHashCode(this)) + "[" + (set ? "set" : "unset")
                + (waiters.isEmpty() ? "" : ", waiters:" + waiters.size()) + "]";
    }
}
