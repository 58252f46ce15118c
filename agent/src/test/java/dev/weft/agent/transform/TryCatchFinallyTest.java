package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Contract item 5 and 6: catch and finally blocks work across suspensions. An exception from an awaited future
 * reaches exactly the handler the source says; finally blocks run once on every path. (Cancellation paths are in
 * {@link CancellationTest}.)
 */
class TryCatchFinallyTest {

    static final String HANDLERS = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.EventLoop;
            import dev.weft.runtime.Future;
            import dev.weft.runtime.Task;
            import java.util.List;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Handlers {
                /** A future that fails with {@code e} on the loop's next turn. */
                static <T> Future<T> failLater(Throwable e) {
                    Future<T> f = new Future<>();
                    EventLoop.running().callSoon(() -> f.fail(e));
                    return f;
                }

                @Async
                static Task<String> nestedHandlers(List<String> log, RuntimeException boom) {
                    try {
                        try {
                            log.add("before");
                            await(failLater(boom));
                            log.add("not reached");
                        } catch (IllegalStateException e) {
                            log.add("inner ISE same=" + (e == boom));
                        } finally {
                            log.add("inner finally");
                        }
                        log.add("after inner");
                    } catch (IllegalArgumentException e) {
                        log.add("outer IAE same=" + (e == boom));
                    } catch (RuntimeException e) {
                        log.add("outer RTE same=" + (e == boom));
                    } finally {
                        log.add("outer finally");
                    }
                    return Task.completed(String.join(",", log));
                }

                @Async
                static Task<String> handlerCoversOnlyItsRange(List<String> log) {
                    try {
                        await(sleep(ZERO));
                        log.add("guarded");
                    } catch (IllegalStateException e) {
                        log.add("wrong handler");
                    }
                    try {
                        await(failLater(new IllegalStateException("second")));
                        log.add("not reached");
                    } catch (IllegalStateException e) {
                        log.add("second handler " + e.getMessage());
                    }
                    return Task.completed(String.join(",", log));
                }

                @Async
                static Task<String> bodyThrowsAfterResume(List<String> log) {
                    try {
                        int v = await(sleep(ZERO, 0));
                        log.add("resumed");
                        log.add("quotient " + (10 / v));
                    } catch (ArithmeticException e) {
                        log.add("caught " + e.getMessage());
                    }
                    return Task.completed(String.join(",", log));
                }

                @Async
                static Task<String> multiCatch(List<String> log, RuntimeException boom) {
                    try {
                        await(failLater(boom));
                    } catch (IllegalStateException | UnsupportedOperationException e) {
                        log.add("multi " + e.getClass().getSimpleName());
                    } catch (RuntimeException e) {
                        log.add("fallback " + e.getClass().getSimpleName());
                    }
                    return Task.completed(String.join(",", log));
                }

                @Async
                static Task<String> finallyOnTheNormalPath(List<String> log) {
                    try {
                        log.add("body " + await(sleep(ZERO, 1)));
                    } finally {
                        log.add("finally");
                    }
                    log.add("after");
                    return Task.completed(String.join(",", log));
                }

                @Async
                static Task<String> finallyOnTheExceptionalPath(List<String> log, RuntimeException boom) {
                    try {
                        log.add("body");
                        await(failLater(boom));
                        log.add("not reached");
                    } finally {
                        log.add("finally");
                    }
                    return Task.completed("not reached");
                }

                @Async
                static Task<String> finallyAfterReturnInsideTry(List<String> log) {
                    try {
                        int v = await(sleep(ZERO, 5));
                        return Task.completed("returned " + v);
                    } finally {
                        log.add("finally");
                    }
                }

                @Async
                static Task<String> awaitInsideFinallyKeepsThePendingException(List<String> log, RuntimeException boom) {
                    try {
                        log.add("body");
                        await(failLater(boom));
                    } finally {
                        log.add("finally " + await(sleep(ZERO, "awaited")));
                    }
                    return Task.completed("not reached");
                }

                @Async
                static Task<String> awaitInsideCatch(List<String> log) {
                    try {
                        await(failLater(new IllegalStateException("first")));
                    } catch (IllegalStateException e) {
                        String later = await(sleep(ZERO, "later"));
                        log.add("handled " + e.getMessage() + " " + later);
                    }
                    return Task.completed(String.join(",", log));
                }

                @Async
                static Task<String> handlersInALoop(List<String> log) {
                    for (int i = 0; i < 4; i++) {
                        try {
                            int v = await(i % 2 == 0 ? sleep(ZERO, i) : Handlers.<Integer>failLater(
                                    new IllegalStateException("odd " + i)));
                            log.add("ok " + v);
                        } catch (IllegalStateException e) {
                            log.add(e.getMessage());
                        } finally {
                            log.add("f" + i);
                        }
                    }
                    return Task.completed(String.join(",", log));
                }

                @Async
                static Task<String> awaitInFinallyOnEveryPath(List<String> log, int path) {
                    try {
                        if (path == 0) {
                            log.add("return");
                            return Task.completed("returned");
                        }
                        if (path == 1) {
                            throw new IllegalStateException("thrown");
                        }
                        log.add("fell through");
                    } finally {
                        log.add("finally " + await(sleep(ZERO, path)));
                    }
                    return Task.completed("after");
                }

                static class AppException extends RuntimeException {
                    AppException(String message) {
                        super(message);
                    }
                }

                static final class SpecificException extends AppException {
                    SpecificException(String message) {
                        super(message);
                    }
                }

                @Async
                static Task<String> userExceptionClasses(List<String> log, boolean specific) {
                    try {
                        await(failLater(specific ? new SpecificException("s") : new AppException("a")));
                    } catch (SpecificException e) {
                        log.add("specific " + e.getMessage());
                    } catch (AppException e) {
                        log.add("general " + e.getMessage());
                    }
                    return Task.completed(String.join(",", log));
                }

                static final class Resource implements AutoCloseable {
                    private final String name;
                    private final List<String> log;
                    private final RuntimeException onClose;

                    Resource(String name, List<String> log, RuntimeException onClose) {
                        this.name = name;
                        this.log = log;
                        this.onClose = onClose;
                        log.add("open " + name);
                    }

                    @Override
                    public void close() {
                        log.add("close " + name);
                        if (onClose != null) {
                            throw onClose;
                        }
                    }
                }

                @Async
                static Task<String> resources(List<String> log) {
                    try (Resource a = new Resource("a", log, null);
                         Resource b = new Resource(await(sleep(ZERO, "b")), log, null)) {
                        log.add("use " + await(sleep(ZERO, "x")) + " " + a.name + b.name);
                    }
                    return Task.completed(String.join(",", log));
                }

                @Async
                static Task<String> resourcesWhenTheAwaitFails(List<String> log, RuntimeException boom,
                                                               RuntimeException onClose) {
                    try (Resource a = new Resource("a", log, onClose)) {
                        await(failLater(boom));
                        log.add("not reached");
                    }
                    return Task.completed("not reached");
                }

                @Async
                static Task<String> resourcesAwaitingInTheCatchOfTheSameTry(List<String> log, RuntimeException boom) {
                    try (Resource a = new Resource("a", log, null)) {
                        await(failLater(boom));
                    } catch (RuntimeException e) {
                        log.add("caught " + (e == boom) + " " + await(sleep(ZERO, "then awaited")));
                    } finally {
                        log.add("finally");
                    }
                    return Task.completed(String.join(",", log));
                }
            }
            """;

    private static Compiled handlers() {
        return AsyncTestSupport.transformed(HANDLERS);
    }

    @Test
    void anAwaitedIllegalArgumentExceptionSkipsTheInnerHandlerAndReachesTheOuterOne() {
        List<String> log = new ArrayList<>();
        assertEquals("before,inner finally,outer IAE same=true,outer finally",
                handlers().runSuspending("demo.Handlers", "nestedHandlers", log,
                        new IllegalArgumentException("boom")));
    }

    @Test
    void anAwaitedIllegalStateExceptionIsCaughtByTheInnerHandlerOnly() {
        List<String> log = new ArrayList<>();
        assertEquals("before,inner ISE same=true,inner finally,after inner,outer finally",
                handlers().runSuspending("demo.Handlers", "nestedHandlers", log, new IllegalStateException("boom")));
    }

    @Test
    void anAwaitedExceptionWithNoSpecificHandlerReachesTheGeneralOne() {
        List<String> log = new ArrayList<>();
        assertEquals("before,inner finally,outer RTE same=true,outer finally",
                handlers().runSuspending("demo.Handlers", "nestedHandlers", log,
                        new UnsupportedOperationException("boom")));
    }

    @Test
    void aHandlerCatchesOnlyWhatIsThrownInItsOwnTryBlock() {
        assertEquals("guarded,second handler second",
                handlers().runSuspending("demo.Handlers", "handlerCoversOnlyItsRange", new ArrayList<String>()));
    }

    @Test
    void anExceptionThrownByTheBodyAfterResumeIsCaught() {
        assertEquals("resumed,caught / by zero",
                handlers().runSuspending("demo.Handlers", "bodyThrowsAfterResume", new ArrayList<String>()));
    }

    @Test
    void multiCatchTakesTheExceptionsItNames() {
        assertEquals("multi UnsupportedOperationException", handlers().runSuspending("demo.Handlers", "multiCatch",
                new ArrayList<String>(), new UnsupportedOperationException()));
        assertEquals("fallback IllegalArgumentException", handlers().runSuspending("demo.Handlers", "multiCatch",
                new ArrayList<String>(), new IllegalArgumentException()));
    }

    @Test
    void finallyRunsOnceOnTheNormalPath() {
        List<String> log = new ArrayList<>();
        assertEquals("body 1,finally,after",
                handlers().runSuspending("demo.Handlers", "finallyOnTheNormalPath", log));
    }

    @Test
    void finallyRunsOnceOnTheExceptionalPathAndTheExceptionPropagates() {
        List<String> log = new ArrayList<>();
        RuntimeException boom = new IllegalStateException("boom");
        Throwable thrown = assertThrows(IllegalStateException.class,
                () -> handlers().runSuspending("demo.Handlers", "finallyOnTheExceptionalPath", log, boom));
        assertSame(boom, thrown);
        assertEquals(List.of("body", "finally"), log);
    }

    @Test
    void finallyRunsOnceAfterAReturnInsideTheTryBlock() {
        List<String> log = new ArrayList<>();
        assertEquals("returned 5", handlers().runSuspending("demo.Handlers", "finallyAfterReturnInsideTry", log));
        assertEquals(List.of("finally"), log);
    }

    @Test
    void awaitInsideFinallyKeepsThePendingExceptionAndRethrowsIt() {
        List<String> log = new ArrayList<>();
        RuntimeException boom = new IllegalStateException("boom");
        Throwable thrown = assertThrows(IllegalStateException.class, () -> handlers().runSuspending(
                "demo.Handlers", "awaitInsideFinallyKeepsThePendingException", log, boom));
        assertSame(boom, thrown);
        assertEquals(List.of("body", "finally awaited"), log);
    }

    @Test
    void awaitInsideACatchBlockKeepsTheCaughtException() {
        assertEquals("handled first later",
                handlers().runSuspending("demo.Handlers", "awaitInsideCatch", new ArrayList<String>()));
    }

    @Test
    void handlersAndFinallyInsideALoopRunOncePerIteration() {
        assertEquals("ok 0,f0,odd 1,f1,ok 2,f2,odd 3,f3",
                handlers().runSuspending("demo.Handlers", "handlersInALoop", new ArrayList<String>()));
    }

    @Test
    void tryWithResourcesClosesEachResourceOnceInReverseOrder() {
        assertEquals("open a,open b,use x ab,close b,close a",
                handlers().runSuspending("demo.Handlers", "resources", new ArrayList<String>()));
    }

    @Test
    void tryWithResourcesClosesOnceWhenTheAwaitFailsAndKeepsTheCloseFailureAsSuppressed() {
        List<String> log = new ArrayList<>();
        RuntimeException boom = new IllegalStateException("boom");
        RuntimeException onClose = new UnsupportedOperationException("close failed");
        Throwable thrown = assertThrows(IllegalStateException.class, () -> handlers().runSuspending(
                "demo.Handlers", "resourcesWhenTheAwaitFails", log, boom, onClose));
        assertSame(boom, thrown);
        Throwable[] suppressed = thrown.getSuppressed();
        assertSame(onClose, suppressed[0], "the close failure, as try-with-resources adds it");
        for (int i = 1; i < suppressed.length; i++) { // then only the async stack the runtime attaches on failure
            assertEquals("dev.weft.runtime.AsyncTrace", suppressed[i].getClass().getName());
        }
        assertEquals(List.of("open a", "close a"), log);
    }

    @Test
    void tryWithResourcesWithCatchAndFinallyAroundAwaits() {
        List<String> log = new ArrayList<>();
        RuntimeException boom = new IllegalStateException("boom");
        assertEquals("open a,close a,caught true then awaited,finally", handlers().runSuspending(
                "demo.Handlers", "resourcesAwaitingInTheCatchOfTheSameTry", log, boom));
    }

    @Test
    void awaitInFinallyRunsOnceOnTheReturnTheThrowAndTheFallThroughPath() {
        List<String> returned = new ArrayList<>();
        assertEquals("returned", handlers().run("demo.Handlers", "awaitInFinallyOnEveryPath", returned, 0));
        assertEquals(List.of("return", "finally 0"), returned);

        List<String> thrown = new ArrayList<>();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> handlers().run("demo.Handlers", "awaitInFinallyOnEveryPath", thrown, 1));
        assertEquals("thrown", e.getMessage());
        assertEquals(List.of("finally 1"), thrown);

        List<String> fell = new ArrayList<>();
        assertEquals("after", handlers().run("demo.Handlers", "awaitInFinallyOnEveryPath", fell, 2));
        assertEquals(List.of("fell through", "finally 2"), fell);
    }

    @Test
    void handlersForUserDefinedExceptionClassesTakeWhatTheirTypesSay() {
        assertEquals("specific s", handlers().runSuspending("demo.Handlers", "userExceptionClasses",
                new ArrayList<String>(), true));
        assertEquals("general a", handlers().runSuspending("demo.Handlers", "userExceptionClasses",
                new ArrayList<String>(), false));
    }

    static final String RETURN_ORDER = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import java.util.List;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class ReturnOrder {
                @Async
                static Task<String> callee(List<String> log) {
                    await(sleep(ZERO));
                    log.add("callee done");
                    return Task.completed("value");
                }

                /** return callee(): Java's evaluation order; the finally block runs before the task is adopted. */
                @Async
                static Task<String> returnsThePendingTask(List<String> log) {
                    try {
                        return callee(log);
                    } finally {
                        log.add("finally");
                    }
                }

                /** return Task.completed(await(callee())): the finally block runs once the callee is done. */
                @Async
                static Task<String> returnsTheAwaitedValue(List<String> log) {
                    try {
                        return Task.completed(await(callee(log)));
                    } finally {
                        log.add("finally");
                    }
                }
            }
            """;

    @Test
    void returningAPendingTaskFromTryRunsFinallyFirstAndReturningItsAwaitedValueRunsFinallyAfter() {
        Compiled program = AsyncTestSupport.transformed(RETURN_ORDER);
        List<String> adopted = new ArrayList<>();
        assertEquals("value", program.runSuspending("demo.ReturnOrder", "returnsThePendingTask", adopted));
        assertEquals(List.of("finally", "callee done"), adopted);
        List<String> awaited = new ArrayList<>();
        assertEquals("value", program.runSuspending("demo.ReturnOrder", "returnsTheAwaitedValue", awaited));
        assertEquals(List.of("callee done", "finally"), awaited);
    }
}
