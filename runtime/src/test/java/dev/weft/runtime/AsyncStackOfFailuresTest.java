package dev.weft.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/**
 * A task that fails after a resume gives its exception the awaits of the tasks that were waiting for it (an
 * {@link AsyncTrace}), in every mode, from the failure path only.
 */
class AsyncStackOfFailuresTest {

    /** inner: {@code await(sleep(ZERO)); throw boom;} (await at 24). */
    static Frame<Integer> inner(Throwable boom) {
        return Frame.start("inner",
                (f, sent) -> f.await(Tasks.sleep(Duration.ZERO), 24),
                (f, sent) -> {
                    throw boom;
                });
    }

    /** {@code return Task.completed(await(below) + 1);} with the await at {@code line}. */
    static Frame<Integer> awaiting(String method, Future<Integer> below, int line) {
        return Frame.start(method, (f, sent) -> f.await(below, line), (f, sent) -> (Integer) sent + 1);
    }

    private static List<String> asyncStack(Throwable e) {
        return AsyncTrace.of(e).stream().map(s -> s.getMethodName() + ":" + s.getLineNumber()).toList();
    }

    private static long traces(Throwable e) {
        return Arrays.stream(e.getSuppressed()).filter(s -> s instanceof AsyncTrace).count();
    }

    @Test
    void aFailureAfterAResumeCarriesTheAwaitsOfItsCallersWithoutDebugMode() {
        IllegalStateException boom = new IllegalStateException("deep down");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EventLoop.run(() -> awaiting("outer", awaiting("middle", inner(boom), 17), 11)));
        assertSame(boom, e);
        assertEquals(List.of("middle:17", "outer:11"), asyncStack(e));
        assertEquals(1, traces(e), "one async stack, though the exception failed three tasks");

        StringWriter printed = new StringWriter();
        e.printStackTrace(new PrintWriter(printed));
        assertTrue(printed.toString().contains("Suppressed: dev.weft.runtime.AsyncTrace: awaited by 2 @Async callers\n"
                + "\t\tat demo.Main.middle(Main.java:17)\n\t\tat demo.Main.outer(Main.java:11)"), printed.toString());
    }

    @Test
    void anExceptionThrownInAtTheAwaitStartsWithThatAwait() {
        IllegalStateException boom = new IllegalStateException("from a callback");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> EventLoop.run(() -> {
            Future<Integer> f = new Future<>();
            EventLoop.running().callSoon(() -> f.fail(boom)); // fails elsewhere: no task's frame in its trace
            return awaiting("outer", awaiting("middle", awaiting("inner", f, 22), 17), 11);
        }));
        assertEquals(List.of("inner:22", "middle:17", "outer:11"), asyncStack(e));
    }

    @Test
    void aFailureNobodyWaitsForYetGetsNoAsyncStack() {
        IllegalStateException boom = new IllegalStateException("alone");
        Task<?>[] t = new Task<?>[1];
        EventLoop.run(() -> {
            EventLoop.running().setExceptionHandler((l, error) -> { }); // read after the loop closed: reported then
            t[0] = inner(boom);
            return Tasks.sleep(Duration.ofMillis(2));
        });
        assertTrue(t[0].isFailed());
        assertEquals(0, traces(t[0].exception()));
    }

    @Test
    void aFailureInTheFirstStepKeepsItsSynchronousTraceAndGetsNoAsyncStack() {
        IllegalStateException boom = new IllegalStateException("at once");
        Task<Integer> t = Frame.start("early", (f, sent) -> {
            throw boom;
        });
        assertTrue(t.isFailed());
        assertEquals(0, traces(t.exception()));
    }

    @Test
    void cancellationGetsNoAsyncStack() {
        CancellationException e = assertThrows(CancellationException.class, () -> EventLoop.run(() -> {
            Future<Integer> f = new Future<>();
            Task<Integer> top = awaiting("outer", awaiting("inner", f, 22), 11);
            EventLoop.running().callSoon(f::cancel);
            return top;
        }));
        assertEquals(0, traces(e));
    }

    @Test
    void anExceptionCreatedWithoutSuppressionIsLeftAlone() {
        RuntimeException bare = new RuntimeException("bare", null, false, false) {
        };
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> EventLoop.run(() -> awaiting("outer", inner(bare), 11)));
        assertSame(bare, e);
        assertEquals(0, e.getSuppressed().length);
    }

    @Test
    void aChainOfTwoThousandAwaitsIsCappedAndDoesNotDeepenTheStack() {
        IllegalStateException boom = new IllegalStateException("at the bottom");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> EventLoop.run(() -> {
            Future<Integer> below = inner(boom);
            for (int i = 0; i < 2000; i++) {
                below = awaiting("level" + i, below, 100 + i);
            }
            return below;
        }));
        List<String> stack = asyncStack(e);
        assertEquals(AsyncTrace.MAX_DEPTH, stack.size());
        assertEquals("level0:100", stack.get(0));
    }

    @Test
    void theStackLooksThroughAGatherToTheTaskAwaitingIt() {
        IllegalStateException boom = new IllegalStateException("one of two");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> EventLoop.run(() -> {
            Future<List<Object>> both = Futures.gather(List.of(inner(boom), new Future<Integer>()), false);
            return Frame.<Object>start("gatherer", (f, sent) -> f.await(both, 60), (f, sent) -> sent);
        }));
        assertEquals(List.of("gatherer:60"), asyncStack(e));
    }

    // ------------------------------------------------------------------------ generated frames in stack traces

    private static StackTraceElement at(String type, String method, int line) {
        return new StackTraceElement(type, method, "App.java", line);
    }

    @Test
    void theFramesOfGeneratedCodeLeaveTheStackTraceOfAFailure() {
        RuntimeException e = new RuntimeException("boom");
        e.setStackTrace(new StackTraceElement[] {
            at("app.App", "helper", 10),
            at("app.App", "failing", 20),              // the body, after a resume
            at("app.App$async$failing$2", "step", -1), // its frame class, on the way from Task.resume
            at("dev.weft.runtime.Task", "resume", 180),
            at("app.App", "outer", 30),                // the body of a first step
            at("app.App", "outer", -1),                // its entry
            at("app.App", "main", 40),
        });
        AsyncTrace.hideGeneratedFrames(e);
        assertEquals(List.of("helper:10", "failing:20", "resume:180", "outer:30", "main:40"),
                Arrays.stream(e.getStackTrace()).map(t -> t.getMethodName() + ":" + t.getLineNumber()).toList());
    }

    @Test
    void codeWithoutLineNumbersAndMethodsNamedStepKeepTheirFrames() {
        RuntimeException e = new RuntimeException("boom");
        StackTraceElement[] trace = {
            at("lib.Parser", "step", 12),       // a user's method called step
            at("lib.NoDebugInfo", "walk", -1),  // recursion in a class compiled without line numbers
            at("lib.NoDebugInfo", "walk", -1),
            at("app.App", "main", 40),
        };
        e.setStackTrace(trace);
        AsyncTrace.hideGeneratedFrames(e);
        assertEquals(List.of(trace), List.of(e.getStackTrace()));
    }
}
