package dev.weft.runtime;

/**
 * A {@link Semaphore} that refuses to be released more times than it was acquired, in the model of asyncio's
 * {@code BoundedSemaphore}: an extra {@link #release()} is a bug in the caller, reported at once rather than
 * silently allowing one more task in.
 *
 * <pre>{@code
 * BoundedSemaphore slots = new BoundedSemaphore(2);
 * await(slots.acquire());
 * slots.release();
 * slots.release();   // IllegalStateException: released too many times
 * }</pre>
 */
public final class BoundedSemaphore extends Semaphore {
    private final int bound;

    /**
     * A bounded semaphore with {@code permits} free permits, which is also the most it can have.
     *
     * @throws IllegalArgumentException when {@code permits} is negative
     */
    public BoundedSemaphore(int permits) {
        super(permits);
        this.bound = permits;
    }

    /**
     * Gives a permit back.
     *
     * @throws IllegalStateException when {@link #availablePermits()} is at the bound already (released more times
     *     than acquired), as asyncio's check of its {@code _value}
     */
    @Override
    public void release() {
        if (availablePermits() >= bound) {
            throw new IllegalStateException("BoundedSemaphore released too many times: " + this);
        }
        super.release();
    }
}
