package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Async stack traces: a suspended task names the awaits it is suspended in, chain by chain. */
class AsyncStackTraceTest {

    static final String SOURCE = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Future;
            import dev.weft.runtime.Task;
            import static dev.weft.runtime.Await.await;

            public class Chain {
                @Async
                static Task<Integer> outer(Future<Integer> f) {
                    int x = await(middle(f)); // outer-await
                    return Task.completed(x + 1);
                }

                @Async
                static Task<Integer> middle(Future<Integer> f) {
                    return Task.completed(await(inner(f)) * 2); // middle-await
                }

                @Async
                static Task<Integer> inner(Future<Integer> f) {
                    int v = await(f); // inner-await
                    return Task.completed(v);
                }
            }
            """;

    @Test
    void aSuspendedTaskShowsTheChainOfAwaitsWithTheirLines() {
        Compiled program = AsyncTestSupport.transformed(SOURCE);
        List<StackTraceElement> trace = new ArrayList<>();
        String[] dump = new String[1];
        int result = AsyncTestSupport.onLoop(() -> {
            Future<Integer> f = new Future<>();
            Task<?> top = (Task<?>) program.call("demo.Chain", "outer", f);
            trace.addAll(top.asyncStackTrace());
            dump[0] = EventLoop.running().dumpTasks();
            EventLoop.running().callSoon(() -> f.complete(20));
            return top;
        });
        assertEquals(41, result);
        assertEquals(3, trace.size(), trace::toString);
        assertEquals("inner", trace.get(0).getMethodName());
        assertEquals(AsyncTestSupport.lineOf(SOURCE, "inner-await"), trace.get(0).getLineNumber());
        assertEquals("middle", trace.get(1).getMethodName());
        assertEquals(AsyncTestSupport.lineOf(SOURCE, "middle-await"), trace.get(1).getLineNumber());
        assertEquals("outer", trace.get(2).getMethodName());
        assertEquals(AsyncTestSupport.lineOf(SOURCE, "outer-await"), trace.get(2).getLineNumber());
        assertEquals("demo.Chain", trace.get(2).getClassName());
        assertEquals("Chain.java", trace.get(2).getFileName());

        assertTrue(dump[0].contains("3 pending task(s)"), dump[0]);
        int outerAt = dump[0].indexOf("demo.Chain.outer(Chain.java:" + AsyncTestSupport.lineOf(SOURCE, "outer-await"));
        int innerAt = dump[0].indexOf("demo.Chain.inner(Chain.java:" + AsyncTestSupport.lineOf(SOURCE, "inner-await"));
        assertTrue(outerAt >= 0 && innerAt > outerAt, "the tree lists the outer task first: " + dump[0]);
    }

    @Test
    void aTaskThatIsNotSuspendedHasNoAsyncStack() {
        Compiled program = AsyncTestSupport.transformed(SOURCE);
        Task<?> done = AsyncTestSupport.onLoop(() -> {
            Task<?> t = (Task<?>) program.call("demo.Chain", "inner", Future.completed(1));
            return Task.completed(t);
        });
        assertTrue(done.isDone());
        assertTrue(done.asyncStackTrace().isEmpty());
    }
}
