package dev.weft.agent.transform;

import dev.weft.agent.transform.SpillPlan.ResumePoint;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LocalVariableAnnotationNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Pass 5: the state machine. The method's code moves to a synthetic static method
 * {@code async$name$N(frame, sent, thrown)} with the user's locals shifted by {@link #SHIFT} slots; each await
 * becomes the done-check / save / {@code suspendOn} / resume sequence of README.md; a {@code tableswitch} on
 * {@code frame.label} restores what the resume point saved and jumps there ({@link SpillCode#prologue}).
 */
final class StateMachineBody {
    /** Slots of the body method's own parameters; the user's locals follow, shifted by {@link #SHIFT}. */
    static final int FRAME = 0;
    static final int SENT = 1;
    static final int THROWN = 2;
    static final int SHIFT = 3;

    private StateMachineBody() {
    }

    /**
     * Builds the body from {@code method}'s code, which it takes over (instructions, handlers, variables).
     *
     * @param sharedRestores restore through the shared prefix tree (large methods)
     */
    static MethodNode build(ClassContext ctx, MethodNode method, SpillPlan plan, String frameClass, String bodyName,
                            boolean sharedRestores) {
        InsnList insns = method.instructions;
        MethodNode body = new MethodNode(Opcodes.ASM9,
                Opcodes.ACC_STATIC | Opcodes.ACC_SYNTHETIC | (ctx.isInterface ? Opcodes.ACC_PUBLIC : 0),
                bodyName, "(L" + frameClass + ";Ljava/lang/Object;Ljava/lang/Throwable;)Ljava/lang/Object;", null, null);
        body.instructions = insns;
        body.tryCatchBlocks = method.tryCatchBlocks;
        body.localVariables = method.localVariables;
        body.visibleLocalVariableAnnotations = method.visibleLocalVariableAnnotations;
        body.invisibleLocalVariableAnnotations = method.invisibleLocalVariableAnnotations;
        int futureSlot = method.maxLocals + SHIFT;
        body.maxLocals = futureSlot + 1;
        body.maxStack = method.maxStack + 4;

        shiftLocals(body);
        SpillCode spill = new SpillCode(frameClass);
        InsnList tail = new InsnList();
        SpillCode.suspendOn(tail, FRAME, futureSlot);
        tail.add(new InsnNode(Opcodes.ARETURN));
        SpillCode.SaveChains chains = spill.new SaveChains(FRAME, SHIFT, tail);
        Map<Integer, LabelNode> targets = new HashMap<>();
        for (ResumePoint p : plan.points()) {
            if (p.isStart()) {
                LabelNode start = new LabelNode();
                insns.insert(start);
                targets.put(0, start);
            } else {
                targets.put(p.label(), rewriteAwait(insns, p, spill, chains.entryFor(p.locals()), futureSlot));
            }
        }
        insns.add(chains.code()); // after all of the user's code: outside every try range
        insns.insert(spill.prologue(plan.points(), targets, SHIFT, sharedRestores));
        return body;
    }

    /**
     * {@code await(x)} becomes: done? take the result : save, set the label, return SUSPENDED; and the resume
     * point, reached from the prologue, throws {@code thrown} or pushes {@code sent}.
     *
     * @return the resume point's label, where the prologue jumps once the saved values are back
     */
    private static LabelNode rewriteAwait(InsnList insns, ResumePoint p, SpillCode spill, LabelNode chain,
                                          int futureSlot) {
        MethodInsnNode call = (MethodInsnNode) p.await();
        LabelNode suspend = new LabelNode();
        LabelNode resume = new LabelNode();
        LabelNode sendValue = new LabelNode();
        LabelNode after = new LabelNode();
        InsnList code = new InsnList();
        SpillCode.doneCheck(code, call, suspend, after);

        code.add(suspend);
        code.add(new VarInsnNode(Opcodes.ASTORE, futureSlot));
        spill.saveStackAndLabel(code, p, FRAME, chain);

        code.add(resume);
        spill.restoreStack(code, p);
        code.add(new VarInsnNode(Opcodes.ALOAD, THROWN));
        code.add(new JumpInsnNode(Opcodes.IFNULL, sendValue));
        code.add(new VarInsnNode(Opcodes.ALOAD, THROWN));
        code.add(new InsnNode(Opcodes.ATHROW));
        code.add(sendValue);
        code.add(new VarInsnNode(Opcodes.ALOAD, SENT));
        code.add(after);

        insns.insertBefore(call, code);
        insns.remove(call);
        return resume;
    }

    private static void shiftLocals(MethodNode body) {
        for (AbstractInsnNode n = body.instructions.getFirst(); n != null; n = n.getNext()) {
            if (n instanceof VarInsnNode v) {
                v.var += SHIFT;
            } else if (n instanceof IincInsnNode inc) {
                inc.var += SHIFT;
            }
        }
        if (body.localVariables != null) {
            for (LocalVariableNode lv : body.localVariables) {
                lv.index += SHIFT;
            }
        }
        shiftAnnotations(body.visibleLocalVariableAnnotations);
        shiftAnnotations(body.invisibleLocalVariableAnnotations);
    }

    private static void shiftAnnotations(List<LocalVariableAnnotationNode> annotations) {
        if (annotations == null) {
            return;
        }
        for (LocalVariableAnnotationNode a : annotations) {
            a.index.replaceAll(i -> i + SHIFT);
        }
    }
}
