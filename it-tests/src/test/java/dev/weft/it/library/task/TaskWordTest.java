package dev.weft.it.library.task;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.ContextVar;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Futures;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A suspended task is 32 bytes (issue #13): its resume point, cancellation flags and request count share one int,
 * its context shares the outcome field while it is pending, and the loop finds its pending tasks without an index
 * in each. None of that may show: these pin what each packed thing must still do at its edges.
 */
@Timeout(20)
class TaskWordTest {

    private static final ContextVar<String> WHO = new ContextVar<>("who");

    @Async
    static Task<String> swallowing(Future<Void> release) {
        while (true) {
            try {
                await(Futures.shield(release)); // a cancellation cancels the shield, never release
                return Task.completed("released");
            } catch (CancellationException e) {
                // asyncio allows it: a task that takes its cancellations and goes on
            }
        }
    }

    @Async
    static Task<List<Integer>> manyRequests() {
        Future<Void> release = new Future<>();
        Task<String> t = swallowing(release);
        List<Integer> seen = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            t.cancel();
        }
        seen.add(t.cancelling());
        for (int i = 0; i < 9_999; i++) {
            t.uncancel();
        }
        seen.add(t.cancelling());
        seen.add(t.uncancel());
        seen.add(t.uncancel()); // none left to take back
        release.complete(null);
        await(t);
        seen.add(t.cancelling());
        return Task.completed(seen);
    }

    /** asyncio counts every request; the word holds 8,191 of them, the rest are counted aside, the same way. */
    @Test
    void cancellationRequestsAreCountedPastWhatTheWordHolds() {
        assertEquals(List.of(10_000, 1, 0, 0, 0), EventLoop.run(TaskWordTest::manyRequests));
    }

    @Async
    static Task<String> cancelledWhileSettingContext() {
        WHO.set("before");
        Task.current().cancel("the reason");
        WHO.set("after"); // the context changes while the cancellation's message waits beside it
        String seen = WHO.get();
        try {
            await(Tasks.sleep(Duration.ofSeconds(10)));
            return Task.completed("not cancelled");
        } catch (CancellationException e) {
            return Task.completed(seen + " / " + e.getMessage() + " / " + WHO.get());
        }
    }

    /** The pending cancellation's message and the task's context live in one field: setting one keeps the other. */
    @Test
    void aContextSetWhileACancellationWaitsKeepsBothTheValueAndTheMessage() {
        assertEquals("after / the reason / after", EventLoop.run(TaskWordTest::cancelledWhileSettingContext));
    }

    @Async
    static Task<Integer> waitFor(Future<Integer> f) {
        return Task.completed(await(f) + 1);
    }

    @Async
    static Task<List<String>> manyTasks(List<WeakReference<Task<Integer>>> refs) {
        EventLoop loop = EventLoop.running();
        Task<?> self = Task.current();
        List<Future<Integer>> futures = new ArrayList<>();
        List<Task<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            Future<Integer> f = new Future<>();
            futures.add(f);
            tasks.add(waitFor(f));
        }
        List<String> seen = new ArrayList<>();
        seen.add("pending " + (loop.pendingTasks().size() - 1)); // less main itself
        // finish every other one: the rest stay listed, in the order they suspended
        for (int i = 0; i < 1_000; i += 2) {
            futures.get(i).complete(i);
        }
        await(Tasks.sleep(Duration.ZERO));
        await(Tasks.sleep(Duration.ZERO));
        List<Task<?>> left = new ArrayList<>(loop.pendingTasks());
        left.remove(self);
        List<Task<?>> odd = new ArrayList<>();
        for (int i = 1; i < 1_000; i += 2) {
            odd.add(tasks.get(i));
        }
        seen.add("odd ones left in order " + left.equals(odd));
        for (int i = 1; i < 1_000; i += 2) {
            futures.get(i).complete(i);
        }
        await(Tasks.sleep(Duration.ZERO));
        await(Tasks.sleep(Duration.ZERO));
        int sum = 0;
        for (Task<Integer> t : tasks) {
            sum += t.result();
            refs.add(new WeakReference<>(t));
        }
        seen.add("sum " + sum);
        seen.add("pending " + (loop.pendingTasks().size() - 1));
        tasks.clear();
        futures.clear();
        // the loop may hold a few done tasks until its next sweep, never most of them
        int alive = 1_000;
        for (int attempt = 0; attempt < 10 && alive > 40; attempt++) {
            System.gc();
            alive = 0;
            for (WeakReference<Task<Integer>> r : refs) {
                alive += r.get() != null ? 1 : 0;
            }
        }
        seen.add("at most 40 still reachable " + (alive <= 40));
        return Task.completed(seen);
    }

    @Test
    void theLoopListsItsPendingTasksInOrderAndLetsTheDoneOnesGo() {
        List<WeakReference<Task<Integer>>> refs = new ArrayList<>();
        List<String> seen = EventLoop.run(() -> manyTasks(refs));
        assertEquals(List.of("pending 1000", "odd ones left in order true", "sum " + (999 * 1000 / 2 + 1_000),
                "pending 0", "at most 40 still reachable true"), seen);
        assertTrue(refs.size() == 1_000);
    }

    @Async
    static Task<Integer> link(int depth, Future<Integer> leaf) {
        return Task.completed((depth == 0 ? await(leaf) : await(link(depth - 1, leaf))) + 1);
    }

    @Async
    static Task<Integer> alsoAwaits(Task<Integer> t) {
        return Task.completed(await(t));
    }

    @Async
    static Task<String> chainListed() {
        EventLoop loop = EventLoop.running();
        Future<Integer> leaf = new Future<>();
        Task<Integer> top = link(4, leaf); // five tasks; each but the outermost is found through its awaiter
        Task<Integer> second = alsoAwaits(top); // takes over top's slot
        Task<Integer> third = alsoAwaits(top); // top is reached through two awaiters now: listed once
        List<Task<?>> pending = loop.pendingTasks();
        List<String> seen = new ArrayList<>();
        seen.add(pending.size() + " pending, distinct " + new java.util.HashSet<>(pending).size());
        List<Task<?>> chain = new ArrayList<>();
        for (Object a = second; a instanceof Task<?> t; a = t.awaiting()) {
            chain.add(t);
        }
        seen.add("chain of " + chain.size() + " all listed " + pending.containsAll(chain)
                + ", main listed " + pending.contains(Task.current()));
        loop.callSoon(() -> leaf.complete(0));
        seen.add("results " + await(second) + " " + await(third) + " " + await(top));
        seen.add(loop.pendingTasks().size() + " pending after");
        return Task.completed(String.join(" / ", seen));
    }

    /**
     * A chain of calls, each awaiting the next, holds one slot of the loop's pending tasks; every task of it is
     * still listed, once, however many await it.
     */
    @Test
    void everyTaskOfAChainIsListedOnceAsPending() {
        assertEquals("8 pending, distinct 8 / chain of 6 all listed true, main listed true / results 5 5 5"
                + " / 1 pending after", EventLoop.run(TaskWordTest::chainListed));
    }
}
