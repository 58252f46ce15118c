package dev.weft.it.tests;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;

/** Main code the tests await. */
public class Counter {
    private int value;

    @Async
    public Task<Integer> incrementLater(Duration delay) {
        await(Tasks.sleep(delay));
        return Task.completed(++value);
    }
}
