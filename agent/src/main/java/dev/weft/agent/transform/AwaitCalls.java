package dev.weft.agent.transform;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Pass 1a: {@code await(x, IOException.class)} is {@code await(x)} declared {@code throws IOException} for the
 * compiler's sake; the class argument is dropped here (it is a constant, evaluated already), so every later pass
 * sees one await shape, with the future on top of the stack.
 */
final class AwaitCalls {
    private AwaitCalls() {
    }

    static void normalize(MethodNode method) {
        for (AbstractInsnNode n = method.instructions.getFirst(); n != null; n = n.getNext()) {
            if (Names.isAwait(n) && n instanceof MethodInsnNode m) {
                if (Names.AWAIT_FUTURE_THROWS_DESC.equals(m.desc)) {
                    method.instructions.insertBefore(m, new InsnNode(Opcodes.POP));
                    m.desc = Names.AWAIT_FUTURE_DESC;
                } else if (Names.AWAIT_STAGE_THROWS_DESC.equals(m.desc)) {
                    method.instructions.insertBefore(m, new InsnNode(Opcodes.POP));
                    m.desc = Names.AWAIT_STAGE_DESC;
                }
            }
        }
    }
}
