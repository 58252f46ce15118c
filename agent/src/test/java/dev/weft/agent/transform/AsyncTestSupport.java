package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.runtime.EventLoop;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.util.CheckClassAdapter;
import org.objectweb.asm.util.TraceClassVisitor;

/**
 * The harness of the transformer tests: compile Java source in memory, transform every class, check the output
 * with ASM's verifier and the JVM's, load it in a fresh class loader, and call it.
 *
 * <pre>{@code
 * Compiled program = AsyncTestSupport.transformed("""
 *         package demo;
 *         ...
 *         public class Foo {
 *             @Async static Task<Integer> twice(int x) { await(sleep(ZERO)); return Task.completed(2 * x); }
 *         }
 *         """);
 * assertEquals(4, (int) program.runSuspending("demo.Foo", "twice", 2));   // on an EventLoop, on a fresh thread
 * }</pre>
 *
 * <ul>
 *   <li>{@link #javac}: class files of the sources ({@code --release 17 -g -parameters} unless told otherwise);</li>
 *   <li>{@link #transformed}: javac, then {@link AsyncTransformer#transform} on every class with a
 *       {@link ClassHierarchy} of the test class loader plus the compiled classes; the output (hosts and generated
 *       classes) is checked by {@link CheckClassAdapter#verify} (any report fails the test with the report and the
 *       class's text), defined in a fresh {@link MapClassLoader} (generated classes first) and linked, so the JVM
 *       verifies it (which {@link #assertJvmVerifierOn} checks nothing turned off);</li>
 *   <li>{@link #untransformed}: javac's output loaded as is, where {@code await} is the blocking fallback;</li>
 *   <li>{@link #refusal}: the {@link AsyncTransformException} the transformer must throw;</li>
 *   <li>{@link #onLoop} / {@link #onFreshThread}: run on a new thread with the default stack size and a time
 *       limit, rethrowing the original exception.</li>
 * </ul>
 */
final class AsyncTestSupport {

    /** How long one program may run before the test fails as hung; programs here take milliseconds. */
    static final long TIMEOUT_SECONDS = 10;

    /**
     * {@code -Dweft.test.compact=true} (surefire: {@code -DargLine=-Dweft.test.compact=true}) writes every async
     * method of every test in the compact shape, the one the transformer picks for methods too large for the
     * default shape: the whole suite then checks that shape too.
     */
    static final boolean COMPACT = Boolean.getBoolean("weft.test.compact");

    /**
     * {@code -Dweft.test.debugLocals=true} rewrites with the debugLocals option (every variable in scope saved at
     * each await), for the fuzzer: {@code -DargLine=-Dweft.test.debugLocals=true} with GeneratedProgramsTest. Tests
     * that pin what is saved (PreservationTest, ReferenceRetentionTest) expect it off.
     */
    static final boolean DEBUG_LOCALS = Boolean.getBoolean("weft.test.debugLocals");

    private static volatile boolean verifierChecked;

    private AsyncTestSupport() {
    }

    // ---------------------------------------------------------------------------------------------- compiling

    static Compilation javac(String... sources) {
        return javac(InMemoryJavac.Options.DEFAULT, sources);
    }

    static Compilation javac(InMemoryJavac.Options options, String... sources) {
        return InMemoryJavac.compile(options, List.of(sources));
    }

    // ---------------------------------------------------------------------------------------------- transforming

    static Compiled transformed(String... sources) {
        return transformed(javac(sources));
    }

    static Compiled transformed(InMemoryJavac.Options options, String... sources) {
        return transformed(javac(options, sources));
    }

    /** Transforms every class of {@code javac}, checks the output with both verifiers and loads it. */
    static Compiled transformed(Compilation javac) {
        return transformed(javac, COMPACT);
    }

    /**
     * As {@link #transformed(Compilation)}, with every async method in the compact shape when {@code compact} (the
     * shape the transformer picks for methods too large for the default one).
     */
    static Compiled transformed(Compilation javac, boolean compact) {
        return transformed(javac, new AsyncTransformer(hierarchy(javac), compact).withDebugLocals(DEBUG_LOCALS));
    }

    /** As {@link #transformed(Compilation)}, with the debugLocals option (every variable in scope saved). */
    static Compiled transformedWithDebugLocals(Compilation javac) {
        return transformed(javac, new AsyncTransformer(hierarchy(javac), COMPACT).withDebugLocals(true));
    }

    private static Compiled transformed(Compilation javac, AsyncTransformer transformer) {
        Map<String, TransformResult> results = transformAll(javac, transformer);
        Map<String, byte[]> hosts = new TreeMap<>();
        Map<String, byte[]> generated = new TreeMap<>();
        for (Map.Entry<String, TransformResult> e : results.entrySet()) {
            TransformResult r = e.getValue();
            hosts.put(e.getKey(), r.bytes());
            for (Map.Entry<String, byte[]> g : r.generatedClasses().entrySet()) {
                String name = g.getKey();
                assertFalse(javac.classes().containsKey(name) || generated.containsKey(name),
                        () -> "generated class " + name + " clashes with a class of the same name");
                assertEquals(packageOf(e.getKey()), packageOf(name),
                        () -> "generated class " + name + " is not in the package of its host " + e.getKey());
                generated.put(name, g.getValue());
            }
        }
        Map<String, byte[]> all = new LinkedHashMap<>(generated);
        all.putAll(hosts);
        MapClassLoader loader = new MapClassLoader("weft-transformed", all, AsyncTestSupport.class.getClassLoader());
        defineAndVerify(loader, new ArrayList<>(generated.keySet()), new ArrayList<>(hosts.keySet()));
        return new Compiled(javac, results, loader);
    }

    /**
     * {@link AsyncTransformer#transform} of every class javac wrote, on a copy of its bytes, with a hierarchy of the
     * test class loader plus the compiled classes; checks the result is about the class it was given.
     */
    static Map<String, TransformResult> transformAll(Compilation javac) {
        return transformAll(javac, COMPACT);
    }

    static Map<String, TransformResult> transformAll(Compilation javac, boolean compact) {
        return transformAll(javac, new AsyncTransformer(hierarchy(javac), compact).withDebugLocals(DEBUG_LOCALS));
    }

    private static Map<String, TransformResult> transformAll(Compilation javac, AsyncTransformer transformer) {
        Map<String, TransformResult> results = new TreeMap<>();
        for (String name : javac.classes().keySet()) {
            TransformResult r = transformer.transform(javac.copyOf(name));
            assertEquals(name, r.className(), "TransformResult.className() of " + name);
            if (!r.changed()) {
                assertTrue(r.generatedClasses().isEmpty(),
                        () -> name + " is reported unchanged but came with generated classes " + r.generatedClasses().keySet());
            }
            results.put(name, r);
        }
        return results;
    }

    static ClassHierarchy hierarchy(Compilation javac) {
        return ClassHierarchy.of(AsyncTestSupport.class.getClassLoader()).withClasses(javac.classes());
    }

    /** The exception the transformer throws for one of the classes of {@code sources}; fails if it throws none. */
    static AsyncTransformException refusal(String... sources) {
        Compilation javac = javac(sources);
        try {
            transformAll(javac);
        } catch (AsyncTransformException expected) {
            return expected;
        }
        return fail("the transformer accepted what it must refuse:\n" + InMemoryJavac.numbered(sources[0]));
    }

    /** javac's output as it is, where {@code await} blocks (or refuses on a loop thread): the reference behaviour. */
    static Compiled untransformed(String... sources) {
        return untransformed(javac(sources));
    }

    static Compiled untransformed(Compilation javac) {
        MapClassLoader loader = new MapClassLoader("weft-untransformed", javac.classes(),
                AsyncTestSupport.class.getClassLoader());
        return new Compiled(javac, Map.of(), loader);
    }

    // ---------------------------------------------------------------------------------------------- verifying

    /**
     * Defines the generated classes, then the hosts (the order an agent must use), checks every class with ASM's
     * verifier, then links every class so the JVM verifies it.
     */
    private static void defineAndVerify(MapClassLoader loader, List<String> generated, List<String> hosts) {
        assertJvmVerifierOn();
        List<String> order = new ArrayList<>(generated);
        order.addAll(hosts);
        List<Class<?>> defined = new ArrayList<>();
        for (String name : order) {
            try {
                defined.add(loader.define(name));
            } catch (ClassNotFoundException | LinkageError e) {
                fail("cannot define " + name + ": " + e + "\n" + textify(loader.classFiles().get(name)), e);
            }
        }
        for (String name : order) {
            verifyWithAsm(name, loader.classFiles().get(name), loader);
        }
        for (int i = 0; i < order.size(); i++) {
            try {
                defined.get(i).getDeclaredMethods(); // links the class: the JVM verifies it here
            } catch (LinkageError e) {
                fail("the JVM rejects " + order.get(i) + ": " + e + "\n" + textify(loader.classFiles().get(order.get(i))), e);
            }
        }
    }

    /** Fails with ASM's report when {@link CheckClassAdapter#verify} finds anything in {@code bytes}. */
    static void verifyWithAsm(String name, byte[] bytes, ClassLoader loader) {
        StringWriter report = new StringWriter();
        try {
            CheckClassAdapter.verify(new ClassReader(bytes), loader, false, new PrintWriter(report));
        } catch (RuntimeException | LinkageError e) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            fail("ASM's CheckClassAdapter cannot check " + name + ":\n" + trace + "\n" + textify(bytes), e);
        }
        if (!report.toString().isEmpty()) {
            fail("ASM's verifier rejects " + name + ":\n" + report + "\n" + textify(bytes));
        }
    }

    /**
     * Fails when the JVM was started with its bytecode verifier turned off, or does not verify what a test class
     * loader defines (checked once, with {@link #brokenClass}).
     */
    static void assertJvmVerifierOn() {
        if (verifierChecked) {
            return;
        }
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            assertFalse(arg.equals("-noverify") || arg.startsWith("-Xverify:none")
                            || arg.startsWith("-XX:-BytecodeVerificationRemote"),
                    "the JVM runs with its verifier turned off (" + arg + "); the transformer tests need it on");
        }
        MapClassLoader probe = new MapClassLoader("weft-verifier-probe", Map.of("demo/Broken", brokenClass("demo/Broken")),
                AsyncTestSupport.class.getClassLoader());
        try {
            probe.define("demo/Broken").getDeclaredMethods();
            fail("the JVM did not verify a class with bad bytecode: its verifier is off for the test class loaders");
        } catch (VerifyError expected) {
            // the verifier runs on classes the tests define
        } catch (ClassNotFoundException e) {
            fail(e);
        }
        verifierChecked = true;
    }

    /**
     * A class whose method {@code broken()} returns an int where it declares Object: what the JVM verifier must
     * reject. Hand-assembled, since it cannot be written in Java.
     */
    static byte[] brokenClass(String internalName) {
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V1_8, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, internalName, null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_STATIC, "broken", "()Ljava/lang/Object;", null, null);
        mv.visitCode();
        mv.visitInsn(Opcodes.ICONST_0);
        mv.visitInsn(Opcodes.ARETURN);
        mv.visitMaxs(1, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    // ---------------------------------------------------------------------------------------------- running

    /**
     * {@code EventLoop.run(main)} on a fresh thread with the default stack size; returns its result or throws its
     * exception (the original object).
     */
    static <T> T onLoop(Supplier<?> main) {
        return onFreshThread(() -> EventLoop.<T>run(() -> stage(main.get())));
    }

    /** {@code value} as the stage {@code EventLoop.run} takes (a Task is one); fails for anything else. */
    @SuppressWarnings("unchecked")
    static <T> CompletionStage<T> stage(Object value) {
        if (value instanceof CompletionStage<?> stage) {
            return (CompletionStage<T>) stage;
        }
        return fail("expected a Task, CompletableFuture or CompletionStage, got " + value);
    }

    /**
     * Runs {@code body} on a new thread with the default stack size (no loop runs there) and waits for it, at most
     * {@link #TIMEOUT_SECONDS}; returns its result or throws its exception (the original object, errors included).
     */
    static <T> T onFreshThread(Callable<T> body) {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread thread = new Thread(null, () -> {
            try {
                result[0] = body.call();
            } catch (Throwable t) {
                failure[0] = t;
            }
        }, "weft-test", 0 /* the default stack size */);
        thread.setDaemon(true);
        thread.start();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the program", e);
        }
        if (thread.isAlive()) {
            StringBuilder where = new StringBuilder();
            for (StackTraceElement e : thread.getStackTrace()) {
                where.append("\n\tat ").append(e);
            }
            thread.interrupt();
            fail("the program did not finish within " + TIMEOUT_SECONDS + " s (a task that never resumes?); "
                    + "its thread is at:" + where);
        }
        if (failure[0] != null) {
            throw sneakyThrow(failure[0]);
        }
        @SuppressWarnings("unchecked")
        T value = (T) result[0];
        return value;
    }

    // ---------------------------------------------------------------------------------------------- reading

    /** The 1-based line of the only line of {@code source} that contains {@code marker}. */
    static int lineOf(String source, String marker) {
        String[] lines = source.split("\n", -1);
        int found = 0;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(marker)) {
                assertEquals(0, found, () -> "marker '" + marker + "' is on more than one line");
                found = i + 1;
            }
        }
        assertTrue(found > 0, () -> "no line contains '" + marker + "'");
        return found;
    }

    static ClassNode classNode(byte[] bytes) {
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, 0);
        return node;
    }

    /** The class as ASM's Textifier prints it (cut when very long), for failure messages. */
    static String textify(byte[] bytes) {
        if (bytes == null) {
            return "(no class file)";
        }
        StringWriter out = new StringWriter();
        try {
            new ClassReader(bytes).accept(new TraceClassVisitor(new PrintWriter(out)), 0);
        } catch (RuntimeException e) {
            out.append("\n(cannot print the rest: ").append(String.valueOf(e)).append(")");
        }
        String text = out.toString();
        int limit = 60_000;
        return text.length() <= limit ? text : text.substring(0, limit) + "\n... (" + (text.length() - limit) + " more characters)";
    }

    static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return slash < 0 ? "" : internalName.substring(0, slash);
    }

    /** Throws {@code t} as it is, checked or not; declared to return so callers can write {@code throw sneakyThrow(t)}. */
    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException sneakyThrow(Throwable t) throws E {
        throw (E) t;
    }
}
