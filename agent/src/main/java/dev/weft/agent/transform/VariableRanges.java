package dev.weft.agent.transform;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;

/**
 * Pass 6c: a debugger is never told a variable is in scope where its slot does not hold it. The body is entered
 * at a resume point with placeholders in the parameters' slots and nothing in the others; only what the resume
 * point restores, and what the code stores afterwards, is there. Each LocalVariableTable entry of the body is cut
 * to the instructions where its slot is definitely assigned on every path from the body's start (a forward
 * data-flow, {@link FlowGraph#definitelyAssigned}): a variable dead at an await (not saved) disappears from the
 * variables view after the resume until it is assigned again, and one restored at one await is not shown at a
 * loop head that another resume reaches without it.
 */
final class VariableRanges {
    private VariableRanges() {
    }

    /**
     * @param start where the body's first step starts (the compact shape), where the parameters are real, or null
     */
    static void restrict(String owner, MethodNode body, StateMachineBody.Slots slots, LabelNode start)
            throws AnalyzerException {
        if (body.localVariables == null || body.localVariables.isEmpty()) {
            return;
        }
        InsnList insns = body.instructions;
        BitSet atStart = new BitSet();
        if ((body.access & Opcodes.ACC_STATIC) == 0) {
            atStart.set(0);
        }
        atStart.set(slots.frame(), slots.thrown() + 1);
        Map<Integer, BitSet> seeds = new java.util.HashMap<>();
        if (start != null) {
            BitSet parameters = new BitSet();
            parameters.set(0, slots.parameters());
            seeds.put(insns.indexOf(start), parameters);
        }
        BitSet[] states = FlowGraph.of(owner, body).definitelyAssigned(atStart, seeds);
        Map<AbstractInsnNode, BitSet> assigned = new java.util.IdentityHashMap<>();
        for (int i = 0; i < states.length; i++) {
            assigned.put(insns.get(i), states[i]);
        }

        List<LocalVariableNode> kept = new ArrayList<>();
        for (LocalVariableNode lv : body.localVariables) {
            LabelNode from = null;
            for (AbstractInsnNode n = lv.start; n != null && n != lv.end; n = n.getNext()) {
                if (n.getOpcode() < 0) {
                    continue;
                }
                BitSet at = assigned.get(n);
                boolean holds = at != null && at.get(lv.index);
                if (holds && from == null) {
                    from = labelBefore(insns, n);
                } else if (!holds && from != null) {
                    kept.add(new LocalVariableNode(lv.name, lv.desc, lv.signature, from, labelBefore(insns, n), lv.index));
                    from = null;
                }
            }
            if (from != null) {
                kept.add(new LocalVariableNode(lv.name, lv.desc, lv.signature, from, lv.end, lv.index));
            }
        }
        body.localVariables = kept;
    }

    /** A label right before {@code insn}: the one already there (only labels and line numbers between), or a new one. */
    private static LabelNode labelBefore(InsnList insns, AbstractInsnNode insn) {
        for (AbstractInsnNode p = insn.getPrevious(); p != null && p.getOpcode() < 0; p = p.getPrevious()) {
            if (p instanceof LabelNode l) {
                return l;
            }
        }
        LabelNode l = new LabelNode();
        insns.insertBefore(insn, l);
        return l;
    }
}
