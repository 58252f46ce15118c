package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    // ---------------------------------------------------------------------------------------------------------
    // Issue #10 item 1: an object built by an earlier `new` that reaches a control-flow merge, then a later
    // `new C(..., await(..), ...)`: the analysis must know the earlier object is initialized at the merge.

    static final String MERGES = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import dev.weft.runtime.Tasks;
            import java.time.Duration;
            import java.util.ArrayList;
            import java.util.List;
            import static dev.weft.runtime.Await.await;

            public class Merges {
                static final class Foo {
                    final Object v;

                    Foo(Object v) {
                        this.v = v;
                    }

                    @Override
                    public String toString() {
                        return "Foo(" + v + ")";
                    }
                }

                static final class Res implements AutoCloseable {
                    static final List<String> log = new ArrayList<>();
                    final Object name;

                    Res(Object name) {
                        this.name = name;
                        log.add("open " + name);
                    }

                    @Override
                    public void close() {
                        log.add("close " + name);
                    }
                }

                @Async
                static Task<Integer> later(int v) {
                    await(Tasks.sleep(Duration.ZERO));
                    return Task.completed(v);
                }

                @Async
                static Task<String> conditionalNewThenAnother(boolean c) {
                    Foo maybe = null;
                    if (c) maybe = new Foo(await(later(9)));
                    Foo b = new Foo(await(later(11)));
                    return Task.completed("" + maybe + b);
                }

                @Async
                static Task<String> ternaryNewThenAnother(boolean c) {
                    Foo maybe = c ? new Foo(await(later(9))) : null;
                    Foo b = new Foo(await(later(11)));
                    return Task.completed("" + maybe + b);
                }

                @Async
                static Task<String> loopReassigningANew() {
                    Foo a = null;
                    for (int i = 0; i < 3; i++) a = new Foo(await(later(i)));
                    return Task.completed("" + a);
                }

                @Async
                static Task<String> plainNewMergedThenAwaitingNew(boolean c) {
                    Object x = c ? new StringBuilder("x") : "y";
                    Foo b = new Foo(await(later(11)));
                    return Task.completed("" + x + b);
                }

                @Async
                static Task<String> conditionalNewInAFinallyCopiedPerExit(int mode) {
                    StringBuilder out = new StringBuilder();
                    try {
                        if (mode == 0) {
                            return Task.completed("early");
                        }
                        if (mode == 1) {
                            throw new IllegalStateException("thrown");
                        }
                        out.append("body;");
                    } catch (IllegalStateException e) {
                        out.append("caught;");
                    } finally {
                        Foo f = mode > 0 ? new Foo(mode) : null;
                        out.append(new Foo(await(later(mode)))).append(f).append(';');
                    }
                    return Task.completed(out.toString());
                }

                @Async
                static Task<String> tryWithResourcesWhoseConstructorAwaitsAfterAConditionalNew(boolean c) {
                    Res.log.clear();
                    Foo before = c ? new Foo("before") : null;
                    try (Res r = new Res(await(later(1))); Res s = new Res(before)) {
                        Res.log.add("body " + r.name + " " + s.name);
                    }
                    return Task.completed(String.join(",", Res.log));
                }
            }
            """;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"release 17 with -g", "release 17 without -g", "release 8"})
    void anObjectBuiltEarlierIsInitializedWhereBranchesMergeBeforeALaterNewWithAnAwait(String how) {
        InMemoryJavac.Options options = switch (how) {
            case "release 17 without -g" -> InMemoryJavac.Options.DEFAULT.withoutDebugInfo();
            case "release 8" -> InMemoryJavac.Options.release(8);
            default -> InMemoryJavac.Options.DEFAULT;
        };
        Compiled p = AsyncTestSupport.transformed(options, MERGES);
        assertEquals("Foo(9)Foo(11)", p.runSuspending("demo.Merges", "conditionalNewThenAnother", true));
        assertEquals("nullFoo(11)", p.runSuspending("demo.Merges", "conditionalNewThenAnother", false));
        assertEquals("Foo(9)Foo(11)", p.runSuspending("demo.Merges", "ternaryNewThenAnother", true));
        assertEquals("nullFoo(11)", p.runSuspending("demo.Merges", "ternaryNewThenAnother", false));
        assertEquals("Foo(2)", p.runSuspending("demo.Merges", "loopReassigningANew"));
        assertEquals("xFoo(11)", p.runSuspending("demo.Merges", "plainNewMergedThenAwaitingNew", true));
        assertEquals("early", p.<String>run("demo.Merges", "conditionalNewInAFinallyCopiedPerExit", 0));
        assertEquals("caught;Foo(1)Foo(1);", p.runSuspending("demo.Merges", "conditionalNewInAFinallyCopiedPerExit", 1));
        assertEquals("body;Foo(2)Foo(2);", p.runSuspending("demo.Merges", "conditionalNewInAFinallyCopiedPerExit", 2));
        assertEquals("open 1,open Foo(before),body 1 Foo(before),close Foo(before),close 1",
                p.runSuspending("demo.Merges", "tryWithResourcesWhoseConstructorAwaitsAfterAConditionalNew", true));
        assertEquals("open 1,open null,body 1 null,close null,close 1",
                p.runSuspending("demo.Merges", "tryWithResourcesWhoseConstructorAwaitsAfterAConditionalNew", false));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Found by GeneratedProgramsTest (seeds 18, 54, 74, 78, 107, 138): javac compiles a switch expression holding a
    // `try` by storing the whole operand stack in locals, objects under construction included, so at an await
    // inside it the `new` objects around it are in locals, not on the stack.

    static final String SPILLED = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import dev.weft.runtime.Tasks;
            import java.time.Duration;
            import static dev.weft.runtime.Await.await;

            public class Spilled {
                record Box(int n, String s) {
                }

                record Pair(Object a, Object b) {
                }

                static final class Res implements AutoCloseable {
                    final StringBuilder log;

                    Res(StringBuilder log, String name) {
                        this.log = log.append("open ").append(name).append(';');
                    }

                    @Override
                    public void close() {
                        log.append("close;");
                    }
                }

                @Async
                static Task<String> switchWithTryAmongConstructorArguments(int k) {
                    Box b = new Box(1, switch (k) {
                        case 0 -> {
                            try {
                                yield await(Tasks.sleep(Duration.ZERO, "slept"));
                            } finally {
                                k++;
                            }
                        }
                        default -> "d";
                    });
                    return Task.completed(b + " " + k);
                }

                @Async
                static Task<String> nestedNewAroundASwitchWithTry(int k) {
                    Pair p = new Pair(new StringBuilder("sb"), new Box(k, switch (k) {
                        case 0 -> {
                            try {
                                yield "" + await(Tasks.sleep(Duration.ZERO, 7)) + new Box(2, "inner");
                            } catch (IllegalStateException e) {
                                yield "caught";
                            }
                        }
                        default -> "d";
                    }));
                    return Task.completed(p.toString());
                }

                @Async
                static Task<String> resourceBuiltAroundASwitchWithTry(int k) {
                    StringBuilder log = new StringBuilder();
                    try (Res r = new Res(log, switch (k) {
                        case 0 -> {
                            try {
                                yield await(Tasks.sleep(Duration.ZERO, "r0"));
                            } finally {
                                log.append("finally;");
                            }
                        }
                        default -> "r" + k;
                    })) {
                        log.append("body;");
                    }
                    return Task.completed(log.toString());
                }
            }
            """;

    @ParameterizedTest(name = "compact shape: {0}")
    @ValueSource(booleans = {false, true})
    void objectsUnderConstructionThatJavacSpillsToLocalsAroundASwitchExpressionWithATry(boolean compact) {
        Compiled p = AsyncTestSupport.transformed(AsyncTestSupport.javac(SPILLED), compact);
        assertEquals("Box[n=1, s=slept] 1", p.runSuspending("demo.Spilled", "switchWithTryAmongConstructorArguments", 0));
        assertEquals("Box[n=1, s=d] 5", p.<String>run("demo.Spilled", "switchWithTryAmongConstructorArguments", 5));
        assertEquals("Pair[a=sb, b=Box[n=0, s=7Box[n=2, s=inner]]]",
                p.runSuspending("demo.Spilled", "nestedNewAroundASwitchWithTry", 0));
        assertEquals("finally;open r0;body;close;", p.runSuspending("demo.Spilled", "resourceBuiltAroundASwitchWithTry", 0));
        assertEquals("open r3;body;close;", p.<String>run("demo.Spilled", "resourceBuiltAroundASwitchWithTry", 3));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Issue #10 item 4: shapes javac never emits are refused by name, not as "please report". They cannot be
    // written in Java, so these classes are assembled with ASM.

    @Test
    void anObjectUnderConstructionCopiedTwiceAcrossAnAwaitIsRefusedAsNotJavacOutput() {
        AsyncTransformException e = refusalOf(handWritten(true));
        assertTrue(e.reason().contains("javac does not emit this shape"), e::getMessage);
        assertTrue(e.reason().contains("new java.lang.StringBuilder"), e::getMessage);
        assertTrue(e.reason().contains("3 copies on the operand stack"), e::getMessage);
        assertEquals("demo.HandWritten", e.className());
        assertEquals("build", e.methodName());
        assertEquals(7, e.line(), e::getMessage);
        assertFalse(e.getMessage().contains("please report"), e::getMessage);
    }

    @Test
    void anObjectUnderConstructionReadFromALocalAfterItsConstructorIsRefusedAsNotJavacOutput() {
        AsyncTransformException e = refusalOf(handWritten(false));
        assertTrue(e.reason().contains("kept in local variable 1 and read after its constructor call"), e::getMessage);
        assertTrue(e.reason().contains("javac does not emit this shape"), e::getMessage);
        assertEquals(7, e.line(), e::getMessage);
        assertFalse(e.getMessage().contains("please report"), e::getMessage);
    }

    private static AsyncTransformException refusalOf(byte[] classFile) {
        AsyncTransformer transformer = new AsyncTransformer(ClassHierarchy.of(UninitializedObjectsTest.class.getClassLoader()));
        try {
            transformer.transform(classFile);
        } catch (AsyncTransformException expected) {
            return expected;
        }
        return org.junit.jupiter.api.Assertions.fail("the transformer accepted a shape javac never emits");
    }

    /**
     * {@code @Async static Task<String> build(Future<String> f)} whose {@code new StringBuilder(await(f))} is
     * {@code NEW; DUP; DUP; ... <init>; POP} ({@code dupTwice}) or {@code NEW; ASTORE 1; ALOAD 1; ALOAD 1; ...
     * <init>; POP; ALOAD 1} (the object under construction in a local, read after it is built), at line 7.
     */
    private static byte[] handWritten(boolean dupTwice) {
        org.objectweb.asm.ClassWriter cw = new org.objectweb.asm.ClassWriter(org.objectweb.asm.ClassWriter.COMPUTE_MAXS);
        cw.visit(org.objectweb.asm.Opcodes.V17, org.objectweb.asm.Opcodes.ACC_PUBLIC, "demo/HandWritten", null,
                "java/lang/Object", null);
        cw.visitSource("HandWritten.java", null);
        org.objectweb.asm.MethodVisitor m = cw.visitMethod(org.objectweb.asm.Opcodes.ACC_STATIC, "build",
                "(Ldev/weft/runtime/Future;)Ldev/weft/runtime/Task;", null, null);
        m.visitAnnotation("Ldev/weft/Async;", false).visitEnd();
        m.visitCode();
        org.objectweb.asm.Label line = new org.objectweb.asm.Label();
        m.visitLabel(line);
        m.visitLineNumber(7, line);
        m.visitTypeInsn(org.objectweb.asm.Opcodes.NEW, "java/lang/StringBuilder");
        if (dupTwice) {
            m.visitInsn(org.objectweb.asm.Opcodes.DUP);
            m.visitInsn(org.objectweb.asm.Opcodes.DUP);
        } else {
            m.visitVarInsn(org.objectweb.asm.Opcodes.ASTORE, 1);
            m.visitVarInsn(org.objectweb.asm.Opcodes.ALOAD, 1);
            m.visitVarInsn(org.objectweb.asm.Opcodes.ALOAD, 1);
        }
        m.visitVarInsn(org.objectweb.asm.Opcodes.ALOAD, 0);
        m.visitMethodInsn(org.objectweb.asm.Opcodes.INVOKESTATIC, "dev/weft/runtime/Await", "await",
                "(Ldev/weft/runtime/Future;)Ljava/lang/Object;", false);
        m.visitTypeInsn(org.objectweb.asm.Opcodes.CHECKCAST, "java/lang/String");
        m.visitMethodInsn(org.objectweb.asm.Opcodes.INVOKESPECIAL, "java/lang/StringBuilder", "<init>",
                "(Ljava/lang/String;)V", false);
        m.visitInsn(org.objectweb.asm.Opcodes.POP);
        if (!dupTwice) {
            m.visitVarInsn(org.objectweb.asm.Opcodes.ALOAD, 1);
        }
        m.visitMethodInsn(org.objectweb.asm.Opcodes.INVOKEVIRTUAL, "java/lang/StringBuilder", "toString",
                "()Ljava/lang/String;", false);
        m.visitMethodInsn(org.objectweb.asm.Opcodes.INVOKESTATIC, "dev/weft/runtime/Task", "completed",
                "(Ljava/lang/Object;)Ldev/weft/runtime/Task;", false);
        m.visitInsn(org.objectweb.asm.Opcodes.ARETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }
}
