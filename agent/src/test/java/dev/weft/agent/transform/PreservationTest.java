package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.ParameterNode;

/**
 * Contract item 6 and the transformer's promises about what it keeps: source lines in stack traces, local
 * variable names, the async method's name, descriptor, modifiers, generic signature, annotations and parameter
 * names.
 */
class PreservationTest {

    static final String TRACED = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Traced {
                @Async
                static Task<Integer> failAfterResume(int divisor) {
                    int before = 10;
                    await(sleep(ZERO));
                    int ratio = before / divisor;
                    if (ratio > 0) {
                        throw new IllegalStateException("thrown after resume"); // THROW
                    }
                    return Task.completed(ratio);
                }

                static int helper(int x) {
                    if (x < 0) {
                        throw new IllegalArgumentException("negative"); // HELPER THROWS
                    }
                    return x;
                }

                @Async
                static Task<Integer> failInAHelperAfterResume() {
                    await(sleep(ZERO));
                    int value = helper(await(sleep(ZERO, -1))); // CALLS HELPER
                    return Task.completed(value);
                }

                @Async
                static Task<Integer> slowAdd(int a, int b) {
                    int sum = a + b;
                    String label = "sum";
                    await(sleep(ZERO));
                    long wide = sum * 2L;
                    return Task.completed((int) wide + label.length());
                }
            }
            """;

    @Test
    void aStackTraceAfterResumeNamesTheHostClassTheMethodAsWrittenTheSourceFileAndTheLineOfTheThrow() {
        Compiled program = AsyncTestSupport.transformed(TRACED);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> program.runSuspending("demo.Traced", "failAfterResume", 1));
        StackTraceElement top = e.getStackTrace()[0];
        assertEquals("demo.Traced", top.getClassName(), () -> "top frame " + top);
        assertEquals("Traced.java", top.getFileName(), () -> "top frame " + top);
        assertEquals(AsyncTestSupport.lineOf(TRACED, "// THROW"), top.getLineNumber(), () -> "top frame " + top);
        assertEquals("failAfterResume", top.getMethodName(), () -> "top frame " + top);
        for (StackTraceElement frame : e.getStackTrace()) { // no generated frame: no frame class, no line-less entry
            assertFalse(frame.getClassName().contains("$async$"), () -> "generated frame " + frame);
            assertFalse(frame.getClassName().equals("demo.Traced") && frame.getLineNumber() < 0,
                    () -> "frame without a line " + frame);
        }
    }

    @Test
    void aStackTraceThroughAHelperShowsTheLineOfTheCallInTheAsyncBody() {
        Compiled program = AsyncTestSupport.transformed(TRACED);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> program.runSuspending("demo.Traced", "failInAHelperAfterResume"));
        StackTraceElement[] trace = e.getStackTrace();
        assertEquals("helper", trace[0].getMethodName());
        assertEquals(AsyncTestSupport.lineOf(TRACED, "// HELPER THROWS"), trace[0].getLineNumber());
        StackTraceElement caller = trace[1];
        assertEquals("demo.Traced", caller.getClassName(), () -> "caller frame " + caller);
        assertEquals("Traced.java", caller.getFileName(), () -> "caller frame " + caller);
        assertEquals(AsyncTestSupport.lineOf(TRACED, "// CALLS HELPER"), caller.getLineNumber(),
                () -> "caller frame " + caller);
    }

    @Test
    void theBodyMethodCarriesTheUsersLocalVariableNamesAndTypes() {
        Compiled program = AsyncTestSupport.transformed(TRACED);
        MethodNode body = program.bodyMethod("demo/Traced", "slowAdd");
        Map<String, String> types = new HashMap<>();
        assertNotNull(body.localVariables, "the body method has no LocalVariableTable");
        for (LocalVariableNode v : body.localVariables) {
            types.put(v.name, v.desc);
        }
        // a and b are dead at the await (only sum is read after it): after a resume their slots hold placeholders,
        // so the body claims them only on the way to the await, never on a line after it
        int after = AsyncTestSupport.lineOf(TRACED, "long wide = sum * 2L;");
        for (String name : List.of("a", "b")) {
            assertEquals("I", types.get(name), () -> "locals: " + types);
            // (the compact shape saves every primitive, so there they are restored and claimed after it too)
            assertEquals(AsyncTestSupport.COMPACT, claimedOnLine(body, name, after),
                    () -> name + " claimed after the await: " + !AsyncTestSupport.COMPACT);
            assertTrue(claimedOnLine(body, name, after - 3), () -> name + " is not claimed before the await");
        }
        assertEquals("I", types.get("sum"), () -> "locals: " + types);
        assertEquals("Ljava/lang/String;", types.get("label"), () -> "locals: " + types);
        assertEquals("J", types.get("wide"), () -> "locals: " + types);
        assertEquals(17, (int) program.runSuspending("demo.Traced", "slowAdd", 3, 4));
    }

    /**
     * Each line exists once in the class, in the body, which runs the first step and every resume: a debugger that
     * binds a line breakpoint to the first location of the line (as jdb does) stops there every time it runs.
     */
    @Test
    void theBodyCarriesEveryLineOfTheOriginalMethodAndTheEntryNone() {
        Compiled program = AsyncTestSupport.transformed(TRACED);
        MethodNode original = method(program.javac().classNode("demo/Traced").methods, "slowAdd");
        MethodNode entry = program.method("demo/Traced", "slowAdd");
        MethodNode body = program.bodyMethod("demo/Traced", "slowAdd");
        assertEquals(lines(original), lines(body), "the body holds the only copy of the code");
        assertEquals(Set.of(), lines(entry), "the entry only calls the body");
        for (var insn : body.instructions) {
            if (insn instanceof LineNumberNode line) {
                long copies = java.util.stream.StreamSupport.stream(body.instructions.spliterator(), false)
                        .filter(n -> n instanceof LineNumberNode l && l.line == line.line).count();
                assertEquals(1, copies, () -> "line " + line.line + " has more than one location");
            }
        }
    }

    /** True when a variable named {@code name} is in scope at the first instruction of source line {@code line}. */
    private static boolean claimedOnLine(MethodNode m, String name, int line) {
        LineNumberNode at = null;
        for (var insn : m.instructions) {
            if (insn instanceof LineNumberNode l && l.line == line) {
                at = l;
                break;
            }
        }
        assertNotNull(at, () -> "no line " + line);
        int index = m.instructions.indexOf(at.start);
        for (LocalVariableNode v : m.localVariables) {
            if (v.name.equals(name) && m.instructions.indexOf(v.start) <= index && index < m.instructions.indexOf(v.end)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theRewrittenMethodKeepsItsNameDescriptorModifiersAndThrowsClause() {
        Compiled program = AsyncTestSupport.transformed(ANNOTATED);
        MethodNode before = method(program.javac().classNode("demo/Annotated").methods, "sorted");
        MethodNode after = method(program.classNode("demo/Annotated").methods, "sorted");
        assertEquals(before.desc, after.desc);
        assertEquals(before.access, after.access);
        assertEquals(before.exceptions, after.exceptions);
        assertTrue(program.result("demo/Annotated").rewrittenMethods().contains("sorted" + before.desc),
                () -> "rewritten: " + program.result("demo/Annotated").rewrittenMethods());
    }

    static final String ANNOTATED = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import java.lang.annotation.ElementType;
            import java.lang.annotation.Retention;
            import java.lang.annotation.RetentionPolicy;
            import java.lang.annotation.Target;
            import java.util.ArrayList;
            import java.util.List;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Annotated {
                @Retention(RetentionPolicy.RUNTIME)
                @Target({ElementType.METHOD, ElementType.PARAMETER})
                @interface Visible {
                    String value();
                }

                @Retention(RetentionPolicy.CLASS)
                @Target({ElementType.METHOD, ElementType.PARAMETER})
                @interface Invisible {
                    int value();
                }

                @Async
                @Visible("method")
                @Invisible(7)
                @Deprecated
                public static <T extends Comparable<T>> Task<List<T>> sorted(@Visible("first") T first,
                        @Invisible(2) List<? extends T> rest, int limit) throws java.io.IOException {
                    List<T> out = new ArrayList<>();
                    out.add(first);
                    for (T t : rest) {
                        await(sleep(ZERO));
                        if (out.size() < limit) {
                            out.add(t);
                        }
                    }
                    out.sort(null);
                    return Task.completed(out);
                }
            }
            """;

    @Test
    void theGenericSignatureAnnotationsAndParameterNamesStayOnTheRewrittenMethod() {
        Compiled program = AsyncTestSupport.transformed(ANNOTATED);
        MethodNode before = method(program.javac().classNode("demo/Annotated").methods, "sorted");
        MethodNode after = method(program.classNode("demo/Annotated").methods, "sorted");

        assertNotNull(before.signature);
        assertEquals(before.signature, after.signature);
        assertTrue(describe(after.visibleAnnotations).containsAll(describe(before.visibleAnnotations)),
                () -> "runtime annotations before " + describe(before.visibleAnnotations) + ", after "
                        + describe(after.visibleAnnotations));
        assertTrue(describe(after.invisibleAnnotations).contains("Ldemo/Annotated$Invisible;[value, 7]"),
                () -> "class-retention annotations after: " + describe(after.invisibleAnnotations));
        assertEquals(List.of("Ldemo/Annotated$Visible;[value, first]"),
                describe(parameterAnnotations(after.visibleParameterAnnotations, 0)));
        assertEquals(describe(parameterAnnotations(before.visibleParameterAnnotations, 0)),
                describe(parameterAnnotations(after.visibleParameterAnnotations, 0)));
        assertEquals(List.of("Ldemo/Annotated$Invisible;[value, 2]"),
                describe(parameterAnnotations(after.invisibleParameterAnnotations, 1)));
        assertEquals(List.of("first", "rest", "limit"), names(after.parameters));

        Method sorted = findMethod(program.type("demo.Annotated"), "sorted");
        assertEquals("dev.weft.runtime.Task<java.util.List<T>>", sorted.getGenericReturnType().getTypeName());
        assertEquals("T", sorted.getTypeParameters()[0].getName());
        assertEquals("method", annotationValue(sorted.getDeclaredAnnotations(), "Visible"));
        assertTrue(sorted.isAnnotationPresent(Deprecated.class));
        assertEquals("first", annotationValue(sorted.getParameterAnnotations()[0], "Visible"));
        List<String> parameterNames = new ArrayList<>();
        for (Parameter p : sorted.getParameters()) {
            assertTrue(p.isNamePresent());
            parameterNames.add(p.getName());
        }
        assertEquals(List.of("first", "rest", "limit"), parameterNames);
        assertArrayEquals(new Class<?>[] {java.io.IOException.class}, sorted.getExceptionTypes());
        assertEquals(List.of("a", "b", "c"), program.runSuspending("demo.Annotated", "sorted", "c", List.of("b", "a"), 3));
    }

    static final String SCOPES = """
            package demo;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import static dev.weft.runtime.Await.await;
            import static dev.weft.runtime.Tasks.sleep;
            import static java.time.Duration.ZERO;

            public class Scopes {
                int calls;

                @Async
                Task<Integer> loop(int n, String unused) {
                    calls++;
                    int total = 0;
                    for (int i = 0; i < n; i++) {
                        total += await(sleep(ZERO, i));
                    }
                    return Task.completed(total + calls);
                }

                static Task<Integer> run() {
                    return new Scopes().loop(4, "never read");
                }
            }
            """;

    @Test
    void theBodyOfAnInstanceMethodRunsOnThisAndNamesItThis() {
        Compiled program = AsyncTestSupport.transformed(SCOPES);
        MethodNode body = program.bodyMethod("demo/Scopes", "loop");
        assertEquals(0, body.access & org.objectweb.asm.Opcodes.ACC_STATIC, "a debugger's thisObject() needs an instance method");
        assertTrue(body.localVariables.stream().anyMatch(v -> v.index == 0 && v.name.equals("this")),
                () -> "the body's variables: " + names(body));
        assertEquals(7, (int) program.runSuspending("demo.Scopes", "run"));
    }

    @Test
    void theBodyNeverClaimsAVariableItsSlotDoesNotHold() {
        Compiled program = AsyncTestSupport.transformed(SCOPES);
        MethodNode body = program.bodyMethod("demo/Scopes", "loop");
        // `unused` is dead at the await, so it is not saved: after a resume its slot holds a placeholder, after the
        // await and wherever a resume reaches (an earlier design claimed it at the loop head).
        int loopHead = AsyncTestSupport.lineOf(SCOPES, "for (int i = 0; i < n; i++) {");
        int await = AsyncTestSupport.lineOf(SCOPES, "total += await(sleep(ZERO, i));");
        assertTrue(claimedOnLine(body, "unused", loopHead - 1), "in the first step, before the loop, it holds the argument");
        assertFalse(claimedOnLine(body, "unused", AsyncTestSupport.lineOf(SCOPES, "return Task.completed(total + calls);")),
                "after the loop, reached from the resume too");
        assertFalse(claimedOnLine(body, "unused", await), "after the await its slot holds a placeholder");
        assertTrue(claimedOnLine(body, "n", await), "n is read after the await, so it is saved and restored");
        assertTrue(names(body).containsAll(List.of("this", "n", "total", "i")), () -> "the body's variables: " + names(body));
    }

    /**
     * With debugLocals, a variable in scope in the source is saved at the await even when dead, so the body claims
     * it after the resume too, and the program still computes the same.
     */
    @Test
    void withDebugLocalsADeadVariableInScopeIsClaimedAfterTheResume() {
        Compiled program = AsyncTestSupport.transformedWithDebugLocals(AsyncTestSupport.javac(SCOPES));
        MethodNode body = program.bodyMethod("demo/Scopes", "loop");
        int await = AsyncTestSupport.lineOf(SCOPES, "total += await(sleep(ZERO, i));");
        int ret = AsyncTestSupport.lineOf(SCOPES, "return Task.completed(total + calls);");
        assertTrue(claimedOnLine(body, "unused", await), () -> "the body's variables: " + names(body));
        assertTrue(claimedOnLine(body, "unused", ret), () -> "the body's variables: " + names(body));
        assertEquals(7, (int) program.runSuspending("demo.Scopes", "run"));
        // without the option the same variable is not saved (theBodyNeverClaimsAVariableItsSlotDoesNotHold)
        assertFalse(claimedOnLine(AsyncTestSupport.transformed(SCOPES).bodyMethod("demo/Scopes", "loop"), "unused", ret));
    }

    private static List<String> names(MethodNode m) {
        List<String> names = new java.util.ArrayList<>();
        for (LocalVariableNode v : m.localVariables) {
            names.add(v.name);
        }
        return names;
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private static MethodNode method(List<MethodNode> methods, String name) {
        MethodNode found = null;
        for (MethodNode m : methods) {
            if (m.name.equals(name) && (m.access & org.objectweb.asm.Opcodes.ACC_SYNTHETIC) == 0) {
                assertTrue(found == null, () -> "more than one method " + name);
                found = m;
            }
        }
        assertNotNull(found, () -> "no method " + name);
        return found;
    }

    private static Set<Integer> lines(MethodNode m) {
        Set<Integer> lines = new TreeSet<>();
        for (var insn : m.instructions) {
            if (insn instanceof LineNumberNode line) {
                lines.add(line.line);
            }
        }
        return lines;
    }

    private static List<String> describe(List<AnnotationNode> annotations) {
        List<String> out = new ArrayList<>();
        if (annotations != null) {
            for (AnnotationNode a : annotations) {
                out.add(a.desc + (a.values == null ? "[]" : a.values.toString()));
            }
        }
        return out;
    }

    private static List<AnnotationNode> parameterAnnotations(List<AnnotationNode>[] byParameter, int index) {
        return byParameter == null || byParameter.length <= index ? null : byParameter[index];
    }

    private static List<String> names(List<ParameterNode> parameters) {
        List<String> out = new ArrayList<>();
        if (parameters != null) {
            for (ParameterNode p : parameters) {
                out.add(p.name);
            }
        }
        return out;
    }

    private static Method findMethod(Class<?> type, String name) {
        for (Method m : type.getDeclaredMethods()) {
            if (m.getName().equals(name) && !m.isSynthetic()) {
                return m;
            }
        }
        throw new AssertionError("no method " + name + " in " + type);
    }

    private static Object annotationValue(Annotation[] annotations, String simpleName) {
        for (Annotation a : annotations) {
            if (a.annotationType().getSimpleName().equals(simpleName)) {
                try {
                    Method value = a.annotationType().getMethod("value");
                    value.setAccessible(true);
                    return value.invoke(a);
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            }
        }
        throw new AssertionError("no @" + simpleName + " among " + List.of(annotations));
    }
}
