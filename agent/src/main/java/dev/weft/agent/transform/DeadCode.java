package dev.weft.agent.transform;

import java.util.Iterator;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicInterpreter;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * Pass 6b: code that can never run, and jumps that go nowhere, out of the methods Weft writes.
 *
 * <p>The body of the default shape is entered only at its resume points (the entry runs the first step), so the
 * code before the first await, and every path that only it reaches, never runs there. It is removed, with its
 * handlers, line numbers and variables: the body is smaller (ASM would write it as {@code NOP ... ATHROW}), and a
 * debugger that binds a line to one location never picks a copy that cannot run. A {@code GOTO} to the next
 * instruction (where a generated path ends right where it goes on) is dropped.
 */
final class DeadCode {
    private DeadCode() {
    }

    static void remove(String owner, MethodNode method) throws AnalyzerException {
        removeUnreachable(owner, method);
        removeJumpsToNext(method.instructions);
    }

    private static void removeJumpsToNext(InsnList insns) {
        for (AbstractInsnNode n = insns.getFirst(); n != null; ) {
            AbstractInsnNode next = n.getNext();
            if (n.getOpcode() == Opcodes.GOTO) {
                LabelNode target = ((JumpInsnNode) n).label;
                for (AbstractInsnNode k = n.getNext(); k != null && k.getOpcode() < 0; k = k.getNext()) {
                    if (k == target) {
                        insns.remove(n);
                        break;
                    }
                }
            }
            n = next;
        }
    }

    private static void removeUnreachable(String owner, MethodNode method) throws AnalyzerException {
        Frame<BasicValue>[] frames = new Analyzer<>(new BasicInterpreter()).analyze(owner, method);
        InsnList insns = method.instructions;
        AbstractInsnNode[] all = insns.toArray();
        boolean removed = false;
        for (int i = 0; i < all.length; i++) {
            if (frames[i] == null && all[i].getOpcode() >= 0) {
                insns.remove(all[i]);
                removed = true;
            }
        }
        if (!removed) {
            return;
        }
        for (Iterator<TryCatchBlockNode> it = method.tryCatchBlocks.iterator(); it.hasNext(); ) {
            TryCatchBlockNode t = it.next();
            if (!hasCode(t.start, t.end)) {
                it.remove();
            }
        }
        if (method.localVariables != null) {
            method.localVariables.removeIf(lv -> !hasCode(lv.start, lv.end));
        }
        for (AbstractInsnNode n = insns.getFirst(); n != null; ) {
            AbstractInsnNode next = n.getNext();
            if (n instanceof LineNumberNode line && !hasCodeBeforeNextLine(line)) {
                insns.remove(line);
            }
            n = next;
        }
    }

    /** A real instruction between {@code start} (inclusive) and {@code end} (exclusive). */
    private static boolean hasCode(LabelNode start, LabelNode end) {
        for (AbstractInsnNode n = start; n != null && n != end; n = n.getNext()) {
            if (n.getOpcode() >= 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasCodeBeforeNextLine(LineNumberNode line) {
        for (AbstractInsnNode n = line.start; n != null; n = n.getNext()) {
            if (n.getOpcode() >= 0) {
                return true;
            }
            if (n instanceof LineNumberNode other && other != line) {
                return false;
            }
        }
        return false;
    }
}
