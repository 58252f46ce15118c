package dev.weft.examples;

import dev.weft.runtime.Coroutine;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Two workers share one event-loop thread, taking turns at each {@code await}, while a CompletableFuture
 * computed on another thread is awaited alongside them.
 *
 * <p>The coroutines here are written by hand against the runtime's {@link Coroutine} protocol, the shape the
 * transformer generates from an {@code @Async} method such as:
 * <pre>{@code
 * @Async
 * static Task<Integer> worker(String name, int steps, Duration pause) {
 *     int done = 0;
 *     for (int i = 0; i < steps; i++) {
 *         System.out.println(name + " step " + i);
 *         await(Tasks.sleep(pause));
 *         done++;
 *     }
 *     return Task.completed(done);
 * }
 * }</pre>
 */
public final class Interleave {
    private Interleave() {
    }

    static Task<Integer> worker(String name, int steps, Duration pause) {
        return Task.start(new Coroutine<Integer>() {
            int i;       // the loop variable, saved across awaits
            int done;

            @Override
            public Object step(Task<Integer> task, Object sent, Throwable thrown) throws Throwable {
                if (thrown != null) {
                    throw thrown;             // an exception from the awaited future surfaces at the await
                }
                if (i > 0) {
                    done++;                   // the statement after the await
                }
                if (i == steps) {
                    return done;              // return Task.completed(done)
                }
                System.out.println(name + " step " + i++ + " on " + Thread.currentThread().getName());
                return task.suspendOn(Tasks.sleep(pause));   // await(Tasks.sleep(pause))
            }
        });
    }

    static Task<String> main2() {
        Task<Integer> a = worker("worker A", 3, Duration.ofMillis(10));
        Task<Integer> b = worker("worker B", 3, Duration.ofMillis(15));
        CompletableFuture<Integer> remote = CompletableFuture.supplyAsync(() -> 6 * 7);
        Future<?>[] awaited = {a, b, Future.from(remote)};
        return Task.start(new Coroutine<String>() {
            int next;
            int total;

            @Override
            public Object step(Task<String> task, Object sent, Throwable thrown) throws Throwable {
                if (thrown != null) {
                    throw thrown;
                }
                if (next > 0) {
                    total += (Integer) sent;
                }
                if (next == awaited.length) {
                    return "total = " + total;
                }
                return task.suspendOn(awaited[next++]);
            }
        });
    }

    public static void main(String[] args) {
        String result = EventLoop.run(Interleave::main2);
        System.out.println(result);
    }
}
