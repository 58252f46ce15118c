package dev.weft.agent.transform;

import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;

/**
 * Pass 0: picks the methods to rewrite, {@code @Async} methods and async lambdas ({@code lambda$…} methods
 * returning Task, CompletableFuture or CompletionStage that call {@code await}), and refuses awaits where they
 * cannot be (contract item 7): in any other method, in an {@code @Async} method with another return type or
 * without a body, where a monitor is held (a data-flow over monitor depth, so {@code synchronized} blocks too).
 *
 * <p>Bridge methods are never rewritten: javac copies a method's annotations onto the bridges it generates for
 * it (a generic interface method, a covariant override), and a bridge only calls the real method, which is
 * rewritten.
 */
final class AsyncMethods {
    private AsyncMethods() {
    }

    /** The methods to rewrite; every refusal of the class goes to {@code refusals}. */
    static List<MethodNode> select(ClassContext ctx, ClassNode node, List<AsyncTransformException> refusals) {
        List<MethodNode> result = new ArrayList<>();
        for (MethodNode m : node.methods) {
            if ((m.access & Opcodes.ACC_BRIDGE) != 0) {
                continue;
            }
            try {
                if (isAsync(ctx, m) && checkMonitors(ctx, m)) {
                    result.add(m);
                }
            } catch (AsyncTransformException e) {
                refusals.add(e);
            }
        }
        return result;
    }

    /** True when {@code m} is to be rewritten; throws when it holds an await it may not. */
    private static boolean isAsync(ClassContext ctx, MethodNode m) {
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
            return true;
        }
        if (firstAwait == null) {
            return false;
        }
        boolean lambda = (m.access & Opcodes.ACC_SYNTHETIC) != 0 && m.name.startsWith("lambda$");
        if (lambda && asyncReturn) {
            return true;
        }
        if (lambda) {
            throw ctx.refuse(m, firstAwait, "await(...) in a lambda that returns " + returnType.getClassName()
                    + "; an async lambda's functional interface must return Task, CompletableFuture or "
                    + "CompletionStage");
        }
        if ("<init>".equals(m.name) || "<clinit>".equals(m.name)) {
            throw ctx.refuse(m, firstAwait, "await(...) in a constructor or initializer, which cannot suspend; "
                    + "move the asynchronous work to an @Async factory method that returns Task<T>");
        }
        throw ctx.refuse(m, firstAwait, "await(...) in a method that is neither @Async nor an async lambda; "
                + "annotate " + m.name + " with @dev.weft.Async (its return type must be Task<T>, "
                + "CompletableFuture<T> or CompletionStage<T>)");
    }

    private static boolean checkMonitors(ClassContext ctx, MethodNode m) {
        if (firstAwait(m) == null) {
            return true;
        }
        int[] depth;
        try {
            depth = FlowGraph.of(ctx.name, m).monitorDepth();
        } catch (AnalyzerException e) {
            throw ctx.refuse(m, e.node, "the method's bytecode could not be analysed (" + e.getMessage()
                    + "); it is not valid class file code, so Weft leaves it alone");
        }
        for (int i = 0; i < m.instructions.size(); i++) {
            AbstractInsnNode insn = m.instructions.get(i);
            if (Names.isAwait(insn) && depth[i] > 0) {
                throw ctx.refuse(m, insn, "await(...) is not allowed inside synchronized: a monitor cannot be "
                        + "held across a suspension; move the await out of the synchronized block");
            }
        }
        return true;
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

    static AbstractInsnNode firstAwait(MethodNode m) {
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
            if (Names.isAwait(n)) {
                return n;
            }
        }
        return null;
    }
}
