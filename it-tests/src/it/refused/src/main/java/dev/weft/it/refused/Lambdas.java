package dev.weft.it.refused;

import static dev.weft.runtime.Await.await;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** Passes the source checks (a lambda may be async); the transformer refuses it: Supplier<Integer> is no Task. */
public class Lambdas {
    static Supplier<Integer> later(CompletableFuture<Integer> amount) {
        return () -> await(amount) + 1;
    }
}
