package dev.weft.runtime;

/**
 * The protocol a transformed {@code @Async} method implements, and that a {@link Task} drives.
 *
 * <p>A coroutine is a resumable computation. Its {@link Task} calls {@link #step} once to start it and once
 * more each time a future it awaits is done. Each step ends in exactly one of three ways:
 * <ul>
 *   <li><b>suspended</b>: the coroutine found a future that is not done, saved what it needs to resume, and
 *       returned {@code task.suspendOn(future)} (which records the future and returns {@link #SUSPENDED}). The
 *       task registers itself as that future's done-callback <em>after</em> the step has returned, so a step
 *       never races with its own resumption;</li>
 *   <li><b>returned</b> a value: any other return value, {@code null} included, completes the task with it;</li>
 *   <li><b>threw</b>: the exception completes the task exceptionally ({@link java.util.concurrent.CancellationException}
 *       cancels it).</li>
 * </ul>
 *
 * <p>A step resumes the coroutine at its last suspension point with either a value ({@code send}: the result of
 * the awaited future, {@code thrown == null}) or an exception ({@code throw}: {@code thrown != null}, to be thrown
 * at the suspension point, so that the user's catch and finally blocks run). The first step gets
 * {@code (null, null)}, or a {@code CancellationException} if the task was cancelled before it started.
 *
 * <p>The step is the hot path: the protocol allocates nothing. There is no wrapper per await and no lambda per
 * resume: the task object itself is the done-callback, and a generated coroutine is normally the task itself
 * (a subclass of {@link Task} that overrides {@link Task#step}), so one object holds the task's state, the
 * coroutine's saved locals and the waiter registration.
 *
 * <p>A hand-written coroutine, in the shape the transformer emits:
 * <pre>{@code
 * // @Async Task<Integer> twice(Future<Integer> f) { int a = await(f); return Task.completed(a * 2); }
 * Coroutine<Integer> twice = new Coroutine<>() {
 *     int label;
 *     public Object step(Task<Integer> task, Object sent, Throwable thrown) throws Throwable {
 *         switch (label) {
 *             case 0:
 *                 if (thrown != null) throw thrown;
 *                 if (!f.isDone()) { label = 1; return task.suspendOn(f); }
 *                 sent = f.result();                      // done already: no suspension, nothing saved
 *                 // fall through
 *             case 1:
 *                 if (thrown != null) throw thrown;       // the await point: exceptions surface here
 *                 int a = (Integer) sent;
 *                 return a * 2;
 *             default: throw new IllegalStateException();
 *         }
 *     }
 * };
 * Task<Integer> t = Task.start(twice);
 * }</pre>
 *
 * @param <T> the type of the value the coroutine returns
 */
@FunctionalInterface
public interface Coroutine<T> {

    /**
     * Returned by {@link #step} (through {@link Task#suspendOn}) to say "suspended"; never a real result.
     */
    Object SUSPENDED = new Object() {
        @Override
        public String toString() {
            return "Coroutine.SUSPENDED";
        }
    };

    /**
     * Runs the coroutine from its last suspension point to its next one, or to its end.
     *
     * @param task   the task driving this coroutine; a suspending step returns {@code task.suspendOn(future)}
     * @param sent   the awaited future's result (send), or {@code null} on the first step
     * @param thrown the exception to throw at the suspension point (throw), or {@code null} to send
     * @return {@link #SUSPENDED} after {@code task.suspendOn(future)}, or the coroutine's result
     * @throws Throwable the coroutine's exception, which completes the task exceptionally
     */
    Object step(Task<T> task, Object sent, Throwable thrown) throws Throwable;
}
