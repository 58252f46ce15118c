package dev.weft.it.refused;

import static dev.weft.runtime.Await.await;

import java.util.concurrent.CompletableFuture;

public class NotAsync {
    static int total(CompletableFuture<Integer> amount) {
        int sum = await(amount);
        return sum + 1;
    }
}
