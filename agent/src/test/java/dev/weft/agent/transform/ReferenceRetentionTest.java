package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #10 item 7: a suspended task holds exactly what its code will read after resuming. A value saved at one
 * await and dead at the next must not stay reachable through the frame while the task waits at the next one,
 * nor after the task is done.
 */
class ReferenceRetentionTest {

    static final String RETENTION = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Future;
            import dev.weft.runtime.Task;
            import java.lang.ref.WeakReference;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Retention {
                static WeakReference<Object> ref;

                static boolean collected() {
                    for (int i = 0; i < 20; i++) {
                        System.gc();
                        if (ref.get() == null) {
                            return true;
                        }
                        try {
                            Thread.sleep(5);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return false;
                }

                /** big is live at the first await (saved), dead at the second. */
                @Async
                static Task<String> deadLocal(Future<String> gate) {
                    Object big = new byte[20_000_000];
                    ref = new WeakReference<>(big);
                    await(sleep(ZERO));
                    int n = ((byte[]) big).length;
                    big = null;
                    String s = await(gate);
                    return Task.completed(s + n);
                }

                static String describe(Object o, String s) {
                    return ((byte[]) o).length + s;
                }

                /** big is on the operand stack at the first await (saved), gone at the second. */
                @Async
                static Task<String> deadStackValue(Future<String> gate) {
                    Object big = new byte[20_000_000];
                    ref = new WeakReference<>(big);
                    String d = describe(big, await(sleep(ZERO, "!")));
                    big = null;
                    String s = await(gate);
                    return Task.completed(s + d);
                }

                /** big is live at the last await; once the task is done its frame keeps nothing. */
                @Async
                static Task<String> doneTask() {
                    Object big = new byte[20_000_000];
                    ref = new WeakReference<>(big);
                    await(sleep(ZERO));
                    return Task.completed("len " + ((byte[]) big).length);
                }

                @Async
                static Task<String> run(String which) {
                    Future<String> gate = new Future<>();
                    Task<String> t = which.equals("local") ? deadLocal(gate) : deadStackValue(gate);
                    await(sleep(ZERO));
                    await(sleep(ZERO));                 // t now waits at await(gate)
                    boolean collectedWhileWaiting = collected();
                    gate.complete("done ");
                    return Task.completed(await(t) + " collected while waiting: " + collectedWhileWaiting);
                }

                @Async
                static Task<String> runDone() {
                    Task<String> t = doneTask();
                    String result = await(t);           // t is done, and still reachable here
                    return Task.completed(result + " collected after done: " + collected() + " " + t.isDone());
                }
            }
            """;

    @ParameterizedTest(name = "compact shape: {0}")
    @ValueSource(booleans = {false, true})
    void aValueDeadAtTheAwaitWhereTheTaskWaitsIsNotReachableThroughTheFrame(boolean compact) {
        Compiled program = AsyncTestSupport.transformed(AsyncTestSupport.javac(RETENTION), compact);
        assertEquals("done 20000000 collected while waiting: true", program.run("demo.Retention", "run", "local"));
        assertEquals("done 20000000! collected while waiting: true", program.run("demo.Retention", "run", "stack"));
        assertEquals("len 20000000 collected after done: true true", program.run("demo.Retention", "runDone"));
    }
}
