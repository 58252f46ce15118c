package dev.weft;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method to be rewritten into a coroutine: a state machine that the Weft runtime steps with
 * {@code send}/{@code throw}, suspending at each {@code Await.await(...)} of a future that is not done yet.
 *
 * <p>The method must return {@code dev.weft.runtime.Task<T>}, {@code CompletableFuture<T>} or
 * {@code CompletionStage<T>}, and ends with {@code return Task.completed(value)} (or
 * {@code CompletableFuture.completedFuture(value)}). Calling it runs the body at once, on the calling thread,
 * up to the first await of a future that is not done; the call then returns a task that completes later.
 *
 * <pre>{@code
 * @Async
 * static Task<Integer> slowAdd(int a, int b) {
 *     await(Tasks.sleep(Duration.ofMillis(10)));
 *     return Task.completed(a + b);
 * }
 * }</pre>
 *
 * <p>The rewrite happens at build time ({@code dev.weft:async-maven-plugin}) or at load time
 * ({@code -javaagent:async-agent.jar}). Retention is {@code CLASS}: the transformer reads the annotation from the
 * class file; nothing reflects on it at run time.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Async {
}
