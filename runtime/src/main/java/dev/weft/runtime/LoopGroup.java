package dev.weft.runtime;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A fixed group of event loops, each running on a thread of its own: how a server uses more than one core (Netty's
 * event loop group). {@link #next()} hands out the loops in turn; {@code Streams.serve(group, ...)} accepts on the
 * first loop and starts each connection's handler on the next loop in turn. Every loop keeps the single-threaded
 * model: code on a loop touches only that loop's futures and connections, and hands work to another loop with
 * {@link EventLoop#callSoonThreadsafe} or {@link EventLoop#submit}.
 *
 * <pre>{@code
 * try (LoopGroup group = LoopGroup.perCore()) {
 *     Server server = Streams.serve(group, Echo::handle, "0.0.0.0", 7000).get();
 *     ...
 * }   // close(): each loop stops, cancels its pending tasks, closes its connections and servers
 * }</pre>
 */
public final class LoopGroup implements AutoCloseable {
    private final EventLoop[] loops;
    private final Thread[] threads;
    private final AtomicInteger turn = new AtomicInteger();

    private LoopGroup(int size, String namePrefix) {
        if (size < 1) {
            throw new IllegalArgumentException("a loop group needs at least one loop: " + size);
        }
        loops = new EventLoop[size];
        threads = new Thread[size];
        for (int i = 0; i < size; i++) {
            EventLoop loop = new EventLoop();
            loops[i] = loop;
            threads[i] = new Thread(() -> {
                try {
                    loop.runForever();
                } finally {
                    loop.shutDownAndClose();
                }
            }, namePrefix + i);
        }
        for (Thread t : threads) {
            t.start();
        }
    }

    /** {@code size} loops on threads named {@code weft-loop-0}, {@code weft-loop-1}, ... */
    public static LoopGroup start(int size) {
        return new LoopGroup(size, "weft-loop-");
    }

    /** As {@link #start(int)}, the threads named {@code namePrefix + index}. */
    public static LoopGroup start(int size, String namePrefix) {
        return new LoopGroup(size, Objects.requireNonNull(namePrefix, "namePrefix"));
    }

    /** One loop per available processor. */
    public static LoopGroup perCore() {
        return start(Runtime.getRuntime().availableProcessors());
    }

    public int size() {
        return loops.length;
    }

    public EventLoop loop(int index) {
        return loops[index];
    }

    /** The loops in turn (round robin); any thread. */
    public EventLoop next() {
        return loops[Math.floorMod(turn.getAndIncrement(), loops.length)];
    }

    /** {@link EventLoop#submit} on {@link #next()}. */
    public <T> CompletableFuture<T> submit(Supplier<? extends CompletionStage<T>> call) {
        return next().submit(call);
    }

    /**
     * Stops every loop and waits up to 30 seconds for each to finish its clean-up: its pending tasks cancelled
     * (their {@code finally} blocks run), its default executor shut down, its servers and connections closed. Not
     * from one of the group's own threads.
     *
     * @throws IllegalStateException when called on a thread of the group, or when a loop did not finish in time
     */
    @Override
    public void close() {
        Thread me = Thread.currentThread();
        for (Thread t : threads) {
            if (t == me) {
                throw new IllegalStateException("Cannot close " + this + " from its own thread '" + me.getName()
                        + "': it waits for that thread to end");
            }
        }
        for (EventLoop loop : loops) {
            if (!loop.isClosed()) {
                try {
                    loop.stop();
                } catch (IllegalStateException closedMeanwhile) {
                    // its thread has ended already
                }
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " of " + this + " did not finish within 30 s");
            }
        }
    }

    @Override
    public String toString() {
        return "LoopGroup[" + loops.length + " loops]";
    }
}
