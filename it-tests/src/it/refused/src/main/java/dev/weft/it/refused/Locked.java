package dev.weft.it.refused;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.Task;
import java.util.concurrent.CompletableFuture;

public class Locked {
    private final Object lock = new Object();
    private int total;

    @Async
    Task<Integer> add(CompletableFuture<Integer> amount) {
        synchronized (lock) {
            total += await(amount);
        }
        return Task.completed(total);
    }
}
