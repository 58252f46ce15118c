package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Contract item 6: locals, operand-stack values and {@code this} survive a real suspension, whatever their type.
 * Every await here is of {@code sleep(ZERO)}, which on a loop suspends until the next turn.
 */
class SpilledValuesTest {

    /** TYPE and SHOW are replaced per case; the value is held in a parameter, a local, an array and on the stack. */
    static final String KEEP_TEMPLATE = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Keep {
                @Async
                static Task<String> keep(TYPE parameter) {
                    TYPE local = parameter;
                    TYPE[] array = { parameter };
                    Object reference = "ref";
                    await(sleep(ZERO));
                    String onStack = both(local, await(sleep(ZERO, 1)), parameter);
                    return Task.completed(show(parameter) + "|" + show(local) + "|" + show(array[0]) + "|" + reference
                            + "|" + onStack);
                }

                static String both(TYPE below, int one, TYPE after) {
                    return show(below) + "/" + one + "/" + show(after);
                }

                static String show(TYPE value) {
                    return SHOW;
                }
            }
            """;

    static Stream<Arguments> valueTypes() {
        String plain = "String.valueOf(value)";
        return Stream.of(
                Arguments.of("int", plain, Integer.MIN_VALUE, "-2147483648"),
                Arguments.of("long", plain, 0x1234_5678_9abc_def0L, "1311768467463790320"),
                Arguments.of("double", plain, 0.1, "0.1"),
                Arguments.of("float", plain, 1.1f, "1.1"),
                Arguments.of("char", plain, (char) 955, "\u03bb"),
                Arguments.of("byte", plain, (byte) -128, "-128"),
                Arguments.of("short", plain, (short) -32768, "-32768"),
                Arguments.of("boolean", plain, true, "true"),
                Arguments.of("String", plain, "text", "text"),
                Arguments.of("Object", plain, List.of(1, 2), "[1, 2]"),
                Arguments.of("Integer", plain, 7, "7"),
                Arguments.of("int[]", "java.util.Arrays.toString(value)", new int[] {1, 2}, "[1, 2]"),
                Arguments.of("long[][]", "java.util.Arrays.deepToString(value)", new long[][] {{1L}, {2L, 3L}},
                        "[[1], [2, 3]]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valueTypes")
    void aValueOfEveryTypeSurvivesInLocalsArraysAndOnTheOperandStack(String type, String show, Object value,
                                                                     String shown) {
        Compiled program = AsyncTestSupport.transformed(
                KEEP_TEMPLATE.replace("TYPE", type).replace("SHOW", show));
        String expected = shown + "|" + shown + "|" + shown + "|ref|" + shown + "/1/" + shown;
        assertEquals(expected, program.runSuspending("demo.Keep", "keep", value));
    }

    @Test
    void thisAndItsFieldsSurviveInAnInstanceMethod() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class Counter {
                    private final String name;
                    private int count;

                    Counter(String name) {
                        this.name = name;
                    }

                    @Async
                    Task<String> bump(int by) {
                        count += by;
                        await(sleep(ZERO));
                        count += by;
                        String described = describe(this, await(sleep(ZERO, "!")));
                        return Task.completed(name + ":" + count + ":" + described + ":" + this.count());
                    }

                    int count() {
                        return count;
                    }

                    static String describe(Counter counter, String suffix) {
                        return counter.name + suffix;
                    }

                    static Task<String> run() {
                        return new Counter("c").bump(2);
                    }
                }
                """);
        assertEquals("c:4:c!:4", program.runSuspending("demo.Counter", "run"));
    }

    @Test
    void twoSlotValuesNextToReferencesSurviveOnTheOperandStack() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class Wide {
                    @Async
                    static Task<String> mixed(long a, String b, double c, Object d) {
                        String s = combine(a, b, c, d, await(sleep(ZERO, 5L)), c, a);
                        double afterwards = c * 2;
                        return Task.completed(s + "|" + await(sleep(ZERO, a)) + "|" + afterwards + "|" + b + d);
                    }

                    static String combine(long a, String b, double c, Object d, long e, double f, long g) {
                        return a + "," + b + "," + c + "," + d + "," + e + "," + f + "," + g;
                    }
                }
                """);
        long a = -(1L << 50) - 3;
        double c = -1.0e300;
        String expected = a + ",bee," + c + ",dee,5," + c + "," + a + "|" + a + "|" + (c * 2) + "|beedee";
        assertEquals(expected, program.runSuspending("demo.Wide", "mixed", a, "bee", c, "dee"));
    }

    @Test
    void slotsReusedByDifferentTypesInSiblingBlocksAndNullsAndUnassignedLocalsSurvive() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class Reuse {
                    @Async
                    static Task<String> reuse() {
                        StringBuilder out = new StringBuilder();
                        {
                            long wide = 1L << 40;
                            await(sleep(ZERO));
                            out.append(wide).append(';');
                        }
                        {
                            String text = "t";
                            int small = 7;
                            await(sleep(ZERO));
                            out.append(text).append(small).append(';');
                        }
                        {
                            double d = 2.5;
                            String nothing = null;
                            int late;
                            await(sleep(ZERO));
                            late = 3;
                            out.append(d).append(nothing).append(late);
                        }
                        return Task.completed(out.toString());
                    }
                }
                """);
        assertEquals("1099511627776;t7;2.5null3", program.runSuspending("demo.Reuse", "reuse"));
    }

    @Test
    void aMethodWithSixteenParametersAndManyLocalsKeepsThemAll() {
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class Many {
                    @Async
                    static Task<String> many(int a, long b, double c, float d, char e, byte f, short g, boolean h,
                                             String i, Object j, int[] k, long l, double m, int n, String o, long p) {
                        int a2 = a + 1;
                        long b2 = b + 1;
                        double c2 = c + 1;
                        float d2 = d + 1;
                        char e2 = (char) (e + 1);
                        byte f2 = (byte) (f + 1);
                        short g2 = (short) (g + 1);
                        boolean h2 = !h;
                        String i2 = i + "2";
                        Object j2 = j;
                        int k2 = k[0] + 1;
                        long l2 = l * 2;
                        await(sleep(ZERO));
                        double m2 = m + await(sleep(ZERO, 0.5));
                        int n2 = n + 1;
                        String before = a + "," + b + "," + c + "," + d + "," + e + "," + f + "," + g + "," + h + ","
                                + i + "," + j + "," + k[0] + "," + l + "," + m + "," + n + "," + o + "," + p;
                        await(sleep(ZERO));
                        String after = a2 + "," + b2 + "," + c2 + "," + d2 + "," + e2 + "," + f2 + "," + g2 + ","
                                + h2 + "," + i2 + "," + j2 + "," + k2 + "," + l2 + "," + m2 + "," + n2;
                        return Task.completed(before + "|" + after);
                    }
                }
                """);
        String result = program.runSuspending("demo.Many", "many", 1, 2L, 3.5, 4.5f, 'e', (byte) 6, (short) 7, true,
                "i", "j", new int[] {11}, Long.MAX_VALUE, 13.25, 14, "o", Long.MIN_VALUE);
        String before = "1,2,3.5,4.5,e,6,7,true,i,j,11," + Long.MAX_VALUE + ",13.25,14,o," + Long.MIN_VALUE;
        String after = "2,3,4.5,5.5,f,7,8,false,i2,j,12," + (Long.MAX_VALUE * 2) + ",13.75,15";
        assertEquals(before + "|" + after, result);
    }

    @Test
    void valuesWhoseTypeIsAMergeOfUserClassesSurvive() {
        // at the await, `shape` is a Circle on one path and a Square on the other: its type there is their common
        // super class, which only the compiled classes (not the test's class loader) know
        Compiled program = AsyncTestSupport.transformed("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import java.util.ArrayList;
                import java.util.LinkedList;
                import java.util.List;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class Merge {
                    interface Named {
                        String name();
                    }

                    abstract static class Shape implements Named {
                        abstract double area();
                    }

                    static final class Circle extends Shape {
                        public String name() {
                            return "circle";
                        }

                        double area() {
                            return 3.0;
                        }
                    }

                    static final class Square extends Shape {
                        public String name() {
                            return "square";
                        }

                        double area() {
                            return 4.0;
                        }
                    }

                    static String describe(Shape s, Named n, List<String> l) {
                        return s.name() + s.area() + n.name() + l;
                    }

                    @Async
                    static Task<String> merged(boolean round) {
                        Shape shape;
                        List<String> list;
                        if (round) {
                            shape = new Circle();
                            list = new ArrayList<>();
                        } else {
                            shape = new Square();
                            list = new LinkedList<>();
                        }
                        Named named = round ? new Square() : new Circle();
                        list.add("x");
                        String onStack = describe(round ? new Circle() : new Square(), await(sleep(ZERO, named)), list);
                        await(sleep(ZERO));
                        return Task.completed(describe(shape, named, list) + "|" + onStack);
                    }
                }
                """);
        assertEquals("circle3.0square[x]|circle3.0square[x]", program.runSuspending("demo.Merge", "merged", true));
        assertEquals("square4.0circle[x]|square4.0circle[x]", program.runSuspending("demo.Merge", "merged", false));
    }
}
