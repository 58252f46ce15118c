package dev.weft.runtime;

/**
 * The async stack of a failure, attached as a suppressed exception when a task fails: its stack trace is the
 * chain of {@code await}s that were waiting for the failing task, innermost first, each with its source line. A
 * stack trace taken after a resume starts at the event loop; this says which {@code @Async} callers were waiting.
 * Printed by {@code printStackTrace} as
 * <pre>
 * java.lang.IllegalStateException: deep down
 *     at demo.Chain.inner(Chain.java:24)
 *     ...
 *     at dev.weft.runtime.EventLoop.run(EventLoop.java:860)
 *     at demo.Main.main(Main.java:8)
 *     Suppressed: dev.weft.runtime.AsyncTrace: awaited by 2 @Async callers
 *         at demo.Chain.middle(Chain.java:17)
 *         at demo.Chain.outer(Chain.java:11)
 * </pre>
 *
 * <p>Always on, and paid for on the failure path only: when a task's step throws, the tasks waiting for it are
 * still registered on it, so their awaits are read from them ({@link Task#awaitSite()}: no stack walk, neither
 * here nor on any success path). When the exception was thrown in at the failing task's own await (it came from a
 * future that failed elsewhere), that await comes first. An exception gets one async stack, at the first task it
 * fails: the same exception failing the awaiters in turn finds it there. The exception's own stack trace is left
 * as the JVM wrote it. A {@link java.util.concurrent.CancellationException} gets none (cancellation is not a
 * failure), nor does an exception that was created without suppression, nor a {@link TaskGroupException} (its
 * suppressed exceptions are the group's other failures).
 *
 * <p>The chain follows the first task waiting at each level (through a {@code gather} in between), within the
 * failing task's loop, for at most {@value #MAX_DEPTH} awaits.
 */
public final class AsyncTrace extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** As HotSpot's default MaxJavaStackTraceDepth. */
    static final int MAX_DEPTH = 1024;

    private AsyncTrace(StackTraceElement[] chain) {
        super(null, null, false, true);
        setStackTrace(chain);
    }

    /** Nothing to walk: the stack trace is the chain of awaits, set by the constructor. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    @Override
    public String getMessage() {
        int n = getStackTrace().length;
        return "awaited by " + n + (n == 1 ? " @Async caller" : " @Async callers");
    }

    /**
     * The async stack of {@code failure}, which fails {@code failing} now (still pending, its awaiters still
     * registered): attached unless it has one, or there is nothing to say.
     *
     * @param thrownIn {@code failure} was thrown in at {@code failing}'s own await
     */
    static void attach(Throwable failure, Task<?> failing, boolean thrownIn) {
        if (failure instanceof TaskGroupException) {
            return; // its suppressed exceptions are its failures, and are documented as such
        }
        StackTraceElement first = thrownIn ? Task.siteOf(failing) : null;
        Task<?> awaiter = failing.firstAwaiter();
        if (first == null && awaiter == null) {
            return; // nobody waits (yet): the common case of a task whose failure is awaited later
        }
        for (Throwable s : failure.getSuppressed()) {
            if (s instanceof AsyncTrace) {
                return;
            }
        }
        StackTraceElement[] chain = new StackTraceElement[16];
        int n = 0;
        if (first != null) {
            chain[n++] = first;
        }
        EventLoop loop = failing.loop;
        // tasks awaiting one another in a cycle never fail (none can resume); the cap bounds the walk regardless
        for (Task<?> t = awaiter; t != null && n < MAX_DEPTH; ) {
            StackTraceElement site = Task.siteOf(t);
            if (site != null) {
                if (n == chain.length) {
                    chain = java.util.Arrays.copyOf(chain, Math.min(n * 2, MAX_DEPTH));
                }
                chain[n++] = site;
            }
            t = t.loop == loop ? t.firstAwaiter() : null; // another loop's tasks are not ours to read
        }
        if (n > 0) {
            failure.addSuppressed(new AsyncTrace(java.util.Arrays.copyOf(chain, n)));
        }
    }

    /** {@code -Dweft.rawStackTraces=true}: leave the frames of generated code in the stack traces of failures. */
    private static final boolean RAW = Boolean.getBoolean("weft.rawStackTraces");

    /**
     * Removes from {@code failure}'s stack trace the frames of code the transformer generated, as the JVM leaves out
     * the frames of lambda forms: a frame class's {@code step} (its class is named {@code Host$async$method$N}),
     * which calls the method's body on a resume, and the entry of an {@code @Async} method, which calls the body for
     * the first step (a frame without a line right below a frame of the same method with one). What is left names
     * the user's methods as written, each at its line. Called once, on the failure path, for an exception thrown
     * by the failing step itself.
     */
    static void hideGeneratedFrames(Throwable failure) {
        if (RAW) {
            return;
        }
        StackTraceElement[] trace = failure.getStackTrace();
        int kept = 0;
        StackTraceElement above = null;
        for (StackTraceElement e : trace) {
            boolean generated = ("step".equals(e.getMethodName()) && e.getClassName().contains("$async$"))
                    || (above != null && e.getLineNumber() < 0 && above.getLineNumber() >= 0
                        && e.getMethodName().equals(above.getMethodName())
                        && e.getClassName().equals(above.getClassName()));
            above = e;
            if (!generated) {
                trace[kept++] = e;
            }
        }
        if (kept < trace.length) {
            failure.setStackTrace(java.util.Arrays.copyOf(trace, kept));
        }
    }

    /** The async stack attached to {@code failure}, innermost first, or an empty list. */
    static java.util.List<StackTraceElement> of(Throwable failure) {
        for (Throwable s : failure.getSuppressed()) {
            if (s instanceof AsyncTrace t) {
                return java.util.List.of(t.getStackTrace());
            }
        }
        return java.util.List.of();
    }
}
