package dev.weft.examples;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.AsyncGenerator;
import dev.weft.runtime.AsyncIterator;
import dev.weft.runtime.AsyncIterators;
import dev.weft.runtime.Emitter;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.List;

/**
 * Async iteration (issue #15): an async generator consumed by hand and left early, the same generator through
 * operators. Prints what happens, in order, and ends.
 */
public final class Iteration {
    private Iteration() {
    }

    /** Counts down from {@code from}, a tick apart; says when its finally block runs. */
    @Async
    static Task<Void> countdown(Emitter<Integer> out, int from) {
        try {
            for (int i = from; i > 0; i--) {
                await(Tasks.sleep(Duration.ofMillis(20)));
                System.out.println("  countdown emits " + i);
                await(out.emit(i)); // suspended here until the consumer asks for the next item
            }
        } finally {
            System.out.println("  countdown's finally");
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> byHand() {
        System.out.println("by hand, leaving after three items:");
        AsyncIterator<Integer> it = AsyncGenerator.of(out -> countdown(out, 10)); // nothing runs yet
        int sum = 0;
        try {
            for (int n = 0; n < 3 && await(it.hasNext()); n++) {
                int x = it.next();
                System.out.println("  consumer got " + x);
                sum += x;
            }
        } finally {
            await(it.close()); // the generator's finally has run when this returns
        }
        System.out.println("  sum " + sum);
        return Task.completed(null);
    }

    @Async
    static Task<Void> withOperators() {
        System.out.println("through map, filter and take, collected:");
        AsyncIterator<Integer> evens = AsyncIterators.filter(AsyncGenerator.of(out -> countdown(out, 10)),
                x -> x % 2 == 0);
        List<String> firstTwo = await(AsyncIterators.toList(
                AsyncIterators.take(AsyncIterators.map(evens, x -> "even " + x), 2))); // take closes the chain
        System.out.println("  " + firstTwo);
        return Task.completed(null);
    }

    @Async
    static Task<Void> demo() {
        await(byHand());
        await(withOperators());
        return Task.completed(null);
    }

    public static void main(String[] args) {
        EventLoop.run(Iteration::demo);
    }
}
