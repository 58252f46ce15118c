package dev.weft.benchmarks;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Virtual threads, reached by method handle: the module compiles for Java 17, and the contender runs only on
 * Java 21 and later (it throws UnsupportedOperationException on 17, which JMH reports as a failed benchmark).
 */
final class VirtualThreads {
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

    static <T> T call(Callable<T> body) throws Exception {
        if (EXECUTOR == null) {
            throw new UnsupportedOperationException("virtual threads need Java 21+");
        }
        return EXECUTOR.submit(body).get();
    }

    static ExecutorService executor() {
        if (EXECUTOR == null) {
            throw new UnsupportedOperationException("virtual threads need Java 21+");
        }
        return EXECUTOR;
    }
}
