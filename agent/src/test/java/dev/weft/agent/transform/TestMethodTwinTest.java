package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * JUnit test and lifecycle methods written as {@code @Async} code (issue #16): JUnit Jupiter runs only
 * {@code void} methods, so such a method gets a {@code void} twin of the same name and parameters that carries its
 * runtime-visible annotations and runs the task ({@link TestMethodBridge}). Here, without the async-test module on
 * the class path, the twin runs it through {@code EventLoop.run}.
 */
class TestMethodTwinTest {

    static final String SAMPLE = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import java.util.ArrayList;
            import java.util.List;
            import java.util.concurrent.CompletableFuture;
            import org.junit.jupiter.api.BeforeEach;
            import org.junit.jupiter.api.DisplayName;
            import org.junit.jupiter.api.Tag;
            import org.junit.jupiter.api.Test;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Sample {
                public static final List<String> LOG = new ArrayList<>();

                @BeforeEach
                @Async
                Task<Void> setUp() {
                    await(sleep(ZERO));
                    LOG.add("set up");
                    return Task.completed(null);
                }

                @Test
                @Tag("async")
                @DisplayName("waits, then passes")
                @Async
                Task<Void> passes() {
                    await(sleep(ZERO));
                    LOG.add("passed");
                    return Task.completed(null);
                }

                @Test
                @Async
                Task<Void> failsAfterAnAwait() throws java.io.IOException {
                    await(sleep(ZERO));
                    throw new java.io.IOException("original");
                }

                @Test
                @Async
                static CompletableFuture<Void> withParameters(int times, String word) {
                    for (int i = 0; i < times; i++) {
                        await(sleep(ZERO));
                        LOG.add(word);
                    }
                    return CompletableFuture.completedFuture(null);
                }

                @Async
                Task<Integer> notATest() {
                    await(sleep(ZERO));
                    return Task.completed(7);
                }
            }
            """;

    static Method declared(Class<?> type, String name, Class<?> returns, Class<?>... parameters) {
        return Arrays.stream(type.getDeclaredMethods())
                .filter(m -> m.getName().equals(name) && m.getReturnType() == returns
                        && Arrays.equals(m.getParameterTypes(), parameters))
                .peek(m -> m.setAccessible(true)) // package-private, as JUnit 5 test methods usually are
                .findFirst().orElse(null);
    }

    @Test
    void anAsyncTestMethodGetsAVoidTwinWithItsAnnotations_andKeepsItsTaskMethod() throws Exception {
        Compiled program = AsyncTestSupport.transformed(SAMPLE); // both verifiers, then loaded
        Class<?> sample = program.type("demo.Sample");
        Class<?> task = program.loader().loadClass("dev.weft.runtime.Task");
        Method twin = declared(sample, "passes", void.class);
        Method async = declared(sample, "passes", task);
        assertNotNull(twin, "a void passes()");
        assertNotNull(async, "the async passes() is still there, returning its task");
        assertNotNull(twin.getAnnotation(Test.class));
        assertEquals("waits, then passes", twin.getAnnotation(org.junit.jupiter.api.DisplayName.class).value());
        assertNotNull(twin.getAnnotation(org.junit.jupiter.api.Tag.class));
        assertEquals(0, async.getAnnotations().length, "the annotations moved: JUnit sees one test");
        assertNotNull(declared(sample, "setUp", void.class).getAnnotation(org.junit.jupiter.api.BeforeEach.class));
        assertNull(declared(sample, "notATest", void.class), "no twin for a method that is not a test");
        Method params = declared(sample, "withParameters", void.class, int.class, String.class);
        assertNotNull(params);
        assertEquals(List.of("times", "word"), Arrays.stream(params.getParameters()).map(p -> p.getName()).toList(),
                "parameter names kept, for display names");
    }

    @SuppressWarnings("unchecked")
    @Test
    void theTwinRunsTheTaskOnALoopAndThrowsItsOriginalException() throws Exception {
        Compiled program = AsyncTestSupport.transformed(SAMPLE);
        Class<?> sample = program.type("demo.Sample");
        List<String> log = (List<String>) sample.getField("LOG").get(null);
        Object instance = sample.getDeclaredConstructor().newInstance();
        declared(sample, "setUp", void.class).invoke(instance);
        declared(sample, "passes", void.class).invoke(instance);
        declared(sample, "withParameters", void.class, int.class, String.class).invoke(null, 2, "again");
        assertEquals(List.of("set up", "passed", "again", "again"), log);
        InvocationTargetException thrown = assertThrows(InvocationTargetException.class,
                () -> declared(sample, "failsAfterAnAwait", void.class).invoke(instance));
        assertInstanceOf(java.io.IOException.class, thrown.getCause(), "the task's own exception, unwrapped");
        assertEquals("original", thrown.getCause().getMessage());
        Object t = program.loader().loadClass("dev.weft.runtime.EventLoop").getMethod("run",
                java.util.function.Supplier.class).invoke(null, (java.util.function.Supplier<Object>) () -> {
                    try {
                        return declared(sample, "notATest", program.loader().loadClass("dev.weft.runtime.Task"))
                                .invoke(instance);
                    } catch (ReflectiveOperationException e) {
                        throw new AssertionError(e);
                    }
                });
        assertEquals(7, t, "an async method that is not a test is left as it was");
    }
}
