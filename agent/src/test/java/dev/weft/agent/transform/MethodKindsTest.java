package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.Task;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every kind of method can be {@code @Async}: static, instance, private, generic, varargs, overloaded, interface
 * default and static, in inner and anonymous classes, enums and records.
 */
class MethodKindsTest {

    @Test
    void staticInstanceAndPrivateMethods() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class Plain {
                    private int total;

                    @Async
                    public static Task<String> greet(String name) {
                        String greeting = await(sleep(ZERO, "hello "));
                        return Task.completed(greeting + name);
                    }

                    @Async
                    Task<Integer> add(int x) {
                        await(sleep(ZERO));
                        total += x;
                        return Task.completed(total);
                    }

                    @Async
                    private static Task<Integer> hidden(int x) {
                        return Task.completed(await(sleep(ZERO, x)) * 3);
                    }

                    @Async
                    private Task<Integer> hiddenInstance(int x) {
                        int y = await(add(x));
                        return Task.completed(y + await(hidden(x)));
                    }

                    static Task<Integer> viaPrivate(int x) {
                        return new Plain().hiddenInstance(x);
                    }
                }
                """);
        assertEquals("hello you", program.runSuspending("demo.Plain", "greet", "you"));
        assertEquals(5 + 15, (int) program.runSuspending("demo.Plain", "viaPrivate", 5));
        Object instance = program.newInstance("demo.Plain");
        assertEquals(3, (int) AsyncTestSupport.onLoop(() -> program.invoke(instance, "add", 3)));
    }

    @Test
    void genericMethods() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import java.util.List;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class Generic {
                    @Async
                    static <T> Task<T> id(T x) {
                        await(sleep(ZERO));
                        return Task.completed(x);
                    }

                    @Async
                    static <T extends Comparable<T>> Task<T> max(T a, T b) {
                        T first = await(id(a));
                        T second = await(sleep(ZERO, b));
                        return Task.completed(first.compareTo(second) >= 0 ? first : second);
                    }

                    @Async
                    static <K, V extends List<K>> Task<K> head(V list) {
                        V same = await(id(list));
                        return Task.completed(same.get(0));
                    }
                }
                """);
        assertEquals("x", program.runSuspending("demo.Generic", "id", "x"));
        assertEquals("pear", program.runSuspending("demo.Generic", "max", "apple", "pear"));
        assertEquals(1, (int) program.runSuspending("demo.Generic", "head", List.of(1, 2)));
    }

    @Test
    void varargsMethods() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class Varargs {
                    @Async
                    static Task<Integer> sum(int... xs) {
                        int s = 0;
                        for (int x : xs) {
                            s += await(sleep(ZERO, x));
                        }
                        return Task.completed(s);
                    }

                    @Async
                    static Task<String> join(String separator, Object... parts) {
                        StringBuilder sb = new StringBuilder();
                        for (Object part : parts) {
                            if (sb.length() > 0) {
                                sb.append(await(sleep(ZERO, separator)));
                            }
                            sb.append(part);
                        }
                        return Task.completed(sb.toString());
                    }

                    static Task<Integer> callSum() {
                        return sum(1, 2, 3, 4);
                    }
                }
                """);
        assertEquals(10, (int) program.runSuspending("demo.Varargs", "callSum"));
        assertEquals("a-1-true",
                program.run("demo.Varargs", "join", "-", new Object[] {"a", 1, true}));
        assertTrue(java.util.Arrays.stream(program.type("demo.Varargs").getDeclaredMethods())
                .filter(m -> m.getName().equals("sum") && !m.isSynthetic()).allMatch(java.lang.reflect.Method::isVarArgs),
                "the rewritten method is still varargs");
    }

    @Test
    void overloadedAsyncMethodsAreRewrittenSeparately() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class Overloads {
                    @Async
                    static Task<String> over(int x) {
                        return Task.completed("int " + await(sleep(ZERO, x)));
                    }

                    @Async
                    static Task<String> over(String s) {
                        return Task.completed("String " + await(sleep(ZERO, s)));
                    }

                    @Async
                    static Task<String> over(long x, long y) {
                        return Task.completed("long " + (x + await(sleep(ZERO, y))));
                    }
                }
                """);
        assertEquals("int 1", program.runSuspending("demo.Overloads", "over", 1));
        assertEquals("String s", program.runSuspending("demo.Overloads", "over", "s"));
        assertEquals("long 5", program.runSuspending("demo.Overloads", "over", 2L, 3L));
        assertEquals(3, program.result("demo/Overloads").rewrittenMethods().size(),
                () -> "rewritten: " + program.result("demo/Overloads").rewrittenMethods());
    }

    @Test
    void interfaceDefaultStaticAndPrivateMethods() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public interface Greeter {
                    String prefix();

                    @Async
                    default Task<String> greet(String name) {
                        String p = await(sleep(ZERO, prefix()));
                        return Task.completed(p + name + await(suffix()));
                    }

                    @Async
                    private Task<String> suffix() {
                        await(sleep(ZERO));
                        return Task.completed("!");
                    }

                    @Async
                    static Task<String> shout(String s) {
                        await(sleep(ZERO));
                        return Task.completed(s.toUpperCase());
                    }

                    static Task<String> viaDefault(String name) {
                        Greeter g = () -> "hello ";
                        return g.greet(name);
                    }
                }
                """);
        assertEquals("hello you!", program.runSuspending("demo.Greeter", "viaDefault", "you"));
        assertEquals("LOUD", program.runSuspending("demo.Greeter", "shout", "loud"));
    }

    @Test
    void innerClassMethodsReachTheOuterInstanceAfterResume() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class Outer {
                    int base = 40;

                    class Inner {
                        int own = 1;

                        @Async
                        Task<Integer> plus(int x) {
                            await(sleep(ZERO));
                            base++;
                            return Task.completed(base + own + x + await(outerAsync()));
                        }
                    }

                    @Async
                    Task<Integer> outerAsync() {
                        await(sleep(ZERO));
                        return Task.completed(base * 100);
                    }

                    static Task<Integer> run() {
                        Outer o = new Outer();
                        return o.new Inner().plus(1);
                    }
                }
                """);
        assertEquals(41 + 1 + 1 + 4100, (int) program.runSuspending("demo.Outer", "run"));
    }

    @Test
    void anonymousClassMethodsSeeCapturedLocalsAndTheirOwnFields() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class Anonymous {
                    interface Job {
                        Task<String> go(String x);
                    }

                    static Task<String> run(String x) {
                        String captured = "cap";
                        Job job = new Job() {
                            int calls;

                            @Async
                            @Override
                            public Task<String> go(String y) {
                                calls++;
                                String v = await(sleep(ZERO, y));
                                return Task.completed(captured + ":" + v + ":" + calls);
                            }
                        };
                        return job.go(x);
                    }
                }
                """);
        assertEquals("cap:x:1", program.runSuspending("demo.Anonymous", "run", "x"));
    }

    @Test
    void enumMethodsIncludingConstantBodies() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public enum Op {
                    ADD {
                        @Async
                        @Override
                        Task<Integer> apply(int a, int b) {
                            int x = await(sleep(ZERO, a));
                            return Task.completed(x + b);
                        }
                    },
                    MUL {
                        @Async
                        @Override
                        Task<Integer> apply(int a, int b) {
                            await(sleep(ZERO));
                            return Task.completed(a * b);
                        }
                    };

                    abstract Task<Integer> apply(int a, int b);

                    @Async
                    Task<String> describe(int a, int b) {
                        int r = await(apply(a, b));
                        return Task.completed(name() + "=" + r);
                    }

                    static Task<String> run(String op, int a, int b) {
                        return valueOf(op).describe(a, b);
                    }
                }
                """);
        assertEquals("ADD=7", program.runSuspending("demo.Op", "run", "ADD", 3, 4));
        assertEquals("MUL=12", program.runSuspending("demo.Op", "run", "MUL", 3, 4));
    }

    @Test
    void recordMethods() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public record Point(int x, int y) {
                    @Async
                    Task<Integer> sum() {
                        await(sleep(ZERO));
                        return Task.completed(x + y);
                    }

                    @Async
                    static Task<Point> of(int x) {
                        int y = await(sleep(ZERO, x * 2));
                        return Task.completed(new Point(x, y));
                    }

                    @Async
                    static Task<String> run() {
                        Point p = await(of(3));
                        return Task.completed(p + " " + await(p.sum()));
                    }
                }
                """);
        assertEquals("Point[x=3, y=6] 9", program.runSuspending("demo.Point", "run"));
    }

    @Test
    void anAsyncMethodWithoutAnyAwaitCompletesAtOnce() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;

                public class NoAwait {
                    @Async
                    static Task<Integer> answer() {
                        return Task.completed(42);
                    }
                }
                """);
        Task<?> task = (Task<?>) program.call("demo.NoAwait", "answer");
        assertTrue(task.isDone());
        assertEquals(42, task.result());
    }

    @Test
    void aCovariantOverrideWithABridgeMethod() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import java.util.concurrent.CompletionStage;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class Bridges {
                    interface Job {
                        CompletionStage<String> go(String x);
                    }

                    static final class StringJob implements Job {
                        @Async
                        @Override
                        public Task<String> go(String x) {
                            String v = await(sleep(ZERO, x));
                            return Task.completed(v + v);
                        }
                    }

                    static CompletionStage<String> viaInterface(String x) {
                        Job job = new StringJob();
                        return job.go(x);
                    }
                }
                """);
        assertEquals("abab", program.runSuspending("demo.Bridges", "viaInterface", "ab"));
    }

    @Test
    void aClassInTheUnnamedPackage() {
        Compiled program = AsyncTestSupport.transformed("""
                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class NoPackage {
                    @Async
                    static Task<String> run() {
                        return Task.completed("no package " + await(sleep(ZERO, 1)));
                    }
                }
                """);
        assertEquals("no package 1", program.runSuspending("NoPackage", "run"));
    }
}
