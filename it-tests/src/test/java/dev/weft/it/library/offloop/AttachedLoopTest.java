package dev.weft.it.library.offloop;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A loop living on an existing single-threaded executor (a stand-in for a Swing EDT or a Netty event loop). */
class AttachedLoopTest {
    private ExecutorService ui;

    @BeforeEach
    void startUiThread() {
        ui = Executors.newSingleThreadExecutor(r -> new Thread(r, "ui"));
    }

    @AfterEach
    void stopUiThread() {
        ui.shutdownNow();
    }

    @Async
    static Task<List<String>> work() {
        List<String> steps = new ArrayList<>();
        steps.add("start on " + Thread.currentThread().getName());
        await(Tasks.sleep(Duration.ofMillis(10)));
        steps.add("after a timer on " + Thread.currentThread().getName());
        int remote = await(CompletableFuture.supplyAsync(() -> 41));
        steps.add("after another thread's future on " + Thread.currentThread().getName());
        int blocking = await(Tasks.toThread(() -> remote + 1));
        steps.add("after blocking work (" + blocking + ") on " + Thread.currentThread().getName());
        return Task.completed(steps);
    }

    @Test
    void tasksStartedOnTheExecutorRunEveryStepThere() throws Exception {
        EventLoop loop = EventLoop.attachedTo(ui);
        CompletableFuture<List<String>> result = new CompletableFuture<>();
        loop.callSoonThreadsafe(() -> work().addDoneCallback(t -> result.complete(t.result())));
        List<String> steps = result.get(10, TimeUnit.SECONDS);
        assertEquals(List.of("start on ui", "after a timer on ui", "after another thread's future on ui",
                "after blocking work (42) on ui"), steps);
        loop.close();
    }

    @Test
    void codeOnTheExecutorThreadFindsTheLoop() throws Exception {
        EventLoop loop = EventLoop.attachedTo(ui);
        EventLoop seen = CompletableFuture.supplyAsync(EventLoop::running, ui).get(10, TimeUnit.SECONDS);
        assertSame(loop, seen);
        assertTrue(loop.isRunning());
        assertThrows(IllegalStateException.class, loop::runForever, "its executor runs it");
        loop.close();
        CompletableFuture.runAsync(() -> { }, ui).get(10, TimeUnit.SECONDS); // the close is a turn
        assertTrue(loop.isClosed());
    }

    @Test
    void betweenTurnsTheThreadIsFreeForItsOwnWork() throws Exception {
        EventLoop loop = EventLoop.attachedTo(ui);
        List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.callSoonThreadsafe(() -> {
            order.add("loop callback");
            EventLoop.running().callLater(Duration.ofMillis(30), () -> {
                order.add("timer");
                done.complete(null);
            });
        });
        ui.execute(() -> order.add("the executor's own job"));
        done.get(10, TimeUnit.SECONDS);
        assertEquals(3, order.size());
        assertEquals("timer", order.get(2), "the timer fired after the executor ran its own job: " + order);
        loop.close();
    }
}
