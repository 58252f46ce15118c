package dev.weft.benchmarks;

/** Every benchmark checks its result, so nothing is optimised away and a broken contender fails loudly. */
final class Checks {
    private Checks() {
    }

    static long expect(long actual, long expected) {
        if (actual != expected) {
            throw new AssertionError("expected " + expected + " but got " + actual);
        }
        return actual;
    }
}
