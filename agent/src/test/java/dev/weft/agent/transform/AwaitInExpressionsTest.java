package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Awaits in the middle of expressions: when the body suspends, the operand stack holds the values computed so far
 * (contract item 6), and they must be there when it resumes.
 */
class AwaitInExpressionsTest {

    static final String EXPRESSIONS = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Future;
            import dev.weft.runtime.Task;
            import java.util.Arrays;
            import java.util.List;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Expressions {
                enum Color { RED, GREEN, BLUE }

                static String f(int a, int b, int c) {
                    return a + "," + b + "," + c;
                }

                @Async
                static Task<String> arguments(int a, int b) {
                    return Task.completed(f(a, await(sleep(ZERO, 20)), b));
                }

                @Async
                static Task<Integer> arithmetic(int a, int b) {
                    return Task.completed(a + await(sleep(ZERO, 3)) * b);
                }

                @Async
                static Task<Long> wideArithmetic(long a, double b) {
                    return Task.completed((long) (a * 2 + await(sleep(ZERO, 3L)) * b));
                }

                @Async
                static Task<String> receivers() {
                    int length = await(sleep(ZERO, "abcd")).length();
                    String built = new StringBuilder("<").append(await(sleep(ZERO, "x"))).append(length)
                            .append(await(sleep(ZERO, 'y'))).append('>').toString();
                    return Task.completed(built);
                }

                @Async
                static Task<String> arrayStores(int i) {
                    int[] ints = new int[3];
                    long[] longs = new long[3];
                    Object[] objects = new Object[3];
                    ints[i] = await(sleep(ZERO, 7));
                    longs[i] = await(sleep(ZERO, 8L));
                    objects[i] = await(sleep(ZERO, "o"));
                    ints[i] += await(sleep(ZERO, 100));
                    longs[await(sleep(ZERO, 0))] = await(sleep(ZERO, -1L));
                    return Task.completed(Arrays.toString(ints) + Arrays.toString(longs) + Arrays.toString(objects));
                }

                @Async
                static Task<Integer> ternary(boolean c) {
                    int v = 100 + (c ? await(sleep(ZERO, 1)) : 10 * await(sleep(ZERO, 2)));
                    return Task.completed(v);
                }

                static Future<Boolean> check(List<String> log, String name, boolean value) {
                    log.add(name);
                    return sleep(ZERO, value);
                }

                @Async
                static Task<String> shortCircuit(boolean a, List<String> log) {
                    boolean and = a && await(check(log, "and", true));
                    boolean or = a || await(check(log, "or", false));
                    if (!a || await(check(log, "if", true))) {
                        log.add("then");
                    }
                    return Task.completed(and + " " + or + " " + log);
                }

                @Async
                static Task<String> switchOnInt(int k) {
                    String r;
                    switch (k) {
                        case 1:
                            r = "one " + await(sleep(ZERO, "a"));
                            break;
                        case 2:
                            await(sleep(ZERO));
                            // falls through
                        case 3:
                            r = "two-or-three " + await(sleep(ZERO, k));
                            break;
                        default:
                            r = "other";
                    }
                    switch (await(sleep(ZERO, k))) {
                        case 1:
                            r += "!";
                            break;
                        default:
                            r += "?";
                    }
                    return Task.completed(r);
                }

                @Async
                static Task<String> switchOnString(String s) {
                    String r;
                    switch (s) {
                        case "alpha":
                            r = "A" + await(sleep(ZERO, 1));
                            break;
                        case "Aa":
                            r = "Aa" + await(sleep(ZERO, 2));
                            break;
                        case "BB":
                            r = "BB" + await(sleep(ZERO, 3));
                            break;
                        default:
                            r = "?";
                    }
                    switch (await(sleep(ZERO, s))) {
                        case "alpha":
                            r += "a";
                            break;
                        default:
                            r += "-";
                    }
                    return Task.completed(r);
                }

                @Async
                static Task<String> switchOnEnum(String name) {
                    Color c = Color.valueOf(name);
                    String r;
                    switch (c) {
                        case RED:
                            r = "red" + await(sleep(ZERO, 1));
                            break;
                        case GREEN:
                            r = "green";
                            break;
                        default:
                            r = "blue" + await(sleep(ZERO, 3));
                    }
                    switch (await(sleep(ZERO, c))) {
                        case BLUE:
                            r += "!";
                            break;
                        default:
                            r += ".";
                    }
                    return Task.completed(r);
                }

                @Async
                static Task<String> switchExpressions(int k, String s) {
                    int n = switch (k) {
                        case 1 -> await(sleep(ZERO, 10));
                        case 2 -> {
                            int t = await(sleep(ZERO, 20));
                            yield t + 1;
                        }
                        default -> 0;
                    };
                    String label = "<" + switch (s) {
                        case "x" -> await(sleep(ZERO, "ex"));
                        default -> s;
                    } + ">";
                    Color c = Color.values()[k % 3];
                    int tens = switch (c) {
                        case RED -> 0;
                        case GREEN -> await(sleep(ZERO, 10));
                        case BLUE -> 20;
                    };
                    return Task.completed(n + label + tens);
                }

                @Async
                static Task<Integer> plusOne(int x) {
                    await(sleep(ZERO));
                    return Task.completed(x + 1);
                }

                @Async
                static Task<Integer> nested() {
                    return Task.completed(await(plusOne(await(plusOne(await(sleep(ZERO, 1)))))) * 10);
                }

                @Async
                static Task<String> loopConditions() {
                    int i = 0;
                    while (await(sleep(ZERO, i)) < 3) {
                        i++;
                    }
                    int j = 0;
                    do {
                        j += await(sleep(ZERO, 10));
                    } while (j < await(sleep(ZERO, 30)));
                    StringBuilder sb = new StringBuilder();
                    for (int k = await(sleep(ZERO, 0)); k < await(sleep(ZERO, 3)); k += await(sleep(ZERO, 1))) {
                        sb.append(k);
                    }
                    return Task.completed(i + " " + j + " " + sb);
                }
            }
            """;

    private static Compiled expressions() {
        return AsyncTestSupport.transformed(EXPRESSIONS);
    }

    @Test
    void awaitBetweenMethodArgumentsKeepsTheArgumentsBeforeIt() {
        assertEquals("1,20,2", expressions().runSuspending("demo.Expressions", "arguments", 1, 2));
    }

    @Test
    void awaitInsideArithmeticKeepsTheLeftOperand() {
        assertEquals(1 + 3 * 5, (int) expressions().runSuspending("demo.Expressions", "arithmetic", 1, 5));
        assertEquals((long) (((1L << 40) * 2) + 3L * 1.5),
                (long) expressions().runSuspending("demo.Expressions", "wideArithmetic", 1L << 40, 1.5));
    }

    @Test
    void awaitedValuesAsReceiversAndInCallChains() {
        assertEquals("<x4y>", expressions().runSuspending("demo.Expressions", "receivers"));
    }

    @Test
    void awaitInArrayStoresKeepsTheArrayAndTheIndex() {
        assertEquals("[0, 0, 107][-1, 0, 8][null, null, o]",
                expressions().runSuspending("demo.Expressions", "arrayStores", 2));
    }

    @Test
    void awaitInEitherBranchOfATernaryWithAValueBelowIt() {
        assertEquals(101, (int) expressions().runSuspending("demo.Expressions", "ternary", true));
        assertEquals(120, (int) expressions().runSuspending("demo.Expressions", "ternary", false));
    }

    @Test
    void awaitOnTheRightOfAndAndOrRunsOnlyWhenEvaluated() {
        List<String> whenTrue = new ArrayList<>();
        assertEquals("true true [and, if, then]",
                expressions().runSuspending("demo.Expressions", "shortCircuit", true, whenTrue));
        List<String> whenFalse = new ArrayList<>();
        assertEquals("false false [or, then]",
                expressions().run("demo.Expressions", "shortCircuit", false, whenFalse));
    }

    @ParameterizedTest
    @CsvSource({"1, one a!", "2, two-or-three 2?", "3, two-or-three 3?", "9, other?"})
    void awaitInsideAndAsTheSelectorOfASwitchOnInt(int k, String expected) {
        assertEquals(expected, expressions().run("demo.Expressions", "switchOnInt", k));
    }

    @ParameterizedTest
    @CsvSource({"alpha, A1a", "Aa, Aa2-", "BB, BB3-", "gamma, ?-"})
    void awaitInsideAndAsTheSelectorOfASwitchOnString(String s, String expected) {
        assertEquals(expected, expressions().runSuspending("demo.Expressions", "switchOnString", s));
    }

    @ParameterizedTest
    @CsvSource({"RED, red1.", "GREEN, green.", "BLUE, blue3!"})
    void awaitInsideAndAsTheSelectorOfASwitchOnAnEnum(String color, String expected) {
        assertEquals(expected, expressions().runSuspending("demo.Expressions", "switchOnEnum", color));
    }

    @ParameterizedTest
    @CsvSource({"1, x, 10<ex>10", "2, y, 21<y>20", "3, x, 0<ex>0"})
    void awaitInsideSwitchExpressionsIncludingOneInsideAStringConcatenation(int k, String s, String expected) {
        assertEquals(expected, expressions().runSuspending("demo.Expressions", "switchExpressions", k, s));
    }

    @Test
    void nestedAwaitsOfAsyncCalls() {
        assertEquals(30, (int) expressions().runSuspending("demo.Expressions", "nested"));
    }

    @Test
    void awaitInLoopConditionsAndForHeaders() {
        assertEquals("3 30 012", expressions().runSuspending("demo.Expressions", "loopConditions"));
    }

    static final String CONCATENATION = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Concat {
                @Async
                static Task<String> concatenation(long wide) {
                    String s = "a" + await(sleep(ZERO, "b")) + 'c' + 1.5 + wide + await(sleep(ZERO, 'd')) + true;
                    return Task.completed(s);
                }
            }
            """;

    static int[] releasesWithDifferentStringConcatenation() {
        // 8: a StringBuilder on the stack across the await; 9 and later: invokedynamic makeConcatWithConstants
        return new int[] {8, 17, InMemoryJavac.MAX_RELEASE};
    }

    @ParameterizedTest(name = "release {0}")
    @MethodSource("releasesWithDifferentStringConcatenation")
    void awaitInsideStringConcatenation(int release) {
        Compiled program = AsyncTestSupport.transformed(InMemoryJavac.Options.release(release), CONCATENATION);
        assertEquals("abc1.5" + Long.MIN_VALUE + "dtrue",
                program.runSuspending("demo.Concat", "concatenation", Long.MIN_VALUE));
    }

    @Test
    void awaitInFieldAndArrayElementStores() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import java.util.Arrays;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class Fields {
                    static long total;
                    int count;
                    String[] names = new String[2];

                    @Async
                    Task<String> store() {
                        this.count = await(sleep(ZERO, 5));
                        total = await(sleep(ZERO, 7L)) + total;
                        names[await(sleep(ZERO, 1))] = await(sleep(ZERO, "n"));
                        this.count += await(sleep(ZERO, 10));
                        return Task.completed(count + " " + total + " " + Arrays.toString(names));
                    }

                    static Task<String> run() {
                        total = 1;
                        return new Fields().store();
                    }
                }
                """);
        assertEquals("15 8 [null, n]", program.runSuspending("demo.Fields", "run"));
    }
}
