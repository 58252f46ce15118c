package dev.weft.it.multi.lib;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.Map;

/** A price source that answers after a delay. */
public class Catalog implements PriceSource {
    private final String name;
    private final Map<String, Integer> prices;
    private final Duration delay;

    public Catalog(String name, Map<String, Integer> prices, Duration delay) {
        this.name = name;
        this.prices = prices;
        this.delay = delay;
    }

    @Override
    public String name() {
        return name;
    }

    @Async
    @Override
    public Task<Integer> price(String item) {
        await(Tasks.sleep(delay));
        Integer price = prices.get(item);
        if (price == null) {
            throw new IllegalArgumentException(name + " has no " + item);
        }
        return Task.completed(price);
    }
}
