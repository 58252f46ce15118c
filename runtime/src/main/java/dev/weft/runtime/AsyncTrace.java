package dev.weft.runtime;

/**
 * In debug mode, attached (as a suppressed exception) to an exception that crosses awaits: its stack trace is the
 * chain of {@code await}s the exception was thrown into, innermost first, so a failure that surfaced three tasks
 * up still says how it got there. Printed by {@code printStackTrace} as
 * <pre>
 *   Suppressed: dev.weft.runtime.AsyncTrace: crossed 2 awaits
 *       at demo.Chain.middle(Chain.java:17)
 *       at demo.Chain.outer(Chain.java:11)
 * </pre>
 */
public final class AsyncTrace extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private AsyncTrace() {
        super(null, null, false, true);
        setStackTrace(new StackTraceElement[0]);
    }

    @Override
    public String getMessage() {
        int n = getStackTrace().length;
        return "crossed " + n + (n == 1 ? " await" : " awaits");
    }

    /** Adds {@code site} to the async trace of {@code thrown}, creating it on the first await crossed. */
    static void record(Throwable thrown, StackTraceElement site) {
        if (site == null || thrown instanceof java.util.concurrent.CancellationException) {
            return;
        }
        AsyncTrace trace = null;
        for (Throwable s : thrown.getSuppressed()) {
            if (s instanceof AsyncTrace t) {
                trace = t;
                break;
            }
        }
        if (trace == null) {
            trace = new AsyncTrace();
            thrown.addSuppressed(trace);
        }
        StackTraceElement[] old = trace.getStackTrace();
        StackTraceElement[] grown = java.util.Arrays.copyOf(old, old.length + 1);
        grown[old.length] = site;
        trace.setStackTrace(grown);
    }
}
