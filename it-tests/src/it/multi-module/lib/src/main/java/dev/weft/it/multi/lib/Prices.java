package dev.weft.it.multi.lib;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.Task;
import java.util.List;

/** @Async helpers the app awaits. */
public final class Prices {
    private Prices() {
    }

    @Async
    static Task<Integer> reduced(PriceSource source, String item, int percent) {
        int full = await(source.price(item));
        return Task.completed(full - full * percent / 100);
    }

    /** Asks every source at once, then awaits them in order: the cheapest price. */
    @Async
    public static Task<Integer> cheapest(List<? extends PriceSource> sources, String item) {
        List<Task<Integer>> asked = sources.stream().map(s -> s.price(item)).toList();
        int best = Integer.MAX_VALUE;
        for (Task<Integer> t : asked) {
            best = Math.min(best, await(t));
        }
        return Task.completed(best);
    }
}
