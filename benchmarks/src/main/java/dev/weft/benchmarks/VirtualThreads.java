package dev.weft.benchmarks;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Virtual threads, reached by method handle: the module compiles for Java 17, and the contender runs only on
 * Java 21 and later (it throws UnsupportedOperationException on 17, which JMH reports as a failed benchmark).
 * The virtual-thread benchmarks fork with {@code -Djdk.virtualThreadScheduler.parallelism=1}: one carrier
 * thread, the same single-threaded set-up as the event loops.
 */
final class VirtualThreads {
    static final String ONE_CARRIER = "-Djdk.virtualThreadScheduler.parallelism=1";

    private static final ExecutorService EXECUTOR = newExecutor();

    private VirtualThreads() {
    }

    private static ExecutorService newExecutor() {
        try {
            MethodHandle factory = MethodHandles.publicLookup().findStatic(Executors.class,
                    "newVirtualThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class));
            return (ExecutorService) factory.invoke();
        } catch (Throwable e) {
            return null;
        }
    }

    static boolean available() {
        return EXECUTOR != null;
    }

    /** Runs {@code body} in a new virtual thread and waits for it. */
    static <T> T call(Callable<T> body) throws Exception {
        return executor().submit(body).get();
    }

    static ExecutorService executor() {
        if (EXECUTOR == null) {
            throw new UnsupportedOperationException("virtual threads need Java 21+");
        }
        return EXECUTOR;
    }

    /**
     * A virtual thread that runs posted callbacks one after the other: the virtual-thread version of "posted to
     * the loop's queue". Stop it with {@link #close()}.
     */
    static final class Loop implements AutoCloseable {
        private static final Runnable STOP = () -> { };
        private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
        private final java.util.concurrent.Future<?> thread;

        Loop() {
            thread = executor().submit(() -> {
                while (true) {
                    Runnable r = queue.take();
                    if (r == STOP) {
                        return null;
                    }
                    r.run();
                }
            });
        }

        void post(Runnable r) {
            queue.add(r);
        }

        @Override
        public void close() throws Exception {
            queue.add(STOP);
            thread.get();
        }
    }
}
