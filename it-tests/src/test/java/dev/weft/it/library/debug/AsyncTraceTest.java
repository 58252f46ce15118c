package dev.weft.it.library.debug;

import static dev.weft.it.library.SourceLines.lineOf;
import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.AsyncTrace;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An exception thrown after a resume carries the chain of @Async callers that were awaiting, each with the line of
 * its await, in every mode (the JVM's own trace of it starts at the event loop).
 */
class AsyncTraceTest {
    private static final String FILE = "AsyncTraceTest.java";

    @Async
    static Task<Integer> inner() {
        await(Tasks.sleep(Duration.ZERO));
        throw new IllegalStateException("deep down"); // throw-line
    }

    @Async
    static Task<Integer> middle() {
        return Task.completed(await(inner()) + 1); // middle-await
    }

    @Async
    static Task<Integer> outer() {
        return Task.completed(await(middle()) + 1); // outer-await
    }

    private static List<StackTraceElement> asyncStack(Throwable e) {
        AsyncTrace trace = (AsyncTrace) Arrays.stream(e.getSuppressed()).filter(s -> s instanceof AsyncTrace)
                .findFirst().orElse(null);
        assertNotNull(trace, "no async trace on " + e);
        assertEquals(1, Arrays.stream(e.getSuppressed()).filter(s -> s instanceof AsyncTrace).count());
        return List.of(trace.getStackTrace());
    }

    private static void assertTheCallersAwaits(Throwable e) {
        List<StackTraceElement> stack = asyncStack(e);
        assertEquals(List.of("middle", "outer"), stack.stream().map(StackTraceElement::getMethodName).toList());
        assertEquals(List.of(lineOf(AsyncTraceTest.class, "// middle-await"),
                        lineOf(AsyncTraceTest.class, "// outer-await")),
                stack.stream().map(StackTraceElement::getLineNumber).toList());
        assertTrue(stack.stream().allMatch(s -> s.getClassName().equals(AsyncTraceTest.class.getName())
                && FILE.equals(s.getFileName())), stack::toString);
    }

    @Test
    void theExceptionNamesEveryAwaitingCallerWithItsLineWithoutDebugMode() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> EventLoop.run(AsyncTraceTest::outer));
        assertTheCallersAwaits(e);
        // the JVM's frames are left as they are: the throw is still there, with its line
        assertTrue(Arrays.stream(e.getStackTrace()).anyMatch(s -> FILE.equals(s.getFileName())
                && s.getLineNumber() == lineOf(AsyncTraceTest.class, "// throw-line")), Arrays.toString(e.getStackTrace()));
        StringWriter printed = new StringWriter();
        e.printStackTrace(new PrintWriter(printed));
        assertTrue(printed.toString().contains("Suppressed: dev.weft.runtime.AsyncTrace: awaited by 2 @Async callers"),
                printed.toString());
    }

    @Test
    void debugModeGivesTheSameSingleAsyncStack() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> EventLoop.run(() -> {
            EventLoop.running().setDebug(true);
            return outer();
        }));
        assertTheCallersAwaits(e);
    }

    @Async
    static Task<Integer> awaitsAFailedFuture(Future<Integer> f) {
        return Task.completed(await(f)); // thrown-in-await
    }

    @Async
    static Task<Integer> callsIt(Future<Integer> f) {
        return Task.completed(await(awaitsAFailedFuture(f)) + 1); // caller-await
    }

    @Test
    void anExceptionFromAFutureFailedElsewhereStartsAtTheAwaitItWasThrownIn() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> EventLoop.run(() -> {
            Future<Integer> f = new Future<>();
            EventLoop.running().callSoon(() -> f.fail(new IllegalStateException("from a callback")));
            return callsIt(f);
        }));
        assertEquals(List.of(lineOf(AsyncTraceTest.class, "// thrown-in-await"),
                        lineOf(AsyncTraceTest.class, "// caller-await")),
                asyncStack(e).stream().map(StackTraceElement::getLineNumber).toList());
    }
}
