package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.MethodNode;

/**
 * Issue #10 item 2: javac copies a method's annotations onto the bridge methods it generates for it, so an
 * {@code @Async} method that implements a generic interface method, overrides covariantly, or implements a
 * generic superclass's method has an {@code @Async} bridge returning {@code Object} (or the overridden type).
 * Bridges only call the real method: they are left alone, and a call through the interface or the superclass
 * reaches the rewritten method.
 */
class BridgeMethodsTest {

    static final String BRIDGES = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import java.util.concurrent.CompletableFuture;
            import java.util.concurrent.CompletionStage;
            import java.util.function.Supplier;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Bridges {
                /** A generic interface method: the bridge is Object get(). */
                static final class Fetcher implements Supplier<CompletableFuture<String>> {
                    @Async
                    public CompletableFuture<String> get() {
                        String s = await(sleep(ZERO, "fetched"));
                        return CompletableFuture.completedFuture(s);
                    }
                }

                /** A covariant override: the bridge is CompletionStage fetch(). */
                abstract static class Base {
                    abstract CompletionStage<String> fetch(String key);
                }

                static final class Impl extends Base {
                    @Async
                    @Override
                    CompletableFuture<String> fetch(String key) {
                        String s = await(sleep(ZERO, key + "!"));
                        return CompletableFuture.completedFuture(s);
                    }
                }

                /** A generic superclass whose type variable is the async return type: the bridge is Object value(). */
                abstract static class Source<T> {
                    abstract T value(int x);
                }

                static final class Doubler extends Source<Task<Integer>> {
                    @Async
                    @Override
                    Task<Integer> value(int x) {
                        int v = await(sleep(ZERO, x));
                        return Task.completed(2 * v);
                    }
                }

                @Async
                static Task<String> run() {
                    Supplier<CompletableFuture<String>> supplier = new Fetcher();
                    Base base = new Impl();
                    Source<Task<Integer>> source = new Doubler();
                    CompletableFuture<String> a = supplier.get();
                    CompletionStage<String> b = base.fetch("key");
                    Task<Integer> c = source.value(21);
                    boolean allPending = !a.isDone() && !b.toCompletableFuture().isDone() && !c.isDone();
                    return Task.completed(await(a) + " " + await(b) + " " + await(c) + " " + allPending);
                }
            }
            """;

    @Test
    void asyncMethodsWithBridgesAreRewrittenAndCallsThroughTheBridgeSuspend() {
        Compiled program = AsyncTestSupport.transformed(BRIDGES);
        assertEquals("fetched key! 42 true", program.run("demo.Bridges", "run"));
    }

    @Test
    void theBridgesThemselvesStayAsJavacWroteThem() {
        Compiled program = AsyncTestSupport.transformed(BRIDGES);
        for (String host : List.of("demo/Bridges$Fetcher", "demo/Bridges$Impl", "demo/Bridges$Doubler")) {
            int bridges = 0;
            for (MethodNode m : program.classNode(host).methods) {
                if ((m.access & Opcodes.ACC_BRIDGE) != 0) {
                    bridges++;
                    MethodNode original = AsyncTestSupport.classNode(program.javac().classes().get(host)).methods.stream()
                            .filter(o -> o.name.equals(m.name) && o.desc.equals(m.desc)).findFirst().orElseThrow();
                    assertEquals(original.instructions.size(), m.instructions.size(), host + "." + m.name + m.desc);
                }
            }
            assertEquals(1, bridges, host + " has one bridge");
            assertEquals(List.of(host.equals("demo/Bridges$Fetcher") ? "get()Ljava/util/concurrent/CompletableFuture;"
                            : host.equals("demo/Bridges$Impl") ? "fetch(Ljava/lang/String;)Ljava/util/concurrent/CompletableFuture;"
                            : "value(I)Ldev/weft/runtime/Task;"),
                    program.result(host).rewrittenMethods(), host);
        }
        assertTrue(program.result("demo/Bridges").changed());
    }
}
