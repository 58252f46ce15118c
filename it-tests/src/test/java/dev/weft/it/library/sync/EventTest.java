package dev.weft.it.library.sync;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.Async;
import dev.weft.runtime.Event;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A scenario that hangs (a waiter never woken) fails instead of stalling the build. */
@Timeout(10)
class EventTest {

    @Async
    static Task<Void> waitAndNote(Event e, String name, List<String> trace) {
        await(e.waitFor());
        trace.add(name);
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> threeWaiters() {
        Event e = new Event();
        List<String> trace = new ArrayList<>();
        Task<Void> a = waitAndNote(e, "a", trace);
        Task<Void> b = waitAndNote(e, "b", trace);
        Task<Void> c = waitAndNote(e, "c", trace);
        b.cancel();
        await(Turns.settle());
        trace.add("before set");
        e.set();
        await(a);
        await(c);
        trace.add("b cancelled: " + b.isCancelled());
        return Task.completed(trace);
    }

    @Test
    void setWakesEveryWaiterInOrder() {
        assertEquals(List.of("before set", "a", "c", "b cancelled: true"), EventLoop.run(() -> threeWaiters()));
    }

    @Async
    static Task<List<String>> setAndClear() {
        Event e = new Event();
        List<String> trace = new ArrayList<>();
        e.set();
        trace.add("set: done at once " + e.waitFor().isDone());
        e.clear();
        trace.add("cleared: done at once " + e.waitFor().isDone() + ", isSet " + e.isSet());
        return Task.completed(trace);
    }

    @Test
    void waitForIsDoneAtOnceOnlyWhileSet() {
        assertEquals(List.of("set: done at once true", "cleared: done at once false, isSet false"),
                EventLoop.run(() -> setAndClear()));
    }
}
