package dev.weft.agent.transform;

import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodNode;

/** What the passes need to know about the class being rewritten. */
final class ClassContext {
    final String name;
    final String superName;
    final List<String> interfaces;
    final boolean isInterface;
    final String sourceFile;
    final int version;
    final ClassHierarchy hierarchy;
    /** Every await saves each variable in scope that holds a value, live or not ({@link AsyncTransformer#withDebugLocals}). */
    final boolean debugLocals;

    ClassContext(ClassNode node, ClassHierarchy hierarchy) {
        this(node, hierarchy, false);
    }

    ClassContext(ClassNode node, ClassHierarchy hierarchy, boolean debugLocals) {
        this.debugLocals = debugLocals;
        this.name = node.name;
        this.superName = node.superName;
        this.interfaces = node.interfaces == null ? List.of() : node.interfaces;
        this.isInterface = (node.access & Opcodes.ACC_INTERFACE) != 0;
        this.sourceFile = node.sourceFile;
        this.version = node.version;
        this.hierarchy = hierarchy;
    }

    HierarchyVerifier verifier() {
        List<Type> itfs = new ArrayList<>();
        for (String i : interfaces) {
            itfs.add(Type.getObjectType(i));
        }
        return new HierarchyVerifier(hierarchy, Type.getObjectType(name),
                superName == null ? null : Type.getObjectType(superName), itfs, isInterface);
    }

    /** A refusal located at {@code insn} (its source line), or at the method's first line when null. */
    AsyncTransformException refuse(MethodNode method, AbstractInsnNode insn, String reason) {
        return new AsyncTransformException(name, method.name, sourceFile, lineOf(method, insn), reason);
    }

    static int lineOf(MethodNode method, AbstractInsnNode insn) {
        if (insn != null) {
            for (AbstractInsnNode n = insn; n != null; n = n.getPrevious()) {
                if (n instanceof LineNumberNode line) {
                    return line.line;
                }
            }
        }
        for (AbstractInsnNode n = method.instructions.getFirst(); n != null; n = n.getNext()) {
            if (n instanceof LineNumberNode line) {
                return line.line;
            }
        }
        return 0;
    }
}
