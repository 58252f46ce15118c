package dev.weft.it.library.iter;

/**
 * The TCK's time-outs for the Flow verifications: how long it waits for a signal that must come, and for one that
 * must not. The machine the build runs on may be shared, so the first is generous; the second is spent in full by
 * every test that checks for silence, so it stays short.
 */
final class FlowTck {
    static final long TIMEOUT_MILLIS = 2_000;
    static final long NO_SIGNAL_MILLIS = 100;
    static final long GC_TIMEOUT_MILLIS = 2_000;

    private FlowTck() {
    }
}
