package dev.weft.runtime;

import java.util.concurrent.locks.LockSupport;

/** A loop that runs itself and has no channels: its thread parks, and a producer unparks it (see {@link LoopWaiter}). */
final class ParkWaiter extends LoopWaiter {
    /** The loop thread, set while it sleeps (or is about to); producers then unpark it. */
    private volatile Thread sleeper;

    @Override
    void await(Inbox inbox, long timeoutNanos) {
        sleeper = Thread.currentThread();
        try {
            if (inbox.isEmpty()) {
                if (timeoutNanos < 0) {
                    LockSupport.park(this);
                } else {
                    LockSupport.parkNanos(this, timeoutNanos);
                }
            }
        } finally {
            sleeper = null;
        }
    }

    @Override
    void wake() {
        Thread t = sleeper;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
