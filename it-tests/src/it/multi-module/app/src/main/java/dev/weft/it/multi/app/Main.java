package dev.weft.it.multi.app;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.it.multi.lib.Catalog;
import dev.weft.it.multi.lib.Discount;
import dev.weft.it.multi.lib.PriceSource;
import dev.weft.it.multi.lib.Prices;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Calls and awaits the @Async methods of the lib module; prints expected-output.txt, line for line. */
public class Main {
    static final Catalog NORTH = new Catalog("north", Map.of("tea", 40, "cake", 90), Duration.ofMillis(5));
    static final Catalog SOUTH = new Catalog("south", Map.of("tea", 50, "cake", 70), Duration.ofMillis(2));

    @Async
    static Task<String> quote(String item, boolean member) {
        // a local whose type is the common super type of two lib classes, kept across the await
        PriceSource source = member ? new Discount(NORTH, 10) : SOUTH;
        int price = await(source.price(item));
        return Task.completed(item + " at " + source.name() + ": " + price);
    }

    @Async
    static Task<String> shop() {
        StringBuilder out = new StringBuilder();
        out.append(await(quote("tea", true))).append('\n');
        out.append(await(quote("cake", false))).append('\n');
        int cheapestCake = await(Prices.cheapest(List.of(NORTH, SOUTH, new Discount(NORTH, 50)), "cake"));
        out.append("cheapest cake: ").append(cheapestCake).append('\n');
        try {
            await(NORTH.price("coffee"));
        } catch (IllegalArgumentException e) {
            out.append("error from lib: ").append(e.getMessage());
        }
        return Task.completed(out.toString());
    }

    public static void main(String[] args) {
        System.out.println(EventLoop.run(Main::shop));
    }
}
