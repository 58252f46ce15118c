package dev.weft.it.multi.lib;

import dev.weft.runtime.Task;

/** Where prices come from; the app holds implementations of it across awaits. */
public interface PriceSource {
    Task<Integer> price(String item);

    String name();
}
