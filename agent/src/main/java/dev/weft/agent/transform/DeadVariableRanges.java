package dev.weft.agent.transform;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Pass 4a: after a resume, a local that was dead at the await (so not saved) holds nothing; its
 * LocalVariableTable range is cut there, and starts again at its next store, so a debugger never shows a stale
 * slot (as Kotlin's code generator does). Only the body needs it: the entry never resumes.
 */
final class DeadVariableRanges {
    private DeadVariableRanges() {
    }

    static void cut(MethodNode method, List<SpillPlan.ResumePoint> awaits) {
        if (method.localVariables == null) {
            return;
        }
        InsnList insns = method.instructions;
        for (SpillPlan.ResumePoint p : awaits) {
            Set<Integer> saved = new HashSet<>();
            for (SpillPlan.Saved v : p.locals()) {
                saved.add(v.slot());
            }
            List<LocalVariableNode> added = new ArrayList<>();
            for (Iterator<LocalVariableNode> it = method.localVariables.iterator(); it.hasNext(); ) {
                LocalVariableNode lv = it.next();
                int at = insns.indexOf(p.await());
                if (saved.contains(lv.index) || at < insns.indexOf(lv.start) || at >= insns.indexOf(lv.end)) {
                    continue;
                }
                LabelNode cut = new LabelNode();
                insns.insertBefore(p.await(), cut);
                LabelNode end = lv.end;
                AbstractInsnNode store = null;
                for (AbstractInsnNode n = p.await().getNext(); n != null && n != end; n = n.getNext()) {
                    if (n instanceof VarInsnNode v && v.var == lv.index && v.getOpcode() >= Opcodes.ISTORE
                            && v.getOpcode() <= Opcodes.ASTORE) {
                        store = n;
                        break;
                    }
                }
                if (store != null) {
                    LabelNode from = new LabelNode();
                    insns.insert(store, from);
                    added.add(new LocalVariableNode(lv.name, lv.desc, lv.signature, from, end, lv.index));
                }
                if (insns.indexOf(lv.start) >= insns.indexOf(cut)) {
                    it.remove();
                } else {
                    lv.end = cut;
                }
            }
            method.localVariables.addAll(added);
        }
    }
}
