package dev.weft.agent.transform;

import dev.weft.agent.transform.SpillPlan.ResumePoint;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LocalVariableAnnotationNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Pass 5: the state machine. The method's code moves to a synthetic method of the same name, with the method's
 * own parameters followed by {@code (frame, sent, thrown)}: {@code name(params..., Frame, Object, Throwable)}, an
 * instance method when the source method is one. It runs the first step (called by the entry with the real
 * arguments, a new frame and {@code CoroutineSupport.FIRST}) and every resume (called by the frame with placeholder
 * arguments, which it restores as it needs): the code exists once, so a debugger's breakpoint on a line has one place to go, {@code this} is the real
 * receiver, the parameters keep their slots, and a stack trace names the method as the source does. The other
 * locals move up by three slots, past {@code frame, sent, thrown}.
 *
 * <pre>
 * if (sent == FIRST) {
 *     [frame.self = this;] previous = enter(frame);
 *     if (previous != frame) goto START;
 *     startLater(frame, new Object[] {params...}); return frame;   // too deep: the first step waits
 * }
 * previous = frame;                                   // a resume
 * if (frame.label == 0) { if (thrown != null) throw thrown; params = (Object[]) sent...; goto START; }
 * switch (frame.label) { case n: restore what await n saved; goto RESUME_n; ... }
 * START: ...the code; each await the done-check / save / suspendOn / resume sequence; return v: result = v...
 * EXIT: if (previous == frame) return result; returned(frame, previous, result); return frame;
 * </pre>
 * There is no catch-all: an exception leaves a resume for the frame's {@code step} (the task fails), and a first step
 * for the entry, which catches it. A handler around all of the body's code makes C1's compiled frame a seventh
 * larger, and deep first-step recursion (contract item 11) pays for that on every level.
 */
final class StateMachineBody {
    private StateMachineBody() {
    }

    /** Where things live in the body: the parameters where they were, then frame, sent, thrown, then the rest. */
    record Slots(int parameters, int locals) {
        static Slots of(MethodNode method) {
            return new Slots((Type.getArgumentsAndReturnSizes(method.desc) >> 2)
                    - ((method.access & Opcodes.ACC_STATIC) != 0 ? 1 : 0), method.maxLocals);
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

        /**
         * The task that was current before the first step, or the frame itself on a resume (which no first step
         * can have as its previous task): one slot says both which step this is and what to restore.
         */
        int previous() {
            return locals + 3;
        }

        /** The step's outcome on its way to the exit: the value returned, or the future suspended on. */
        int result() {
            return locals + 4;
        }

        int end() {
            return locals + 5;
        }
    }

    /** The body's descriptor: the method's parameters, then {@code (frame, sent, thrown)}, returning Object. */
    static String descriptor(MethodNode method, String frameClass) {
        String params = method.desc.substring(1, method.desc.indexOf(')'));
        return "(" + params + "L" + frameClass + ";Ljava/lang/Object;Ljava/lang/Throwable;)Ljava/lang/Object;";
    }

    /** The body, and the label where its first step starts (where the parameters are the real ones). */
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
        body.maxLocals = slots.end();
        body.maxStack = method.maxStack + 4;

        moveLocals(body, slots);
        LabelNode exit = new LabelNode();
        SpillCode spill = new SpillCode(frameClass, slots.frame(), slots::of);
        InsnList tail = new InsnList();
        SpillCode.suspendOn(tail, slots.frame(), slots.result());
        tail.add(new VarInsnNode(Opcodes.ASTORE, slots.result()));
        tail.add(new JumpInsnNode(Opcodes.GOTO, exit));
        SpillCode.SaveChains chains = spill.new SaveChains(tail);
        Map<Integer, LabelNode> targets = new HashMap<>();
        for (ResumePoint p : plan.awaits()) {
            targets.put(p.label(), rewriteAwait(insns, p, spill, chains.entryFor(p.locals()), slots));
        }
        for (AbstractInsnNode n = insns.getFirst(); n != null; ) {
            AbstractInsnNode next = n.getNext();
            if (n.getOpcode() == Opcodes.ARETURN) {
                InsnList toExit = new InsnList();
                toExit.add(new VarInsnNode(Opcodes.ASTORE, slots.result()));
                toExit.add(new JumpInsnNode(Opcodes.GOTO, exit));
                insns.insertBefore(n, toExit);
                insns.remove(n);
            }
            n = next;
        }
        insns.add(chains.code()); // after all of the user's code: outside every user try range
        LabelNode start = new LabelNode();
        InsnList head = head(ctx, method, frameClass, slots, start);
        head.add(spill.prologue(plan.awaits(), targets, sharedRestores));
        head.add(start);
        insns.insert(head);
        insns.add(exit(slots, exit));
        return new Built(body, start);
    }

    /** Which step this is: the first (enter the frame) or a resume (on to the label switch). */
    private static InsnList head(ClassContext ctx, MethodNode method, String frameClass, Slots slots, LabelNode start) {
        InsnList code = new InsnList();
        LabelNode resume = new LabelNode();
        String taskDesc = "L" + Names.TASK + ";";
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.sent()));
        code.add(new FieldInsnNode(Opcodes.GETSTATIC, Names.SUPPORT, "FIRST", "Ljava/lang/Object;"));
        code.add(new JumpInsnNode(Opcodes.IF_ACMPNE, resume));
        if ((method.access & Opcodes.ACC_STATIC) == 0) {
            code.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
            code.add(new VarInsnNode(Opcodes.ALOAD, 0));
            code.add(new FieldInsnNode(Opcodes.PUTFIELD, frameClass, FrameClassWriter.SELF,
                    FrameClassWriter.selfDesc(ctx.name)));
        }
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "enter", "(" + taskDesc + ")" + taskDesc,
                false));
        code.add(new InsnNode(Opcodes.DUP));
        code.add(new VarInsnNode(Opcodes.ASTORE, slots.previous()));
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
        code.add(new JumpInsnNode(Opcodes.IF_ACMPNE, start));
        // the first step waits (too many are nested on this thread): hand over the arguments, return the task
        Type[] params = Type.getArgumentTypes(method.desc);
        int first = (method.access & Opcodes.ACC_STATIC) == 0 ? 1 : 0;
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
        code.add(SpillCode.intConstant(params.length));
        code.add(new TypeInsnNode(Opcodes.ANEWARRAY, "java/lang/Object"));
        for (int i = 0, slot = first; i < params.length; slot += params[i].getSize(), i++) {
            code.add(new InsnNode(Opcodes.DUP));
            code.add(SpillCode.intConstant(i));
            code.add(new VarInsnNode(params[i].getOpcode(Opcodes.ILOAD), slot));
            box(code, params[i]);
            code.add(new InsnNode(Opcodes.AASTORE));
        }
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "startLater",
                "(" + taskDesc + "[Ljava/lang/Object;)V", false));
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
        code.add(new InsnNode(Opcodes.ARETURN));

        code.add(resume);
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
        code.add(new VarInsnNode(Opcodes.ASTORE, slots.previous()));
        // label 0: the waiting first step starts, its arguments sent in (or its cancellation thrown in)
        LabelNode started = new LabelNode();
        LabelNode unpack = new LabelNode();
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
        code.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, frameClass, Names.FRAME_LABEL, "()I", false));
        code.add(new JumpInsnNode(Opcodes.IFNE, started));
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.thrown()));
        code.add(new JumpInsnNode(Opcodes.IFNULL, unpack));
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.thrown()));
        code.add(new InsnNode(Opcodes.ATHROW));
        code.add(unpack);
        for (int i = 0, slot = first; i < params.length; slot += params[i].getSize(), i++) {
            code.add(new VarInsnNode(Opcodes.ALOAD, slots.sent()));
            code.add(new TypeInsnNode(Opcodes.CHECKCAST, "[Ljava/lang/Object;"));
            code.add(SpillCode.intConstant(i));
            code.add(new InsnNode(Opcodes.AALOAD));
            unbox(code, params[i]);
            code.add(new VarInsnNode(params[i].getOpcode(Opcodes.ISTORE), slot));
        }
        code.add(new JumpInsnNode(Opcodes.GOTO, start));
        code.add(started);
        return code;
    }

    private static final String[][] BOXES = {
        null, {"java/lang/Boolean", "booleanValue"}, {"java/lang/Character", "charValue"},
        {"java/lang/Byte", "byteValue"}, {"java/lang/Short", "shortValue"}, {"java/lang/Integer", "intValue"},
        {"java/lang/Float", "floatValue"}, {"java/lang/Long", "longValue"}, {"java/lang/Double", "doubleValue"},
    };

    private static void box(InsnList code, Type t) {
        if (t.getSort() >= Type.ARRAY) {
            return;
        }
        String owner = BOXES[t.getSort()][0];
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, owner, "valueOf",
                "(" + t.getDescriptor() + ")L" + owner + ";", false));
    }

    private static void unbox(InsnList code, Type t) {
        if (t.getSort() >= Type.ARRAY) {
            if (!"java/lang/Object".equals(t.getInternalName())) {
                code.add(new TypeInsnNode(Opcodes.CHECKCAST, t.getInternalName()));
            }
            return;
        }
        String[] box = BOXES[t.getSort()];
        code.add(new TypeInsnNode(Opcodes.CHECKCAST, box[0]));
        code.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, box[0], box[1], "()" + t.getDescriptor(), false));
    }

    /**
     * Where every return and suspension of the step goes: a resume returns its result; the first step finishes
     * the task or leaves it waiting ({@code returned}) and returns the frame.
     */
    private static InsnList exit(Slots slots, LabelNode exit) {
        String taskDesc = "L" + Names.TASK + ";";
        InsnList code = new InsnList();
        LabelNode firstExit = new LabelNode();
        code.add(exit);
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.previous()));
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
        code.add(new JumpInsnNode(Opcodes.IF_ACMPNE, firstExit));
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.result()));
        code.add(new InsnNode(Opcodes.ARETURN));
        code.add(firstExit);
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.previous()));
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.result()));
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "returned",
                "(" + taskDesc + taskDesc + "Ljava/lang/Object;)V", false));
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
        code.add(new InsnNode(Opcodes.ARETURN));
        return code;
    }

    /**
     * {@code await(x)} becomes: done? take the result : save, set the label, return SUSPENDED; and the resume
     * point, reached from the prologue, throws {@code thrown} or pushes {@code sent}.
     *
     * @return the resume point's label, where the prologue jumps once the saved locals are back
     */
    private static LabelNode rewriteAwait(InsnList insns, ResumePoint p, SpillCode spill, LabelNode chain,
                                          Slots slots) {
        MethodInsnNode call = (MethodInsnNode) p.await();
        LabelNode suspend = new LabelNode();
        LabelNode resume = new LabelNode();
        LabelNode sendValue = new LabelNode();
        LabelNode after = new LabelNode();
        InsnList code = new InsnList();
        SpillCode.doneCheck(code, call, suspend, after);

        code.add(suspend);
        code.add(new VarInsnNode(Opcodes.ASTORE, slots.result()));
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
