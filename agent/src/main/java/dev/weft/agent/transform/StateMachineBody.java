package dev.weft.agent.transform;

import dev.weft.agent.transform.SpillPlan.ResumePoint;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
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
 * Pass 5: the state machine. The method's code moves to a synthetic method of the same name, with the method's
 * own parameters followed by {@code (frame, sent, thrown)}: {@code name(params..., Frame, Object, Throwable)}, an
 * instance method when the source method is one. So {@code this} is the real receiver (a debugger sees it as
 * {@code this}), the parameters keep their slots, and a stack trace names the method as the source does. The
 * other locals move up by three slots, past {@code frame, sent, thrown}. Each await becomes the done-check / save
 * / {@code suspendOn} / resume sequence of README.md; a {@code tableswitch} on {@code frame.label} restores what
 * the resume point saved and jumps there ({@link SpillCode#prologue}).
 */
final class StateMachineBody {
    private StateMachineBody() {
    }

    /** Where things live in the body: the parameters where they were, then frame, sent, thrown, then the rest. */
    record Slots(int parameters) {
        static Slots of(MethodNode method) {
            return new Slots((Type.getArgumentsAndReturnSizes(method.desc) >> 2)
                    - ((method.access & Opcodes.ACC_STATIC) != 0 ? 1 : 0));
        }

        int frame() {
            return parameters;
        }

        int sent() {
            return parameters + 1;
        }

        int thrown() {
            return parameters + 2;
        }

        /** The body's slot of the source method's local {@code slot}. */
        int of(int slot) {
            return slot < parameters ? slot : slot + 3;
        }
    }

    /** The body's descriptor: the method's parameters, then {@code (frame, sent, thrown)}, returning Object. */
    static String descriptor(MethodNode method, String frameClass) {
        String params = method.desc.substring(1, method.desc.indexOf(')'));
        return "(" + params + "L" + frameClass + ";Ljava/lang/Object;Ljava/lang/Throwable;)Ljava/lang/Object;";
    }

    /** The body, and where its first step starts when it has one (the compact shape), else null. */
    record Built(MethodNode body, LabelNode start) {
    }

    /**
     * Builds the body from {@code method}'s code, which it takes over (instructions, handlers, variables).
     *
     * @param sharedRestores restore through the shared prefix tree (large methods)
     */
    static Built build(ClassContext ctx, MethodNode method, SpillPlan plan, String frameClass,
                       boolean sharedRestores) {
        InsnList insns = method.instructions;
        boolean isStatic = (method.access & Opcodes.ACC_STATIC) != 0;
        MethodNode body = new MethodNode(Opcodes.ASM9,
                Opcodes.ACC_SYNTHETIC | (isStatic ? Opcodes.ACC_STATIC : 0) | (ctx.isInterface ? Opcodes.ACC_PUBLIC : 0),
                method.name, descriptor(method, frameClass), null, null);
        body.instructions = insns;
        body.tryCatchBlocks = method.tryCatchBlocks;
        body.localVariables = method.localVariables;
        body.visibleLocalVariableAnnotations = method.visibleLocalVariableAnnotations;
        body.invisibleLocalVariableAnnotations = method.invisibleLocalVariableAnnotations;
        Slots slots = Slots.of(method);
        int futureSlot = method.maxLocals + 3;
        body.maxLocals = futureSlot + 1;
        body.maxStack = method.maxStack + 4;

        moveLocals(body, slots);
        SpillCode spill = new SpillCode(frameClass, slots.frame(), slots::of);
        InsnList tail = new InsnList();
        SpillCode.suspendOn(tail, slots.frame(), futureSlot);
        tail.add(new InsnNode(Opcodes.ARETURN));
        SpillCode.SaveChains chains = spill.new SaveChains(tail);
        Map<Integer, LabelNode> targets = new HashMap<>();
        LabelNode start = null;
        for (ResumePoint p : plan.points()) {
            if (p.isStart()) {
                start = new LabelNode();
                insns.insert(start);
                targets.put(0, start);
            } else {
                targets.put(p.label(), rewriteAwait(insns, p, spill, chains.entryFor(p.locals()), slots, futureSlot));
            }
        }
        insns.add(chains.code()); // after all of the user's code: outside every try range
        insns.insert(spill.prologue(plan.points(), targets, sharedRestores));
        return new Built(body, start);
    }

    /**
     * {@code await(x)} becomes: done? take the result : save, set the label, return SUSPENDED; and the resume
     * point, reached from the prologue, throws {@code thrown} or pushes {@code sent}.
     *
     * @return the resume point's label, where the prologue jumps once the saved locals are back
     */
    private static LabelNode rewriteAwait(InsnList insns, ResumePoint p, SpillCode spill, LabelNode chain, Slots slots,
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
        spill.saveStackAndLabel(code, p, chain);

        code.add(resume);
        spill.restoreStack(code, p);
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.thrown()));
        code.add(new JumpInsnNode(Opcodes.IFNULL, sendValue));
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.thrown()));
        code.add(new InsnNode(Opcodes.ATHROW));
        code.add(sendValue);
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.sent()));
        code.add(after);

        insns.insertBefore(call, code);
        insns.remove(call);
        return resume;
    }

    /** The source method's locals past its parameters move up three slots, past frame, sent and thrown. */
    private static void moveLocals(MethodNode body, Slots slots) {
        for (AbstractInsnNode n = body.instructions.getFirst(); n != null; n = n.getNext()) {
            if (n instanceof VarInsnNode v) {
                v.var = slots.of(v.var);
            } else if (n instanceof IincInsnNode inc) {
                inc.var = slots.of(inc.var);
            }
        }
        if (body.localVariables != null) {
            for (LocalVariableNode lv : body.localVariables) {
                lv.index = slots.of(lv.index);
            }
        }
        moveAnnotations(body.visibleLocalVariableAnnotations, slots);
        moveAnnotations(body.invisibleLocalVariableAnnotations, slots);
    }

    private static void moveAnnotations(List<LocalVariableAnnotationNode> annotations, Slots slots) {
        if (annotations == null) {
            return;
        }
        for (LocalVariableAnnotationNode a : annotations) {
            a.index.replaceAll(slots::of);
        }
    }
}
