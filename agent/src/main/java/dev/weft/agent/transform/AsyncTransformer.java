package dev.weft.agent.transform;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodTooLargeException;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;

/**
 * Rewrites the {@code @Async} methods and async lambdas of one class into coroutines; see README.md beside
 * this file for the generated shape and the passes, in order.
 *
 * <pre>{@code
 * AsyncTransformer transformer = new AsyncTransformer(ClassHierarchy.of(classLoader));
 * TransformResult result = transformer.transform(classFileBytes);
 * if (result.changed()) { define result.generatedClasses() first, then result.bytes() }
 * }</pre>
 *
 * <p>A transformer is thread-safe: it keeps nothing between calls but the hierarchy's cache of class headers.
 */
public final class AsyncTransformer {
    /** Java 8. */
    public static final int MIN_VERSION = Opcodes.V1_8;
    /** Java 25. */
    public static final int MAX_VERSION = Opcodes.V25;

    private final ClassHierarchy hierarchy;
    private final boolean compactAlways;
    private final boolean debugLocals;

    public AsyncTransformer(ClassHierarchy hierarchy) {
        this(hierarchy, false, false);
    }

    /** With {@code compactAlways}, every method is written in the compact shape (for tests of that shape). */
    AsyncTransformer(ClassHierarchy hierarchy, boolean compactAlways) {
        this(hierarchy, compactAlways, false);
    }

    private AsyncTransformer(ClassHierarchy hierarchy, boolean compactAlways, boolean debugLocals) {
        this.hierarchy = hierarchy;
        this.compactAlways = compactAlways;
        this.debugLocals = debugLocals;
    }

    /**
     * This transformer, but every await also saves each variable that is in scope in the source there (by the
     * LocalVariableTable) and holds a value, live or not, so a debugger shows all of them after a resume: Kotlin's
     * {@code -Xdebug}, for debugging sessions. Suspended tasks hold more, and objects stay reachable longer.
     */
    public AsyncTransformer withDebugLocals(boolean on) {
        return on == debugLocals ? this : new AsyncTransformer(hierarchy, compactAlways, on);
    }

    /**
     * True when the class may have something to rewrite, judged from its constant pool alone: it mentions
     * {@code @Async} or {@code Await} and is not marked as rewritten already. The cheap test a Java agent runs
     * on every class it sees.
     */
    public static boolean isCandidate(byte[] classBytes) {
        return ConstantPoolScan.isCandidate(classBytes);
    }

    /**
     * Rewrites the class, or returns it unchanged (the same array) when it has nothing to rewrite or was
     * rewritten already.
     *
     * <p>What it returns has passed {@link EmittedCodeCheck}, the JVM verifier's rules applied to the written
     * class files: a rewrite that would not verify is a refusal, never a class that fails to load.
     *
     * @throws AsyncTransformException for the methods that cannot be rewritten (every one of the class, see
     *     {@link AsyncTransformException#all()}), naming class, method, file and line
     */
    public TransformResult transform(byte[] classBytes) {
        Set<String> compact = new HashSet<>(compactAlways ? Set.of("*") : Set.of());
        while (true) {
            try {
                TransformResult result = attempt(classBytes, compact);
                if (!compact.addAll(beyondJitLimit(result, compact))) {
                    return result;
                }
            } catch (TooLarge e) {
                if (!compact.add(e.methodId)) {
                    throw e.refusal;
                }
            }
        }
    }

    /**
     * The rewritten methods (name + descriptor) whose entry or body is over {@link CodeSizes#JIT_LIMIT} in the
     * default shape: HotSpot would never compile them, so the default shape's speed is lost and its size is not
     * worth paying; they are written again in the compact shape.
     */
    private static Set<String> beyondJitLimit(TransformResult result, Set<String> compact) {
        if (!result.changed()) {
            return Set.of();
        }
        Map<String, Integer> sizes = CodeSizes.of(result.bytes());
        Set<String> large = new HashSet<>();
        for (String id : result.rewrittenMethods()) {
            if (compact.contains(id)) {
                continue;
            }
            String body = result.bodyMethods().get(id);
            if (sizes.getOrDefault(id, 0) > CodeSizes.JIT_LIMIT || sizes.getOrDefault(body, 0) > CodeSizes.JIT_LIMIT) {
                large.add(id);
            }
        }
        return large;
    }

    /** A rewritten method's code is over the JVM's 64 KB limit. */
    private static final class TooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String methodId;
        final AsyncTransformException refusal;

        TooLarge(String methodId, AsyncTransformException refusal) {
            super(null, null, false, false);
            this.methodId = methodId;
            this.refusal = refusal;
        }
    }

    /**
     * One rewrite, {@code compact} naming the methods (name + descriptor) to write in the compact shape, for code
     * that does not fit the default one.
     */
    private TransformResult attempt(byte[] classBytes, Set<String> compact) {
        ClassReader reader = new ClassReader(classBytes);
        String className = reader.getClassName();
        if (ConstantPoolScan.scan(reader, classBytes) != ConstantPoolScan.Verdict.CANDIDATE) {
            return TransformResult.unchanged(className, classBytes);
        }
        ClassNode node = new ClassNode(Opcodes.ASM9);
        reader.accept(node, 0);
        ClassContext ctx = new ClassContext(node, hierarchy.withClasses(Map.of(className, classBytes)), debugLocals);

        List<AsyncTransformException> refusals = new ArrayList<>();
        List<MethodNode> asyncMethods = AsyncMethods.select(ctx, node, refusals);
        if (asyncMethods.isEmpty() && refusals.isEmpty()) {
            return TransformResult.unchanged(className, classBytes);
        }
        if (!asyncMethods.isEmpty() && !ctx.hierarchy.isKnown(Names.TASK)) {
            MethodNode first = asyncMethods.get(0);
            throw new AsyncTransformException(className, first.name, node.sourceFile, ClassContext.lineOf(first, null),
                    "the class files of Weft's runtime (dev.weft.runtime.Task, in async-runtime) are not on the class "
                    + "path the transformer reads; add async-runtime to it (for the command line: --classpath)");
        }
        int major = node.version & 0xFFFF;
        if (major < MIN_VERSION || major > MAX_VERSION) {
            MethodNode first = asyncMethods.isEmpty() ? null : asyncMethods.get(0);
            throw new AsyncTransformException(className, first == null ? null : first.name, node.sourceFile,
                    first == null ? 0 : ClassContext.lineOf(first, null), "class file version " + major + " is not "
                    + "supported (Java 8 to 25, versions 52 to 69, are); compile with --release 8 to 25");
        }

        Map<String, MethodNode> bodies = new LinkedHashMap<>();
        Map<String, byte[]> frames = new LinkedHashMap<>();
        Map<String, MethodNode> sources = new HashMap<>(); // written method name + desc -> the user's method
        Map<String, Integer> firstLines = new HashMap<>();
        List<String> rewritten = new ArrayList<>();
        Map<String, String> bodyMethods = new LinkedHashMap<>();
        int index = 0;
        for (MethodNode m : asyncMethods) {
            String id = m.name + m.desc;
            String safeName = m.name.replace('<', '_').replace('>', '_');
            String frameClass = className + "$async$" + safeName + "$" + index;
            index++;
            int line = ClassContext.lineOf(m, null);
            firstLines.put(id, line);
            try {
                MethodRewrite rewrite = new MethodRewrite(ctx, m, frameClass,
                        compact.contains(id) || compact.contains("*"));
                MethodNode body = rewrite.body();
                bodies.put(id, body);
                frames.put(frameClass, FrameClassWriter.write(ctx, rewrite.layout(), m));
                rewritten.add(id);
                bodyMethods.put(id, body.name + body.desc);
                sources.put(id, m);
                sources.put(body.name + body.desc, m);
            } catch (AsyncTransformException e) {
                refusals.add(e);
            } catch (AnalyzerException | RuntimeException e) {
                AsyncTransformException refusal = new AsyncTransformException(className, m.name, node.sourceFile,
                        e instanceof AnalyzerException a && a.node != null ? lineOf(m, a.node, line) : line,
                        "internal error of the Weft transformer (" + e + "); this is a Weft bug: please report "
                                + "it with the class file. The class was not rewritten");
                refusal.initCause(e);
                refusals.add(refusal);
            }
        }
        if (!refusals.isEmpty()) {
            throw AsyncTransformException.of(refusals);
        }

        byte[] written;
        try {
            written = write(reader, ctx, asyncMethods, bodies, sources, firstLines, compact, frames);
        } catch (TooLarge e) {
            throw e;
        } catch (RuntimeException e) {
            MethodNode first = asyncMethods.get(0);
            AsyncTransformException refusal = new AsyncTransformException(className, null, node.sourceFile,
                    firstLines.get(first.name + first.desc), "internal error of the Weft transformer while writing "
                    + "the class (" + e + "); this is a Weft bug: please report it with the class file. The class "
                    + "was not rewritten");
            refusal.initCause(e);
            throw refusal;
        }
        check(ctx, written, frames, sources);
        return new TransformResult(className, written, frames, rewritten, bodyMethods);
    }

    /** Line of {@code insn} in a method whose code has been rewritten; {@code fallback} when it has none. */
    private static int lineOf(MethodNode m, AbstractInsnNode insn, int fallback) {
        int line = ClassContext.lineOf(m, insn);
        return line > 0 ? line : fallback;
    }

    private static byte[] write(ClassReader reader, ClassContext ctx, List<MethodNode> asyncMethods,
                                Map<String, MethodNode> bodies, Map<String, MethodNode> sources,
                                Map<String, Integer> firstLines, Set<String> compact, Map<String, byte[]> frames) {
        // the frame classes are types of the code too (a merge of a frame and a Task is a Task)
        ClassWriter writer = new HierarchyClassWriter(reader, ClassWriter.COMPUTE_FRAMES,
                ctx.hierarchy.withClasses(frames));
        Map<String, MethodNode> entries = new LinkedHashMap<>();
        for (MethodNode m : asyncMethods) {
            entries.put(m.name + m.desc, m);
        }
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                if (entries.containsKey(name + descriptor)) {
                    return null; // replaced in visitEnd
                }
                return super.visitMethod(access, name, descriptor, signature, exceptions);
            }

            @Override
            public void visitEnd() {
                super.visitAnnotation(Names.TRANSFORMED_DESC, false).visitEnd();
                for (Map.Entry<String, MethodNode> e : entries.entrySet()) {
                    MethodNode entry = e.getValue();
                    MethodNode twin = null;
                    if (TestMethodBridge.needed(ctx, entry)) { // a JUnit test method: JUnit runs only void ones
                        Integer line = firstLines.get(e.getKey());
                        twin = TestMethodBridge.twin(ctx, entry, line == null ? 0 : line);
                    }
                    entry.accept(cv);
                    bodies.get(e.getKey()).accept(cv);
                    if (twin != null) {
                        twin.accept(cv);
                    }
                }
                super.visitEnd();
            }
        }, 0);
        try {
            return writer.toByteArray();
        } catch (MethodTooLargeException e) {
            MethodNode m = sources.get(e.getMethodName() + e.getDescriptor());
            if (m == null) {
                throw e; // a method Weft did not touch: the class file was too large already
            }
            String id = m.name + m.desc;
            throw new TooLarge(id, new AsyncTransformException(ctx.name, m.name, ctx.sourceFile, firstLines.get(id),
                    "the rewritten method is over the JVM's 64 KB code limit (" + e.getCodeSize() + " bytes"
                    + (compact.contains(id) ? ", in Weft's compact shape" : "") + "): it has too many awaits with "
                    + "too many values live across them; split this method into smaller @Async methods"));
        }
    }

    /** Pass 8: the written host and frame classes must pass the JVM verifier's rules. */
    private static void check(ClassContext ctx, byte[] written, Map<String, byte[]> frames,
                              Map<String, MethodNode> sources) {
        Map<String, byte[]> all = new HashMap<>(frames);
        all.put(ctx.name, written);
        ClassHierarchy hierarchy = ctx.hierarchy.withClasses(all);
        List<AsyncTransformException> refusals = new ArrayList<>();
        for (EmittedCodeCheck.Failure f : EmittedCodeCheck.check(written, hierarchy, hierarchy.source(),
                (name, desc) -> sources.containsKey(name + desc))) {
            MethodNode m = sources.get(f.method() + f.descriptor());
            refusals.add(unverifiable(ctx, m != null ? m.name : f.method(), f));
        }
        for (Map.Entry<String, byte[]> frame : frames.entrySet()) {
            for (EmittedCodeCheck.Failure f : EmittedCodeCheck.check(frame.getValue(), hierarchy, hierarchy.source(),
                    (n, d) -> true)) {
                refusals.add(unverifiable(ctx, frame.getKey() + "." + f.method(), f));
            }
        }
        if (!refusals.isEmpty()) {
            throw AsyncTransformException.of(refusals);
        }
    }

    private static AsyncTransformException unverifiable(ClassContext ctx, String method, EmittedCodeCheck.Failure f) {
        return new AsyncTransformException(ctx.name, method, ctx.sourceFile, f.line(), "the rewritten code would "
                + "not pass the JVM's verifier (" + f.method() + f.descriptor() + " " + f.message() + "); this is a "
                + "Weft bug, please report it with the class file. The class was not rewritten");
    }
}
