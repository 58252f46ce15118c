package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code await(x, IOException.class)} (contract: pinned names): the same await, declared {@code throws X} so that
 * a checked exception can be caught by type around it. Rewritten like {@code await(x)}, for a Future and for a
 * CompletionStage, done or pending, succeeding or failing, and agreeing with the untransformed fallback.
 */
class AwaitThrowsTest {

    static final String CHECKED = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Future;
            import dev.weft.runtime.Task;
            import java.io.IOException;
            import java.util.concurrent.CompletableFuture;
            import java.util.concurrent.CompletionStage;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Checked {
                @Async
                static Task<String> readLine(boolean fail) {
                    await(sleep(ZERO));
                    if (fail) {
                        throw new RuntimeException(new IOException("wrapped, not what await throws"));
                    }
                    return Task.completed("line");
                }

                @Async
                static Task<String> failing() {
                    await(sleep(ZERO));
                    sneaky(new IOException("disk gone"));
                    return Task.completed("unreachable");
                }

                @SuppressWarnings("unchecked")
                static <E extends Throwable> void sneaky(Throwable t) throws E {
                    throw (E) t;
                }

                static CompletionStage<String> stage(boolean fail) {
                    CompletableFuture<String> cf = new CompletableFuture<>();
                    new Thread(() -> {
                        if (fail) {
                            cf.completeExceptionally(new IOException("stage failed"));
                        } else {
                            cf.complete("stage value");
                        }
                    }).start();
                    return cf;
                }

                @Async
                static Task<String> run() {
                    StringBuilder out = new StringBuilder();
                    long before = 7L;
                    try {
                        out.append(await(readLine(false), IOException.class)).append(';');
                        out.append(await(failing(), IOException.class)).append(';');
                    } catch (IOException e) {
                        out.append("caught ").append(e.getMessage()).append(';');
                    }
                    try {
                        out.append(await(stage(false), IOException.class)).append(';');
                        out.append(await(stage(true), IOException.class)).append(';');
                    } catch (IOException e) {
                        out.append("caught ").append(e.getMessage()).append(';');
                    }
                    Future<Integer> done = new Future<>();
                    done.complete(5);
                    out.append(before + await(done, IllegalStateException.class)).append(';');
                    return Task.completed(out.toString());
                }
            }
            """;

    static final String EXPECTED = "line;caught disk gone;stage value;caught stage failed;12;";

    @ParameterizedTest(name = "compact shape: {0}")
    @ValueSource(booleans = {false, true})
    void theTwoArgumentAwaitSuspendsAndItsCheckedExceptionIsCaughtByType(boolean compact) {
        Compiled program = AsyncTestSupport.transformed(AsyncTestSupport.javac(CHECKED), compact);
        assertEquals(EXPECTED, program.runSuspending("demo.Checked", "run"));
    }

    @Test
    void theUntransformedFallbackGivesTheSameTrace() {
        Compiled program = AsyncTestSupport.untransformed(CHECKED);
        Object task = AsyncTestSupport.onFreshThread(() -> program.call("demo.Checked", "run"));
        assertEquals(EXPECTED, ((dev.weft.runtime.Task<?>) task).result());
    }
}
