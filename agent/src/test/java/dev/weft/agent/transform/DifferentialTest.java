package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.Task;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The two implementations of {@code await} must agree (style guide: "the uninstrumented fallback of await and the
 * transformed path must give the same results, and the tests say so"). Each program's {@code run()} builds a trace;
 * transformed, it runs on {@code EventLoop.run}; untransformed (javac's output in another class loader), it is
 * called on a plain thread, where {@code await} blocks.
 */
class DifferentialTest {

    static final String HEADER = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Future;
            import dev.weft.runtime.Task;
            import java.time.Duration;
            import java.util.ArrayList;
            import java.util.List;
            import java.util.concurrent.CompletableFuture;
            import java.util.function.Function;
            import java.util.function.Supplier;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            """;

    static Stream<Arguments> programs() {
        return Stream.of(
                program("Sleeps", """
                        public class Sleeps {
                            @Async
                            static Task<Integer> add(int a, int b) {
                                await(sleep(Duration.ofMillis(1)));
                                return Task.completed(a + b);
                            }

                            @Async
                            static Task<String> run() {
                                StringBuilder trace = new StringBuilder();
                                Task<Integer> x = add(1, 2);
                                Task<Integer> y = add(3, 4);
                                trace.append("started;");
                                trace.append(await(x) + await(y)).append(';');
                                for (int i = 0; i < 3; i++) {
                                    trace.append(await(sleep(ZERO, i))).append(',');
                                }
                                return Task.completed(trace.toString());
                            }
                        }
                        """),
                program("Catching", """
                        public class Catching {
                            @Async
                            static Task<Integer> failing(String why) {
                                await(sleep(ZERO));
                                throw new IllegalStateException(why);
                            }

                            @Async
                            static Task<String> run() {
                                List<String> trace = new ArrayList<>();
                                try {
                                    await(failing("one"));
                                } catch (IllegalStateException e) {
                                    trace.add("caught " + e.getMessage());
                                }
                                try {
                                    await(CompletableFuture.failedFuture(new IllegalArgumentException("cf")));
                                } catch (IllegalArgumentException e) {
                                    trace.add("caught " + e.getMessage());
                                }
                                CompletableFuture<Integer> mapped = CompletableFuture.supplyAsync(() -> 1).thenApply(x -> {
                                    if (x == 1) {
                                        throw new UnsupportedOperationException("mapped");
                                    }
                                    return x;
                                });
                                try {
                                    await(mapped);
                                } catch (UnsupportedOperationException e) {
                                    trace.add("caught " + e.getMessage());
                                }
                                return Task.completed(String.join(",", trace));
                            }
                        }
                        """),
                program("Loops", """
                        public class Loops {
                            @Async
                            static Task<String> run() {
                                StringBuilder sb = new StringBuilder();
                                int total = 0;
                                for (int i = 0; i < 6; i++) {
                                    try {
                                        if (i == 3) {
                                            continue;
                                        }
                                        total += await(sleep(ZERO, i * i));
                                        if (i == 4) {
                                            break;
                                        }
                                    } finally {
                                        sb.append('f').append(i);
                                    }
                                }
                                int j = 0;
                                while (await(sleep(ZERO, j)) < 3) {
                                    j++;
                                }
                                do {
                                    j += await(sleep(ZERO, 10));
                                } while (j < 30);
                                return Task.completed(sb + " total=" + total + " j=" + j);
                            }
                        }
                        """),
                program("Recursion", """
                        public class Recursion {
                            @Async
                            static Task<Long> fib(int n) {
                                if (n < 2) {
                                    return Task.completed((long) n);
                                }
                                await(sleep(ZERO));
                                return Task.completed(await(fib(n - 1)) + await(fib(n - 2)));
                            }

                            @Async
                            static Task<String> run() {
                                return Task.completed("fib(15)=" + await(fib(15)));
                            }
                        }
                        """),
                program("Switches", """
                        public class Switches {
                            record Pair(Object a, Object b) {
                            }

                            @Async
                            static Task<String> run() {
                                String out = "";
                                for (String k : new String[] {"a", "b", "zz"}) {
                                    out += switch (k) {
                                        case "a" -> await(sleep(ZERO, "A"));
                                        case "b" -> new Pair(k, await(sleep(ZERO, 2))).toString();
                                        default -> "?" + await(sleep(ZERO, k.length()));
                                    } + ";";
                                }
                                return Task.completed(out);
                            }
                        }
                        """),
                program("Rethrow", """
                        public class Rethrow {
                            @Async
                            static Task<String> run() {
                                List<String> trace = new ArrayList<>();
                                try {
                                    try {
                                        await(sleep(ZERO));
                                        throw new IllegalStateException("inner");
                                    } finally {
                                        trace.add("finally " + await(sleep(ZERO, 1)));
                                    }
                                } catch (IllegalStateException e) {
                                    trace.add("caught " + e.getMessage());
                                }
                                await(sleep(ZERO));
                                throw new IllegalArgumentException(String.join(",", trace));
                            }
                        }
                        """),
                program("Resources", """
                        public class Resources {
                            static final class Res implements AutoCloseable {
                                private final String name;
                                private final List<String> trace;

                                Res(String name, List<String> trace) {
                                    this.name = name;
                                    this.trace = trace;
                                    trace.add("open " + name);
                                }

                                @Override
                                public void close() {
                                    trace.add("close " + name);
                                }
                            }

                            @Async
                            static Task<String> run() {
                                List<String> trace = new ArrayList<>();
                                try (Res r = new Res("r", trace)) {
                                    Supplier<Task<Integer>> twice = () -> Task.completed(await(sleep(ZERO, 21)) * 2);
                                    trace.add("got " + await(twice.get()));
                                }
                                Function<String, CompletableFuture<String>> upper =
                                        s -> CompletableFuture.completedFuture(await(sleep(ZERO, s)).toUpperCase());
                                trace.add(await(upper.apply("shout")));
                                return Task.completed(String.join(",", trace));
                            }
                        }
                        """),
                program("Account", """
                        public class Account {
                            private long balance;
                            private final List<String> history = new ArrayList<>();

                            @Async
                            Task<Long> deposit(long amount) {
                                await(sleep(ZERO));
                                balance += amount;
                                history.add("+" + amount);
                                return Task.completed(balance);
                            }

                            @Async
                            Task<Long> withdraw(long amount) {
                                await(sleep(ZERO));
                                if (amount > balance) {
                                    throw new IllegalStateException("insufficient: " + balance);
                                }
                                balance -= amount;
                                history.add("-" + amount);
                                return Task.completed(balance);
                            }

                            @Async
                            static Task<String> run() {
                                Account account = new Account();
                                await(account.deposit(100));
                                await(account.withdraw(30));
                                String refused;
                                try {
                                    await(account.withdraw(1000));
                                    refused = "no";
                                } catch (IllegalStateException e) {
                                    refused = e.getMessage();
                                }
                                double third = account.balance / 3.0;
                                char c = 'x';
                                float f = 1.5f;
                                byte b = 3;
                                short s = 7;
                                boolean z = true;
                                Future<String> done = Future.completed("done");
                                await(sleep(ZERO));
                                return Task.completed(account.history + " " + account.balance + " " + refused + " " + third
                                        + c + f + b + s + z + await(done));
                            }
                        }
                        """));
    }

    private static Arguments program(String name, String body) {
        return Arguments.of(name, HEADER + body);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void aProgramGivesTheSameOutcomeTransformedOnALoopAsUntransformedOnAPlainThread(String name, String source) {
        String className = "demo." + name;
        Compilation javac = AsyncTestSupport.javac(source);

        Compiled untransformed = AsyncTestSupport.untransformed(javac);
        String reference = outcome(() -> AsyncTestSupport.onFreshThread(() -> {
            Object returned = untransformed.call(className, "run");
            Task<?> task = (Task<?>) returned;
            assertTrue(task.isDone(), "untransformed, await blocks, so run() returns a done task");
            return task.result();
        }));

        Compiled transformed = AsyncTestSupport.transformed(javac);
        String actual = outcome(() -> transformed.run(className, "run"));

        assertEquals(reference, actual, "transformed on a loop vs untransformed on a plain thread");
    }

    private static String outcome(Callable<Object> run) {
        try {
            return "returned " + run.call();
        } catch (AssertionError e) {
            throw e;
        } catch (Throwable e) {
            return "threw " + e;
        }
    }
}
