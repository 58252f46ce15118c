package dev.weft.it.single;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The README's example and a few more awaits; prints expected-output.txt, line for line. */
public class App {

    @Async
    static Task<Integer> slowAdd(int a, int b) {
        await(Tasks.sleep(Duration.ofMillis(10)));
        return Task.completed(a + b);
    }

    @Async
    static Task<Integer> main2() {
        Task<Integer> x = slowAdd(1, 2);          // starts running now
        Task<Integer> y = slowAdd(3, 4);          // runs concurrently with x
        return Task.completed(await(x) + await(y));
    }

    /** A CompletableFuture completed on another thread; the step after the await runs on the loop again. */
    @Async
    static Task<String> fromAnotherThread() {
        Thread loop = Thread.currentThread();
        String value = await(CompletableFuture.supplyAsync(() -> "computed elsewhere"));
        return Task.completed(value + ", resumed on the loop thread: " + (Thread.currentThread() == loop));
    }

    @Async
    static Task<Void> worker(String name, List<String> trace) {
        for (int i = 0; i < 3; i++) {
            trace.add(name + i);
            await(Tasks.sleep(Duration.ZERO));   // yields: the other worker runs
        }
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> interleave() {
        List<String> trace = new ArrayList<>();
        Task<Void> a = worker("a", trace);
        Task<Void> b = worker("b", trace);
        await(a);
        await(b);
        return Task.completed(trace);
    }

    /** The original exception comes out of await, not a CompletionException around it. */
    @Async
    static CompletableFuture<String> failure() {
        CompletableFuture<Integer> failed = CompletableFuture.supplyAsync(() -> {
            throw new IllegalStateException("boom");
        });
        try {
            await(failed);
            return CompletableFuture.completedFuture("no exception?");
        } catch (IllegalStateException e) {
            return CompletableFuture.completedFuture("caught " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Locals of every kind survive the suspensions. */
    @Async
    static Task<String> locals() {
        long total = 0;
        double half = 0.5;
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 4; i++) {
            int got = await(Tasks.sleep(Duration.ofMillis(1), i));
            total += got;
            text.append(got);
        }
        return Task.completed("sum " + total + ", half " + (total * half) + ", digits " + text);
    }

    public static void main(String[] args) {
        System.out.println("contract example: " + EventLoop.run(() -> main2()));
        System.out.println("another thread: " + EventLoop.run(App::fromAnotherThread));
        System.out.println("interleave: " + EventLoop.run(App::interleave));
        System.out.println("failure: " + EventLoop.run(App::failure));
        System.out.println("locals: " + EventLoop.run(App::locals));
    }
}
