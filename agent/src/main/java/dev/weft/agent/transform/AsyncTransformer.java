package dev.weft.agent.transform;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.AnnotationNode;
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

    public AsyncTransformer(ClassHierarchy hierarchy) {
        this.hierarchy = hierarchy;
    }

    /**
     * True when the class may have something to rewrite, judged from its constant pool alone: it mentions
     * {@code @Async} or {@code Await} and is not marked as rewritten already. The cheap test a Java agent runs
     * on every class it sees.
     */
    public static boolean isCandidate(byte[] classBytes) {
        return ConstantPoolScan.mayMentionWeft(classBytes)
                && ConstantPoolScan.scan(new ClassReader(classBytes), classBytes) == ConstantPoolScan.Verdict.CANDIDATE;
    }

    /**
     * Rewrites the class, or returns it unchanged (the same array) when it has nothing to rewrite or was
     * rewritten already.
     *
     * @throws AsyncTransformException for a method that cannot be rewritten, naming class, method, file and line
     */
    public TransformResult transform(byte[] classBytes) {
        ClassReader reader = new ClassReader(classBytes);
        String className = reader.getClassName();
        if (ConstantPoolScan.scan(reader, classBytes) != ConstantPoolScan.Verdict.CANDIDATE) {
            return TransformResult.unchanged(className, classBytes);
        }
        ClassNode node = new ClassNode(Opcodes.ASM9);
        reader.accept(node, 0);
        ClassContext ctx = new ClassContext(node, hierarchy.withClasses(Map.of(className, classBytes)));

        List<MethodNode> asyncMethods = findAsyncMethods(ctx, node);
        if (asyncMethods.isEmpty()) {
            return TransformResult.unchanged(className, classBytes);
        }
        int major = node.version & 0xFFFF;
        if (major < MIN_VERSION || major > MAX_VERSION) {
            throw ctx.refuse(asyncMethods.get(0), null, "class file version " + major + " is not supported (Java 8 "
                    + "to 25, versions 52 to 69, are); compile with --release 8 to 25");
        }

        Map<String, MethodNode> bodies = new LinkedHashMap<>();
        Map<String, byte[]> frames = new LinkedHashMap<>();
        List<String> rewritten = new ArrayList<>();
        int index = 0;
        for (MethodNode m : asyncMethods) {
            String id = m.name + m.desc;
            String safeName = m.name.replace('<', '_').replace('>', '_');
            String frameClass = className + "$async$" + safeName + "$" + index;
            String bodyName = Names.BODY_PREFIX + safeName + "$" + index;
            index++;
            StateMachineBuilder builder = new StateMachineBuilder(ctx, m, frameClass, bodyName);
            MethodNode body;
            try {
                body = builder.build();
            } catch (AnalyzerException e) {
                AsyncTransformException refusal = ctx.refuse(m, e.node, "the method's bytecode could not be "
                        + "analysed (" + e.getMessage() + "); please report this with the class file");
                refusal.initCause(e);
                throw refusal;
            }
            bodies.put(id, body);
            frames.put(frameClass, FrameClassWriter.write(ctx, builder.layout(), bodyName));
            rewritten.add(id);
        }

        ClassWriter writer = new HierarchyClassWriter(reader, ClassWriter.COMPUTE_FRAMES, ctx.hierarchy);
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
                    e.getValue().accept(cv);
                    bodies.get(e.getKey()).accept(cv);
                }
                super.visitEnd();
            }
        }, 0);
        return new TransformResult(className, writer.toByteArray(), frames, rewritten);
    }

    /** The methods to rewrite; refuses awaits where they cannot be (contract item 7). */
    private static List<MethodNode> findAsyncMethods(ClassContext ctx, ClassNode node) {
        List<MethodNode> result = new ArrayList<>();
        for (MethodNode m : node.methods) {
            boolean annotated = hasAnnotation(m.invisibleAnnotations) || hasAnnotation(m.visibleAnnotations);
            AbstractInsnNode firstAwait = firstAwait(m);
            Type returnType = Type.getReturnType(m.desc);
            boolean asyncReturn = Names.isAsyncReturnType(returnType);
            if (annotated) {
                if ("<init>".equals(m.name) || "<clinit>".equals(m.name)) {
                    throw ctx.refuse(m, null, "@Async cannot be put on a constructor or initializer; move the "
                            + "asynchronous work to an @Async method that returns Task<T>");
                }
                if ((m.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
                    throw ctx.refuse(m, null, "@Async needs a method body; remove @Async from this abstract or "
                            + "native method and put it on the implementations");
                }
                if (!asyncReturn) {
                    throw ctx.refuse(m, null, "@Async methods must return Task<T>, CompletableFuture<T> or "
                            + "CompletionStage<T>, not " + returnType.getClassName()
                            + "; change the return type and end with return Task.completed(value)");
                }
                if (firstAwait != null && (m.access & Opcodes.ACC_SYNCHRONIZED) != 0) {
                    throw ctx.refuse(m, firstAwait, "await(...) is not allowed inside a synchronized method: a "
                            + "monitor cannot be held across a suspension; remove synchronized, or guard the "
                            + "state with an event-loop-confined design or dev.weft.runtime locks");
                }
                result.add(m);
            } else if (firstAwait != null) {
                boolean lambda = (m.access & Opcodes.ACC_SYNTHETIC) != 0 && m.name.startsWith("lambda$");
                if (lambda && asyncReturn) {
                    result.add(m);
                } else if (lambda) {
                    throw ctx.refuse(m, firstAwait, "await(...) in a lambda that returns "
                            + returnType.getClassName() + "; an async lambda's functional interface must return "
                            + "Task, CompletableFuture or CompletionStage");
                } else if ("<init>".equals(m.name) || "<clinit>".equals(m.name)) {
                    throw ctx.refuse(m, firstAwait, "await(...) in a constructor or initializer, which cannot "
                            + "suspend; move the asynchronous work to an @Async factory method that returns Task<T>");
                } else {
                    throw ctx.refuse(m, firstAwait, "await(...) in a method that is neither @Async nor an async "
                            + "lambda; annotate " + m.name + " with @dev.weft.Async (its return type must be Task<T>, "
                            + "CompletableFuture<T> or CompletionStage<T>)");
                }
            }
        }
        for (MethodNode m : result) {
            if (firstAwait(m) == null) {
                continue;
            }
            int[] depth;
            try {
                depth = FlowGraph.of(ctx.name, m).monitorDepth();
            } catch (AnalyzerException e) {
                throw ctx.refuse(m, e.node, "the method's bytecode could not be analysed (" + e.getMessage() + ")");
            }
            for (int i = 0; i < m.instructions.size(); i++) {
                AbstractInsnNode insn = m.instructions.get(i);
                if (Names.isAwait(insn) && depth[i] > 0) {
                    throw ctx.refuse(m, insn, "await(...) is not allowed inside synchronized: a monitor cannot be "
                            + "held across a suspension; move the await out of the synchronized block");
                }
            }
        }
        return result;
    }

    private static boolean hasAnnotation(List<AnnotationNode> annotations) {
        if (annotations == null) {
            return false;
        }
        for (AnnotationNode a : annotations) {
            if (Names.ASYNC_DESC.equals(a.desc)) {
                return true;
            }
        }
        return false;
    }

    private static AbstractInsnNode firstAwait(MethodNode m) {
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
            if (Names.isAwait(n)) {
                return n;
            }
        }
        return null;
    }
}
