package dev.weft.benchmarks;

import dev.weft.benchmarks.coroutines.KotlinWorkloads;
import dev.weft.benchmarks.eaasync.EaWorkloads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * W3 ({@link FanOutMemory}) for the peer libraries: retained heap per suspended task, measured the same way
 * (after GC, less the two lists' slots), then every future completed and every result checked.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.weft.benchmarks.FanOutMemoryPeers</pre>
 */
public final class FanOutMemoryPeers {
    private FanOutMemoryPeers() {
    }

    public static void main(String[] args) {
        System.out.printf("W3 retained bytes per suspended task (%,d tasks), %s%n", FanOutMemory.TASKS,
                Runtime.version());
        for (int round = 0; round < 3; round++) {
            double kotlin = KotlinWorkloads.fanOut(FanOutMemory.TASKS, FanOutMemory::usedAfterGc);
            double eaAsync = eaAsync();
            if (round == 2) {
                System.out.printf("  %-20s %8.1f B/task%n", "kotlin", kotlin);
                System.out.printf("  %-20s %8.1f B/task%n", "eaAsync", eaAsync);
            }
        }
    }

    static double eaAsync() {
        int tasks = FanOutMemory.TASKS;
        long before = FanOutMemory.usedAfterGc();
        List<CompletableFuture<Integer>> futures = new ArrayList<>(tasks);
        List<CompletableFuture<Integer>> results = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            futures.add(f);
            results.add(EaWorkloads.waiter(f));
        }
        long after = FanOutMemory.usedAfterGc();
        double perTask = (after - before - 8.0 * tasks) / tasks;
        futures.forEach(f -> f.complete(41));
        for (CompletableFuture<Integer> r : results) {
            if (r.join() != 42) {
                throw new AssertionError("wrong result");
            }
        }
        return perTask;
    }
}
