package dev.weft.agent.transform;

import dev.weft.agent.transform.SpillPlan.ResumePoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Label;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Pass 6: the entry, the original method (same name, descriptor and header), which creates the frame and runs
 * the first step:
 * <pre>
 * frame = new Frame(); previous = enter(frame);
 * try {
 *     ...first step...
 * } catch (Throwable e) { threw(frame, previous, e); return frame; }
 * exit: returned(frame, previous, result); return frame;
 * </pre>
 * The first step is, by default, the entry's own copy of the method's code (original slots, no resume paths),
 * where an await of a done future goes on, one of a pending future saves into the frame and goes to exit with
 * {@code suspendOn(f)} (SUSPENDED), and a return goes to exit with its value: an async call that completes at once
 * costs one stack frame, as the source method did, so a recursion 2,000 deep fits a default stack whatever the
 * JIT has compiled (contract item 11). For a method too large to have its code twice
 * ({@link #callingTheBody}), the entry saves the parameters into the frame and calls the body at label 0.
 */
final class StateMachineEntry {
    private StateMachineEntry() {
    }

    /** The entry's copy of the code, with its awaits (by original instruction), returns, handlers and variables. */
    record Copy(InsnList code, Map<AbstractInsnNode, AbstractInsnNode> awaits, List<AbstractInsnNode> returns,
                List<TryCatchBlockNode> handlers, List<LocalVariableNode> variables) {
    }

    /** Copies {@code method}'s code as it is now (before the body takes it over and shifts its locals). */
    static Copy copy(MethodNode method, List<ResumePoint> awaits) {
        InsnList insns = method.instructions;
        Map<LabelNode, LabelNode> labels = new HashMap<>();
        for (AbstractInsnNode n = insns.getFirst(); n != null; n = n.getNext()) {
            if (n instanceof LabelNode l) {
                labels.put(l, new LabelNode());
            }
        }
        Set<AbstractInsnNode> awaitInsns = new HashSet<>();
        for (ResumePoint p : awaits) {
            awaitInsns.add(p.await());
        }
        InsnList code = new InsnList();
        Map<AbstractInsnNode, AbstractInsnNode> copies = new HashMap<>();
        List<AbstractInsnNode> returns = new ArrayList<>();
        for (AbstractInsnNode n = insns.getFirst(); n != null; n = n.getNext()) {
            AbstractInsnNode copy = n.clone(labels);
            code.add(copy);
            if (awaitInsns.contains(n)) {
                copies.put(n, copy);
            } else if (n.getOpcode() == Opcodes.ARETURN) {
                returns.add(copy);
            }
        }
        List<TryCatchBlockNode> handlers = new ArrayList<>();
        for (TryCatchBlockNode t : method.tryCatchBlocks) {
            TryCatchBlockNode c = new TryCatchBlockNode(labels.get(t.start), labels.get(t.end), labels.get(t.handler),
                    t.type);
            c.visibleTypeAnnotations = t.visibleTypeAnnotations;
            c.invisibleTypeAnnotations = t.invisibleTypeAnnotations;
            handlers.add(c);
        }
        List<LocalVariableNode> variables = new ArrayList<>();
        if (method.localVariables != null) {
            for (LocalVariableNode lv : method.localVariables) {
                variables.add(new LocalVariableNode(lv.name, lv.desc, lv.signature, labels.get(lv.start),
                        labels.get(lv.end), lv.index));
            }
        }
        return new Copy(code, copies, returns, handlers, variables);
    }

    /** Slots of the entry's own locals, after the method's. */
    private record Slots(int frame, int previous, int result, int future) {
        static Slots after(int originalLocals) {
            return new Slots(originalLocals, originalLocals + 1, originalLocals + 2, originalLocals + 3);
        }
    }

    /** Makes {@code method} the entry that runs the first step on {@code copy}. */
    static void withCopy(MethodNode method, Copy copy, SpillPlan plan, String host, String frameClass,
                         int originalLocals) {
        Slots slots = Slots.after(originalLocals);
        InsnList code = copy.code();
        LabelNode exit = new LabelNode(new Label());
        SpillCode spill = new SpillCode(frameClass, slots.frame(), slot -> slot);
        InsnList tail = new InsnList();
        SpillCode.suspendOn(tail, slots.frame(), slots.future());
        tail.add(new VarInsnNode(Opcodes.ASTORE, slots.result()));
        tail.add(new JumpInsnNode(Opcodes.GOTO, exit));
        SpillCode.SaveChains chains = spill.new SaveChains(tail);

        for (ResumePoint p : plan.awaits()) {
            MethodInsnNode call = (MethodInsnNode) copy.awaits().get(p.await());
            LabelNode suspend = new LabelNode();
            LabelNode after = new LabelNode();
            InsnList await = new InsnList();
            SpillCode.doneCheck(await, call, suspend, after);
            await.add(suspend);
            await.add(new VarInsnNode(Opcodes.ASTORE, slots.future()));
            spill.saveStackAndLabel(await, p, chains.entryFor(p.locals()));
            await.add(after);
            code.insertBefore(call, await);
            code.remove(call);
        }
        for (AbstractInsnNode ret : copy.returns()) {
            InsnList toExit = new InsnList();
            toExit.add(new VarInsnNode(Opcodes.ASTORE, slots.result()));
            toExit.add(new JumpInsnNode(Opcodes.GOTO, exit));
            code.insertBefore(ret, toExit);
            code.remove(ret);
        }
        code.add(chains.code());
        List<TryCatchBlockNode> handlers = new ArrayList<>(copy.handlers());
        wrap(method, code, handlers, host, frameClass, slots, exit);
        method.instructions = code;
        method.tryCatchBlocks = handlers;
        method.localVariables = copy.variables();
        method.visibleLocalVariableAnnotations = null;
        method.invisibleLocalVariableAnnotations = null;
        method.maxLocals = originalLocals + 4;
        method.maxStack += 4;
    }

    /**
     * Makes {@code method} the entry that calls the body for the first step, with its own parameters: two stack
     * frames per call, and the code exists once.
     */
    static void callingTheBody(MethodNode method, List<LocalVariableNode> parameterVariables, String frameClass,
                               ClassContext ctx, int originalLocals) {
        Slots slots = Slots.after(originalLocals);
        InsnList code = new InsnList();
        LabelNode exit = new LabelNode(new Label());
        LabelNode start = new LabelNode();
        LabelNode end = new LabelNode();
        code.add(start);
        boolean isStatic = (method.access & Opcodes.ACC_STATIC) != 0;
        int slot = 0;
        if (!isStatic) {
            code.add(new VarInsnNode(Opcodes.ALOAD, slot++));
        }
        for (Type t : Type.getArgumentTypes(method.desc)) {
            code.add(new VarInsnNode(t.getOpcode(Opcodes.ILOAD), slot));
            slot += t.getSize();
        }
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
        code.add(new InsnNode(Opcodes.ACONST_NULL));
        code.add(new InsnNode(Opcodes.ACONST_NULL));
        code.add(callBody(ctx, method, frameClass));
        code.add(new VarInsnNode(Opcodes.ASTORE, slots.result()));
        code.add(new JumpInsnNode(Opcodes.GOTO, exit));
        code.add(end);
        List<TryCatchBlockNode> handlers = new ArrayList<>();
        wrap(method, code, handlers, ctx.name, frameClass, slots, exit);
        method.instructions = code;
        method.tryCatchBlocks = handlers;
        List<LocalVariableNode> parameters = new ArrayList<>();
        for (LocalVariableNode lv : parameterVariables) {
            parameters.add(new LocalVariableNode(lv.name, lv.desc, lv.signature, start, end, lv.index));
        }
        method.localVariables = parameters;
        method.visibleLocalVariableAnnotations = null;
        method.invisibleLocalVariableAnnotations = null;
        method.maxLocals = originalLocals + 4;
        method.maxStack = Math.max(method.maxStack, slot + 4);
    }

    /** The call of the body of {@code method}, its receiver, parameters, frame, sent and thrown on the stack. */
    static MethodInsnNode callBody(ClassContext ctx, MethodNode method, String frameClass) {
        boolean isStatic = (method.access & Opcodes.ACC_STATIC) != 0;
        int opcode = isStatic ? Opcodes.INVOKESTATIC : ctx.isInterface ? Opcodes.INVOKEINTERFACE : Opcodes.INVOKEVIRTUAL;
        return new MethodInsnNode(opcode, ctx.name, method.name, StateMachineBody.descriptor(method, frameClass),
                ctx.isInterface);
    }

    /** The variables of the parameters (and {@code this}): those whose range starts at the first instruction. */
    static List<LocalVariableNode> parameterVariables(MethodNode method) {
        List<LocalVariableNode> result = new ArrayList<>();
        if (method.localVariables == null) {
            return result;
        }
        int parameterSlots = (Type.getArgumentsAndReturnSizes(method.desc) >> 2)
                - ((method.access & Opcodes.ACC_STATIC) != 0 ? 1 : 0);
        Set<LabelNode> atStart = new HashSet<>();
        for (AbstractInsnNode n = method.instructions.getFirst(); n != null && n.getOpcode() < 0; n = n.getNext()) {
            if (n instanceof LabelNode l) {
                atStart.add(l);
            }
        }
        for (LocalVariableNode lv : method.localVariables) {
            if (lv.index < parameterSlots && atStart.contains(lv.start)) {
                result.add(lv);
            }
        }
        return result;
    }

    /**
     * Around the first step {@code code}: the frame, {@code enter}, the catch-all, {@code returned} at
     * {@code exit}, and the return of the frame (as a CompletableFuture for methods that declare one).
     */
    private static void wrap(MethodNode method, InsnList code, List<TryCatchBlockNode> handlers, String host,
                             String frameClass, Slots slots, LabelNode exit) {
        String taskDesc = "L" + Names.TASK + ";";
        LabelNode tryStart = new LabelNode(new Label());
        LabelNode tryEnd = new LabelNode(new Label());
        LabelNode handler = new LabelNode(new Label());
        LabelNode done = new LabelNode(new Label());

        InsnList start = new InsnList();
        start.add(new TypeInsnNode(Opcodes.NEW, frameClass));
        start.add(new InsnNode(Opcodes.DUP));
        start.add(new MethodInsnNode(Opcodes.INVOKESPECIAL, frameClass, "<init>", "()V", false));
        start.add(new VarInsnNode(Opcodes.ASTORE, slots.frame()));
        if ((method.access & Opcodes.ACC_STATIC) == 0) {
            start.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
            start.add(new VarInsnNode(Opcodes.ALOAD, 0));
            start.add(new org.objectweb.asm.tree.FieldInsnNode(Opcodes.PUTFIELD, frameClass, FrameClassWriter.SELF,
                    FrameClassWriter.selfDesc(host)));
        }
        start.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
        start.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "enter", "(" + taskDesc + ")" + taskDesc,
                false));
        start.add(new VarInsnNode(Opcodes.ASTORE, slots.previous()));
        start.add(tryStart);
        code.insert(start);

        code.add(tryEnd);
        code.add(exit);
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.previous()));
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.result()));
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "returned",
                "(" + taskDesc + taskDesc + "Ljava/lang/Object;)V", false));
        code.add(done);
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
        String declared = Type.getReturnType(method.desc).getInternalName();
        if (!Names.TASK.equals(declared)) {
            code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "toCompletableFuture",
                    "(L" + Names.TASK + ";)L" + Names.COMPLETABLE_FUTURE + ";", false));
        }
        code.add(new InsnNode(Opcodes.ARETURN));
        code.add(handler);
        code.add(new VarInsnNode(Opcodes.ASTORE, slots.result()));
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.frame()));
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.previous()));
        code.add(new VarInsnNode(Opcodes.ALOAD, slots.result()));
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "threw",
                "(" + taskDesc + taskDesc + "Ljava/lang/Throwable;)V", false));
        code.add(new JumpInsnNode(Opcodes.GOTO, done));
        handlers.add(new TryCatchBlockNode(tryStart, tryEnd, handler, "java/lang/Throwable"));
    }
}
