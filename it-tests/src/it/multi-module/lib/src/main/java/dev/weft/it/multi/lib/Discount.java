package dev.weft.it.multi.lib;

import dev.weft.runtime.Task;

/** A source that wraps another one: a different class of the same interface, from the same jar. */
public class Discount implements PriceSource {
    private final PriceSource inner;
    private final int percent;

    public Discount(PriceSource inner, int percent) {
        this.inner = inner;
        this.percent = percent;
    }

    @Override
    public String name() {
        return inner.name() + " -" + percent + "%";
    }

    @Override
    public Task<Integer> price(String item) {
        return Prices.reduced(inner, item, percent);
    }
}
