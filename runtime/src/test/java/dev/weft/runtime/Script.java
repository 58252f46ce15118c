package dev.weft.runtime;

/**
 * Hand-written coroutines for tests, in the shape the transformer emits: a label picks the code to run from
 * each suspension point. A script is a list of stages; stage {@code i} runs on step {@code i}, gets what the
 * await before it produced, and either suspends ({@code return task.suspendOn(f)}) or returns the result.
 * A stage that does not handle {@code thrown} lets it escape, as code without a catch would.
 */
final class Script<T> implements Coroutine<T> {

    @FunctionalInterface
    interface Stage<T> {
        Object run(Task<T> task, Object sent, Throwable thrown) throws Throwable;
    }

    /** A stage with no catch: an exception thrown in at its await escapes. */
    @FunctionalInterface
    interface Plain<T> {
        Object run(Task<T> task, Object sent) throws Throwable;
    }

    private final Stage<T>[] stages;
    private int label;

    @SafeVarargs
    private Script(Stage<T>... stages) {
        this.stages = stages;
    }

    @SafeVarargs
    static <T> Script<T> of(Stage<T>... stages) {
        return new Script<>(stages);
    }

    @SafeVarargs
    static <T> Script<T> plain(Plain<T>... stages) {
        @SuppressWarnings("unchecked")
        Stage<T>[] wrapped = new Stage[stages.length];
        for (int i = 0; i < stages.length; i++) {
            Plain<T> p = stages[i];
            wrapped[i] = (task, sent, thrown) -> {
                if (thrown != null) {
                    throw thrown;
                }
                return p.run(task, sent);
            };
        }
        return new Script<>(wrapped);
    }

    @Override
    public Object step(Task<T> task, Object sent, Throwable thrown) throws Throwable {
        if (label >= stages.length) {
            throw new IllegalStateException("script stepped past its end");
        }
        return stages[label++].run(task, sent, thrown);
    }

    /** Starts a task running the script. */
    Task<T> start() {
        return Task.start(this);
    }
}
