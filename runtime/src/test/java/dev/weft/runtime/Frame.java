package dev.weft.runtime;

/**
 * A hand-written coroutine frame in the shape the transformer emits for an {@code @Async} method: a subclass of
 * {@link Task} whose {@code awaitSite()} names the host class, the method and the line of the await its label
 * points at. Each stage is what the body does from one await to the next; {@link #await(Future, int)} is the
 * generated await (suspend on a pending future at a line, or go on at once with a done one).
 *
 * <pre>{@code
 * // @Async Task<Integer> middle() { return Task.completed(await(inner()) + 1); }   // line 17
 * Frame<Integer> middle = Frame.of("middle", (f, sent) -> f.await(inner(), 17), (f, sent) -> (Integer) sent + 1);
 * }</pre>
 */
final class Frame<T> extends Task<T> {
    static final String HOST = "demo.Main";
    static final String FILE = "Main.java";

    @FunctionalInterface
    interface Stage<T> {
        Object run(Frame<T> frame, Object sent) throws Throwable;
    }

    private final String method;
    private final Stage<T>[] stages;
    private int stage;
    /** The line of the await the frame is at, -1 before its first suspension (as a generated label 0). */
    private int line = -1;

    @SafeVarargs
    private Frame(String method, Stage<T>... stages) {
        this.method = method;
        this.stages = stages;
    }

    /** Starts the frame: its first step runs now, as an {@code @Async} call does. */
    @SafeVarargs
    static <T> Frame<T> start(String method, Stage<T>... stages) {
        Frame<T> f = new Frame<>(method, stages);
        f.begin();
        return f;
    }

    /** The generated {@code await(future)} at {@code line}: suspends on a pending future, else goes on. */
    Object await(Future<?> future, int line) throws Throwable {
        this.line = line;
        if (!future.isDone()) {
            return suspendOn(future);
        }
        Object value = future.result();
        return stages[stage++].run(this, value);
    }

    @Override
    protected Object step(Object sent, Throwable thrown) throws Throwable {
        if (thrown != null) {
            throw thrown; // no catch in these bodies: what is thrown in at the await escapes
        }
        return stages[stage++].run(this, sent);
    }

    @Override
    protected StackTraceElement awaitSite() {
        return new StackTraceElement(HOST, method, FILE, line);
    }
}
