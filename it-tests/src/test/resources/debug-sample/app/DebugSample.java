package app;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.function.IntFunction;
import static dev.weft.runtime.Await.await;

/**
 * The program that dev.weft.it.debug.DebuggerTest drives through JDI (issue #11). The tests find lines by the
 * markers at their ends ("// @name"), so lines can move; every line a test stops on prints what it computed, so
 * the debugger's view can be compared with the program's own. Each await of Tasks.sleep really suspends.
 */
public class DebugSample {
    private final String name;
    private int requests;

    DebugSample(String name) {
        this.name = name;
    }

    /** Static: a parameter dead after the first await (tag), one live across it (n), and a loop of awaits. */
    @Async
    static Task<Integer> sumTo(String tag, int n) {
        System.out.println("static start tag=" + tag + " n=" + n);                       // @static-start
        int base = await(Task.completed(100));                                            // @static-done-await
        System.out.println("static base=" + base);                                        // @static-first-step
        int total = base;
        for (int i = 0; i < n; i++) {
            await(Tasks.sleep(Duration.ofMillis(1)));                                     // @static-await
            total += i * 10;                                                              // @static-after
            System.out.println("static i=" + i + " n=" + n + " total=" + total);         // @static-print
        }
        return Task.completed(total);                                                     // @static-return
    }

    /**
     * Instance: fields read and written after every resume, so `this` matters; a parameter (site) used only before
     * the loop, so dead at its await, which the second time round is reached in a resumed step.
     */
    @Async
    Task<String> crawl(String site, int pages) {
        System.out.println("instance start site=" + site + " pages=" + pages);           // @inst-start
        String seen = "";
        for (int page = 0; page < pages; page++) {
            await(Tasks.sleep(Duration.ofMillis(1)));                                     // @inst-await
            requests++;                                                                   // @inst-after
            seen = seen + page;
            System.out.println("instance page=" + page + " seen=" + seen + " requests=" + requests);  // @inst-print
        }
        return Task.completed(name + ":" + seen);                                         // @inst-return
    }

    /** An async lambda (no annotation possible): the loop and its awaits as above, a captured variable. */
    static Task<Integer> doubling(int rounds) {
        IntFunction<Task<Integer>> doubler = start -> {
            int acc = start;
            for (int r = 0; r < rounds; r++) {
                await(Tasks.sleep(Duration.ofMillis(1)));                                 // @lambda-await
                acc = acc * 2;                                                            // @lambda-after
                System.out.println("lambda r=" + r + " rounds=" + rounds + " acc=" + acc);   // @lambda-print
            }
            return Task.completed(acc);
        };
        return doubler.apply(3);
    }

    /** Fails after a resume, under two @Async callers that await it. */
    @Async
    static Task<Integer> failing(int depth) {
        await(Tasks.sleep(Duration.ofMillis(1)));                                         // @fail-await
        throw new IllegalStateException("failed after a resume, depth " + depth);         // @fail-throw
    }

    @Async
    static Task<Integer> middle() {
        int v = await(failing(2));                                                        // @middle-await
        return Task.completed(v + 1);
    }

    @Async
    static Task<Integer> outer() {
        int v = await(middle());                                                          // @outer-await
        return Task.completed(v + 1);
    }

    public static void main(String[] args) {
        int total = EventLoop.run(() -> sumTo("sum", 3));
        System.out.println("sumTo=" + total);
        DebugSample crawler = new DebugSample("crawler");
        String crawled = EventLoop.run(() -> crawler.crawl("example.org", 3));
        System.out.println("crawl=" + crawled);
        int doubled = EventLoop.run(() -> doubling(3));
        System.out.println("doubling=" + doubled);
        try {
            EventLoop.run(() -> outer());
            System.out.println("outer returned");
        } catch (IllegalStateException e) {
            System.out.println("--- trace begin");
            e.printStackTrace(System.out);
            System.out.println("--- trace end");
        }
        System.out.println("done");
    }
}
