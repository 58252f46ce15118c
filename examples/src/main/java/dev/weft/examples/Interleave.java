package dev.weft.examples;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Two workers share one event-loop thread, taking turns at each {@code await}, while a CompletableFuture
 * computed on another thread is awaited alongside them.
 */
public final class Interleave {
    private Interleave() {
    }

    @Async
    static Task<Integer> worker(String name, int steps, Duration pause) {
        int done = 0;
        for (int i = 0; i < steps; i++) {
            System.out.println(name + " step " + i + " on " + Thread.currentThread().getName());
            await(Tasks.sleep(pause));
            done++;
        }
        return Task.completed(done);
    }

    @Async
    static Task<String> main2() {
        Task<Integer> a = worker("worker A", 3, Duration.ofMillis(10));
        Task<Integer> b = worker("worker B", 3, Duration.ofMillis(15));
        CompletableFuture<Integer> remote = CompletableFuture.supplyAsync(() -> 6 * 7);
        int total = await(a) + await(b) + await(remote);
        return Task.completed("total = " + total);
    }

    public static void main(String[] args) {
        System.out.println(EventLoop.run(Interleave::main2));
    }
}
