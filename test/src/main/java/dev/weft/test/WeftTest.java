package dev.weft.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs each test of the class (or the one test method) with {@link WeftExtension}: a fresh event loop per test, in
 * virtual time unless {@link #virtualTime()} says otherwise, on which {@link AsyncTest#runTest} runs the test's async
 * body. On a class it applies to its {@code @Nested} classes too; the nearest annotation (method, class, enclosing
 * class) gives the settings.
 *
 * <pre>{@code
 * @WeftTest
 * class RetryTest {
 *     @Test
 *     void givesUpAfterThreeTimeouts(VirtualClock clock) {
 *         assertThrows(TimeoutException.class, () -> runTest(() -> client.fetchWithRetries(Duration.ofMinutes(1))));
 *         assertEquals(Duration.ofMinutes(3), clock.now());   // three timeouts of a minute, in microseconds
 *     }
 * }
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(WeftExtension.class)
public @interface WeftTest {
    /**
     * True (the default): the test's loop is {@linkplain dev.weft.runtime.EventLoop#withVirtualTime() in virtual
     * time}, so sleeps, timeouts and timers take no real time, in the order they have in real time. False: a loop in
     * real time.
     */
    boolean virtualTime() default true;

    /**
     * False (the default): a task still pending when the test's body ends (what {@link AsyncTest#runTest} ran, in a
     * test method), or when the test ends (after its {@code @AfterEach} methods), fails the test, reported with its
     * name, where it is and where it was created; it is then cancelled. True: such tasks are cancelled silently.
     */
    boolean allowPendingTasks() default false;

    /**
     * True (the default): the loop runs in debug mode ({@link dev.weft.runtime.EventLoop#setDebug}): slow callbacks
     * and the tasks of {@code @Async} calls nobody awaited are logged, and reports say where each task was created.
     */
    boolean debug() default true;
}
