package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code new Foo(await(f))}: javac emits {@code new Foo; dup} before the arguments, so at the await the operand
 * stack holds objects that are not constructed yet, which the JVM does not let a method store anywhere.
 */
class UninitializedObjectsTest {

    static final String CONSTRUCT = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import java.util.ArrayList;
            import java.util.List;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Construct {
                static final class Box {
                    final Object value;

                    Box(Object value) {
                        this.value = value;
                    }

                    @Override
                    public String toString() {
                        return "Box(" + value + ")";
                    }
                }

                static final class Trio {
                    final String text;

                    Trio(Object a, Object b, Object c) {
                        text = "Trio(" + a + ", " + b + ", " + c + ")";
                    }

                    Trio(long a, Object b, double c) {
                        text = "Trio(" + a + "L, " + b + ", " + c + "D)";
                    }

                    @Override
                    public String toString() {
                        return text;
                    }
                }

                static Object positive(int x) {
                    if (x < 0) {
                        throw new IllegalArgumentException("negative " + x);
                    }
                    return x;
                }

                @Async
                static Task<String> awaitedArgument() {
                    return Task.completed(new Box(await(sleep(ZERO, "x"))).toString());
                }

                @Async
                static Task<String> nestedNew(int a, String b) {
                    Trio t = new Trio(a, new Box(await(sleep(ZERO, 2))), b);
                    return Task.completed(t.toString());
                }

                @Async
                static Task<String> wideNeighbours(long a, double c) {
                    return Task.completed(new Trio(a, new Box(new Box(await(sleep(ZERO, "deep")))), c).toString());
                }

                @Async
                static Task<String> twoAwaitsInOneConstructorCall() {
                    return Task.completed(new Trio(await(sleep(ZERO, 1)), "mid", await(sleep(ZERO, 3))).toString());
                }

                @Async
                static Task<String> constructorArgumentThrowsAfterResume() {
                    try {
                        return Task.completed(new Box(positive(await(sleep(ZERO, -1)))).toString());
                    } catch (IllegalArgumentException e) {
                        return Task.completed("caught " + e.getMessage());
                    }
                }

                @Async
                static Task<String> newInBothBranchesOfATernary(boolean c) {
                    Box b = c ? new Box(await(sleep(ZERO, "yes"))) : new Box("no" + await(sleep(ZERO, "!")));
                    return Task.completed(b.toString());
                }

                @Async
                static Task<String> newInsideALoop() {
                    List<Box> boxes = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        boxes.add(new Box(await(sleep(ZERO, i))));
                    }
                    return Task.completed(boxes.toString());
                }

                final String prefix = "p";

                @Async
                Task<String> newInAnInstanceMethod() {
                    Box b = new Box(prefix + await(sleep(ZERO, "q")) + this.prefix);
                    return Task.completed(b.toString());
                }

                static Task<String> instance() {
                    return new Construct().newInAnInstanceMethod();
                }
            }
            """;

    private static Compiled construct() {
        return AsyncTestSupport.transformed(CONSTRUCT);
    }

    @Test
    void newWithAnAwaitedArgument() {
        assertEquals("Box(x)", construct().runSuspending("demo.Construct", "awaitedArgument"));
    }

    @Test
    void newNestedInTheArgumentsOfAnotherNew() {
        assertEquals("Trio(1, Box(2), b)", construct().runSuspending("demo.Construct", "nestedNew", 1, "b"));
    }

    @Test
    void uninitializedObjectsNextToTwoSlotValues() {
        assertEquals("Trio(" + Long.MAX_VALUE + "L, Box(Box(deep)), 0.25D)",
                construct().runSuspending("demo.Construct", "wideNeighbours", Long.MAX_VALUE, 0.25));
    }

    @Test
    void twoAwaitsInTheArgumentsOfOneConstructorCall() {
        assertEquals("Trio(1, mid, 3)", construct().runSuspending("demo.Construct", "twoAwaitsInOneConstructorCall"));
    }

    @Test
    void anArgumentThatThrowsAfterResumeAbandonsTheUnconstructedObject() {
        assertEquals("caught negative -1",
                construct().runSuspending("demo.Construct", "constructorArgumentThrowsAfterResume"));
    }

    @Test
    void newInEitherBranchOfATernary() {
        assertEquals("Box(yes)", construct().runSuspending("demo.Construct", "newInBothBranchesOfATernary", true));
        assertEquals("Box(no!)", construct().runSuspending("demo.Construct", "newInBothBranchesOfATernary", false));
    }

    @Test
    void newWithAnAwaitedArgumentInsideALoopAndInAnInstanceMethod() {
        assertEquals("[Box(0), Box(1), Box(2)]", construct().runSuspending("demo.Construct", "newInsideALoop"));
        assertEquals("Box(pqp)", construct().runSuspending("demo.Construct", "instance"));
    }

    @ParameterizedTest(name = "release {0}")
    @ValueSource(ints = {8, 11})
    void uninitializedObjectsInOlderClassFiles(int release) {
        Compiled program = AsyncTestSupport.transformed(InMemoryJavac.Options.release(release), CONSTRUCT);
        assertEquals("Trio(1, Box(2), b)", program.runSuspending("demo.Construct", "nestedNew", 1, "b"));
        assertEquals("Trio(1, mid, 3)", program.runSuspending("demo.Construct", "twoAwaitsInOneConstructorCall"));
        assertEquals("Box(no!)", program.runSuspending("demo.Construct", "newInBothBranchesOfATernary", false));
    }
}
