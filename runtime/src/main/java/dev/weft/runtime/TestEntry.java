package dev.weft.runtime;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * What a JUnit test or lifecycle method written as {@code @Async} code calls once Weft has rewritten it. JUnit
 * Jupiter runs only test methods that return {@code void}, so for an {@code @Async} method that carries
 * {@code @Test}, {@code @ParameterizedTest}, {@code @RepeatedTest}, {@code @TestTemplate}, {@code @BeforeEach},
 * {@code @AfterEach}, {@code @BeforeAll} or {@code @AfterAll} (directly) and returns a {@code Task},
 * {@code CompletableFuture} or {@code CompletionStage}, the transformer adds a {@code void} method of the same name
 * and parameters that takes the method's runtime-visible annotations (so JUnit finds it instead) and calls
 * {@link #run} with the async method: it runs on the test's loop through {@code dev.weft.test.AsyncTest.runTest}
 * when the {@code async-test} module is on the class path (virtual time, leak checks: see {@code @WeftTest}), else
 * on a loop of its own through {@link EventLoop#run}. The async method keeps its name and descriptor, so code that
 * calls it still gets its task.
 *
 * <p>Not for hand-written code: call {@code AsyncTest.runTest} or {@link EventLoop#run} instead.
 */
public final class TestEntry {
    /** Per class loader: {@code AsyncTest.runTest} as seen from it, or empty when it cannot see the module. */
    private static final Map<ClassLoader, Optional<MethodHandle>> RUN_TEST = new WeakHashMap<>();

    private TestEntry() {
    }

    /**
     * Runs the rewritten test method's body ({@code body} calls the async method) and waits for it; throws what it
     * threw, the original exception.
     *
     * @param body calls the async method and returns its task (or stage)
     */
    @SuppressWarnings("unchecked")
    public static void run(Supplier<?> body) throws Throwable {
        Optional<MethodHandle> runTest = runTestFor(body.getClass().getClassLoader());
        Supplier<? extends CompletionStage<Object>> main = (Supplier<? extends CompletionStage<Object>>) body;
        if (runTest.isPresent()) {
            Object ignored = runTest.get().invokeExact(main);
        } else {
            EventLoop.run(main);
        }
    }

    private static Optional<MethodHandle> runTestFor(ClassLoader loader) {
        synchronized (RUN_TEST) {
            return RUN_TEST.computeIfAbsent(loader, TestEntry::find);
        }
    }

    private static Optional<MethodHandle> find(ClassLoader loader) {
        try {
            Class<?> asyncTest = Class.forName("dev.weft.test.AsyncTest", true, loader);
            return Optional.of(MethodHandles.publicLookup().findStatic(asyncTest, "runTest",
                    MethodType.methodType(Object.class, Supplier.class)));
        } catch (ClassNotFoundException | LinkageError e) {
            return Optional.empty(); // the async-test module is not there: a loop of the test's own
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("dev.weft.test.AsyncTest has no runTest(Supplier): an async-test module"
                    + " of another version than the runtime's (" + e + ")", e);
        }
    }
}
