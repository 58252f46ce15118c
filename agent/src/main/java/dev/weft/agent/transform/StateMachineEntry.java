package dev.weft.agent.transform;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Pass 6: the entry, the original method (same name, descriptor and header), reduced to a call of the body with
 * its own arguments and a new frame, which runs the first step there:
 * <pre>
 * static Task&lt;Integer&gt; slowAdd(int a, int b) {
 *     Frame frame = new Frame();
 *     try { return (Task) slowAdd(a, b, frame, CoroutineSupport.FIRST, null); }
 *     catch (Throwable e) { return CoroutineSupport.firstStepThrew(frame, e); }   // never escapes (item 4)
 * }
 * </pre>
 * It is a few bytes long, so the JIT inlines it into its callers: a compiled async call that completes at once costs
 * the body's stack frame only (contract item 11: recursion 2,000 deep on a default stack). It has no line numbers:
 * every line of the method is in the body, once. Its parameters keep their variables, for a debugger looking at
 * the caller's frames.
 */
final class StateMachineEntry {
    private StateMachineEntry() {
    }

    /**
     * Makes {@code method} the entry that calls its body for the first step.
     *
     * @param parameters the method's variables for its parameters (and {@code this}), kept for the entry's frame
     */
    static void forwarding(ClassContext ctx, MethodNode method, String frameClass, List<LocalVariableNode> parameters) {
        InsnList code = new InsnList();
        LabelNode start = new LabelNode();
        LabelNode tryStart = new LabelNode();
        LabelNode tryEnd = new LabelNode();
        LabelNode handler = new LabelNode();
        LabelNode end = new LabelNode();
        int frameSlot = StateMachineBody.Slots.of(method).frame();
        code.add(start);
        code.add(new TypeInsnNode(Opcodes.NEW, frameClass));
        code.add(new InsnNode(Opcodes.DUP));
        code.add(new MethodInsnNode(Opcodes.INVOKESPECIAL, frameClass, "<init>", "()V", false));
        code.add(new VarInsnNode(Opcodes.ASTORE, frameSlot));
        code.add(tryStart);
        boolean isStatic = (method.access & Opcodes.ACC_STATIC) != 0;
        int slot = 0;
        if (!isStatic) {
            code.add(new VarInsnNode(Opcodes.ALOAD, slot++));
        }
        for (Type t : Type.getArgumentTypes(method.desc)) {
            code.add(new VarInsnNode(t.getOpcode(Opcodes.ILOAD), slot));
            slot += t.getSize();
        }
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        code.add(new FieldInsnNode(Opcodes.GETSTATIC, Names.SUPPORT, "FIRST", "Ljava/lang/Object;"));
        code.add(new InsnNode(Opcodes.ACONST_NULL));
        code.add(callBody(ctx, method, frameClass));
        code.add(new TypeInsnNode(Opcodes.CHECKCAST, Names.TASK));
        code.add(tryEnd);
        returnAsDeclared(code, method);
        code.add(handler);
        code.add(new VarInsnNode(Opcodes.ASTORE, frameSlot + 1));
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot + 1));
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "firstStepThrew",
                "(L" + Names.TASK + ";Ljava/lang/Throwable;)L" + Names.TASK + ";", false));
        returnAsDeclared(code, method);
        code.add(end);
        method.instructions = code;
        method.tryCatchBlocks = new ArrayList<>(List.of(
                new TryCatchBlockNode(tryStart, tryEnd, handler, "java/lang/Throwable")));
        method.localVariables = new ArrayList<>();
        for (LocalVariableNode lv : parameters) {
            method.localVariables.add(new LocalVariableNode(lv.name, lv.desc, lv.signature, start, end, lv.index));
        }
        method.visibleLocalVariableAnnotations = null;
        method.invisibleLocalVariableAnnotations = null;
        method.maxLocals = frameSlot + 2;
        method.maxStack = slot + 3;
    }

    /** Returns the Task on the stack, as a CompletableFuture when the method declares one. */
    private static void returnAsDeclared(InsnList code, MethodNode method) {
        if (!Names.TASK.equals(Type.getReturnType(method.desc).getInternalName())) {
            code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "toCompletableFuture",
                    "(L" + Names.TASK + ";)L" + Names.COMPLETABLE_FUTURE + ";", false));
        }
        code.add(new InsnNode(Opcodes.ARETURN));
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
                result.add(new LocalVariableNode(lv.name, lv.desc, lv.signature, null, null, lv.index));
            }
        }
        return result;
    }
}
