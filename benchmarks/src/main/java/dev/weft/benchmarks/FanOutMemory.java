package dev.weft.benchmarks;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;

/**
 * W3: 100,000 tasks each suspended on its own future that is not done; retained heap per suspended task (the
 * task and the future it waits on), measured after GC; then every future is completed and every result checked.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.weft.benchmarks.FanOutMemory</pre>
 */
public final class FanOutMemory {
    static final int TASKS = 100_000;

    private FanOutMemory() {
    }

    @Async
    static Task<Integer> waiter(Future<Integer> f) {
        return Task.completed(await(f) + 1);
    }

    public static void main(String[] args) throws Exception {
        System.out.printf("W3 retained bytes per suspended task (%,d tasks), %s%n", TASKS, Runtime.version());
        for (int round = 0; round < 3; round++) {
            boolean last = round == 2;
            report("weft", weft(), last);
            report("completableFuture", completableFuture(), last);
            if (VirtualThreads.available()) {
                report("virtualThread", virtualThread(), last);
            }
        }
    }

    private static void report(String name, double bytes, boolean print) {
        if (print) {
            System.out.printf("  %-20s %8.1f B/task%n", name, bytes);
        }
    }

    static long usedAfterGc() {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static double weft() {
        double[] perTask = new double[1];
        EventLoop.run(() -> {
            long before = usedAfterGc();
            List<Future<Integer>> futures = new ArrayList<>(TASKS);
            List<Task<Integer>> tasks = new ArrayList<>(TASKS);
            for (int i = 0; i < TASKS; i++) {
                futures.add(new Future<>());
            }
            for (int i = 0; i < TASKS; i++) {
                tasks.add(waiter(futures.get(i)));
            }
            long after = usedAfterGc();
            perTask[0] = (after - before - 8.0 * TASKS) / TASKS; // minus the two lists' slots
            return check(tasks);
        });
        return perTask[0];
    }

    @Async
    static Task<Void> check(List<Task<Integer>> tasks) {
        // complete every awaited future, then check every result
        for (Task<Integer> t : tasks) {
            java.util.concurrent.CompletionStage<?> awaited = t.awaiting();
            @SuppressWarnings("unchecked")
            Future<Integer> f = (Future<Integer>) awaited;
            f.complete(41);
        }
        for (Task<Integer> t : tasks) {
            if (await(t) != 42) {
                throw new AssertionError("wrong result");
            }
        }
        return Task.completed(null);
    }

    static double completableFuture() {
        long before = usedAfterGc();
        List<CompletableFuture<Integer>> futures = new ArrayList<>(TASKS);
        List<CompletableFuture<Integer>> results = new ArrayList<>(TASKS);
        for (int i = 0; i < TASKS; i++) {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            futures.add(f);
            results.add(f.thenApply(v -> v + 1));
        }
        long after = usedAfterGc();
        double perTask = (after - before - 8.0 * TASKS) / TASKS;
        futures.forEach(f -> f.complete(41));
        for (CompletableFuture<Integer> r : results) {
            if (r.join() != 42) {
                throw new AssertionError("wrong result");
            }
        }
        return perTask;
    }

    static double virtualThread() throws Exception {
        ExecutorService executor = VirtualThreads.executor();
        long before = usedAfterGc();
        List<CompletableFuture<Integer>> futures = new ArrayList<>(TASKS);
        CountDownLatch started = new CountDownLatch(TASKS);
        List<java.util.concurrent.Future<Integer>> results = new ArrayList<>(TASKS);
        for (int i = 0; i < TASKS; i++) {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            futures.add(f);
            results.add(executor.submit(() -> {
                started.countDown();
                return f.get() + 1;
            }));
        }
        started.await();
        Thread.sleep(200); // let every virtual thread park
        long after = usedAfterGc();
        double perTask = (after - before - 8.0 * TASKS) / TASKS;
        futures.forEach(f -> f.complete(41));
        for (java.util.concurrent.Future<Integer> r : results) {
            if (r.get() != 42) {
                throw new AssertionError("wrong result");
            }
        }
        return perTask;
    }
}
