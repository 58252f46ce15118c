package dev.weft.agent.transform;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.objectweb.asm.Label;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.LocalVariableAnnotationNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * Passes 3 to 5 for one async method: the spill plan (pass 3: the type and liveness of every value at each
 * await), then the emission of the state machine (pass 4: the body, moved to a synthetic static method that
 * a label dispatches into) and of the entry (pass 5: the original method, now creating and starting the
 * coroutine frame). See README.md beside this file.
 */
final class StateMachineBuilder {
    /** Slots of the body method's own parameters; the user's locals follow, shifted by {@link #SHIFT}. */
    static final int FRAME = 0;
    static final int SENT = 1;
    static final int THROWN = 2;
    static final int SHIFT = 3;

    /** One value saved across a suspension: an original local slot (or a stack position) and its field. */
    record Saved(int slot, Type type, String field, String fieldDesc) {
    }

    /** An await: what it saves, and the label value that resumes it. */
    record ResumePoint(int label, AbstractInsnNode await, List<Saved> locals, List<Saved> stack) {
    }

    /** What the frame class needs to declare. */
    record FrameLayout(String frameClass, List<String[]> fields) {
    }

    private final ClassContext ctx;
    private final MethodNode method;
    private final String frameClass;
    private final String bodyName;
    private final List<String[]> fields = new ArrayList<>();
    private final java.util.Map<String, Integer> fieldCounts = new java.util.HashMap<>();

    StateMachineBuilder(ClassContext ctx, MethodNode method, String frameClass, String bodyName) {
        this.ctx = ctx;
        this.method = method;
        this.frameClass = frameClass;
        this.bodyName = bodyName;
    }

    /** The rewritten body, as a new synthetic method; {@code method} keeps its header and gets the entry code. */
    MethodNode build() throws AnalyzerException {
        InsnList insns = method.instructions;
        for (AbstractInsnNode n = insns.getFirst(); n != null; ) {
            AbstractInsnNode next = n.getNext();
            if (n instanceof FrameNode) {
                insns.remove(n);
            }
            n = next;
        }
        ReturnAdoption.process(method);
        UninitializedObjects.process(ctx.name, method, insn -> ctx.refuse(method, insn,
                "an object allocation whose constructor arguments contain an await is compiled in a shape this "
                        + "transformer does not know (NEW not followed by DUP); assign the awaited value to a "
                        + "local variable first"));
        method.maxStack += 4;

        Frame<BasicValue>[] frames = new Analyzer<>(ctx.verifier()).analyze(ctx.name, method);
        BitSet[] live = FlowGraph.of(ctx.name, method).liveIn();

        List<ResumePoint> points = new ArrayList<>();
        for (int i = 0; i < insns.size(); i++) {
            AbstractInsnNode insn = insns.get(i);
            if (!Names.isAwait(insn) || frames[i] == null) {
                continue;
            }
            points.add(plan(points.size() + 1, insn, i, frames[i], live[i]));
        }
        ResumePoint entry = entryPoint();

        MethodNode body = new MethodNode(Opcodes.ASM9,
                Opcodes.ACC_STATIC | Opcodes.ACC_SYNTHETIC | (ctx.isInterface ? Opcodes.ACC_PUBLIC : 0),
                bodyName, "(L" + frameClass + ";Ljava/lang/Object;Ljava/lang/Throwable;)Ljava/lang/Object;", null, null);
        body.instructions = insns;
        body.tryCatchBlocks = method.tryCatchBlocks;
        body.localVariables = method.localVariables;
        body.visibleLocalVariableAnnotations = method.visibleLocalVariableAnnotations;
        body.invisibleLocalVariableAnnotations = method.invisibleLocalVariableAnnotations;
        body.maxLocals = method.maxLocals + SHIFT + 1;
        body.maxStack = method.maxStack + 4;
        int futureSlot = method.maxLocals + SHIFT;

        shiftLocals(body);
        for (ResumePoint p : points) {
            rewriteAwait(insns, p, futureSlot);
        }
        insns.insert(prologue(entry, points, insns));

        int firstLine = firstLine(insns);
        method.instructions = entryCode(entry, firstLine);
        method.tryCatchBlocks = new ArrayList<>(List.of(entryHandler));
        method.localVariables = entryVariables(body.localVariables);
        method.visibleLocalVariableAnnotations = null;
        method.invisibleLocalVariableAnnotations = null;
        method.maxLocals = parameterSlots() + 3;
        method.maxStack = 4;
        return body;
    }

    FrameLayout layout() {
        return new FrameLayout(frameClass, fields);
    }

    // ------------------------------------------------------------------------------------------ pass 3: plan

    private ResumePoint plan(int label, AbstractInsnNode await, int index, Frame<BasicValue> frame, BitSet live) {
        java.util.Map<String, Integer> used = new java.util.HashMap<>();
        List<Saved> locals = new ArrayList<>();
        for (int slot = 0; slot < frame.getLocals(); slot++) {
            BasicValue v = frame.getLocal(slot);
            if (v == null || v.getType() == null || v == BasicValue.UNINITIALIZED_VALUE) {
                continue;
            }
            if (live.get(slot) || visibleAt(slot, index)) {
                locals.add(saved(slot, v.getType(), used));
            }
        }
        List<Saved> stack = new ArrayList<>();
        for (int s = 0; s < frame.getStackSize() - 1; s++) {
            BasicValue v = frame.getStack(s);
            if (v == null || v.getType() == null) {
                throw ctx.refuse(method, await, "a value on the operand stack at this await cannot be saved");
            }
            stack.add(saved(-1, v.getType(), used));
        }
        return new ResumePoint(label, await, locals, stack);
    }

    private ResumePoint entryPoint() {
        java.util.Map<String, Integer> used = new java.util.HashMap<>();
        List<Saved> params = new ArrayList<>();
        int slot = 0;
        if ((method.access & Opcodes.ACC_STATIC) == 0) {
            params.add(saved(slot++, Type.getObjectType(ctx.name), used));
        }
        for (Type t : Type.getArgumentTypes(method.desc)) {
            params.add(saved(slot, t, used));
            slot += t.getSize();
        }
        return new ResumePoint(0, null, params, List.of());
    }

    private int parameterSlots() {
        int slots = (method.access & Opcodes.ACC_STATIC) == 0 ? 1 : 0;
        for (Type t : Type.getArgumentTypes(method.desc)) {
            slots += t.getSize();
        }
        return slots;
    }

    /** True when the LocalVariableTable names {@code slot} at instruction {@code index}: keep it for debuggers. */
    private boolean visibleAt(int slot, int index) {
        if (method.localVariables == null) {
            return false;
        }
        for (LocalVariableNode lv : method.localVariables) {
            if (lv.index == slot && method.instructions.indexOf(lv.start) <= index
                    && index < method.instructions.indexOf(lv.end)) {
                return true;
            }
        }
        return false;
    }

    /** Picks the field for a value: fields of one kind are numbered per resume point and shared between them. */
    private Saved saved(int slot, Type type, java.util.Map<String, Integer> used) {
        if (type.getSort() == Type.OBJECT && "null".equals(type.getInternalName())) {
            return new Saved(slot, type, null, null);
        }
        String desc;
        String prefix;
        switch (type.getSort()) {
            case Type.BOOLEAN, Type.CHAR, Type.BYTE, Type.SHORT, Type.INT -> {
                desc = "I";
                prefix = "i";
            }
            case Type.FLOAT -> {
                desc = "F";
                prefix = "f";
            }
            case Type.LONG -> {
                desc = "J";
                prefix = "j";
            }
            case Type.DOUBLE -> {
                desc = "D";
                prefix = "d";
            }
            default -> {
                desc = "Ljava/lang/Object;";
                prefix = "l";
            }
        }
        int n = used.merge(prefix, 1, Integer::sum) - 1;
        String name = prefix + n;
        if (fieldCounts.getOrDefault(prefix, 0) <= n) {
            fieldCounts.put(prefix, n + 1);
            fields.add(new String[] {name, desc});
        }
        return new Saved(slot, type, name, desc);
    }

    // ------------------------------------------------------------------------------------------ pass 4: emit

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

    /**
     * {@code await(x)} becomes: done? take the result : save, set the label, return SUSPENDED; and the resume
     * point, reached from the prologue, throws {@code thrown} or pushes {@code sent}.
     */
    private void rewriteAwait(InsnList insns, ResumePoint p, int futureSlot) {
        MethodInsnNode call = (MethodInsnNode) p.await();
        LabelNode suspend = new LabelNode();
        LabelNode resume = new LabelNode();
        LabelNode sendValue = new LabelNode();
        LabelNode after = new LabelNode();
        InsnList code = new InsnList();
        if (Names.AWAIT_STAGE_DESC.equals(call.desc)) {
            code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "toFuture",
                    "(L" + Names.COMPLETION_STAGE + ";)L" + Names.FUTURE + ";", false));
        }
        code.add(new InsnNode(Opcodes.DUP));
        code.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Names.FUTURE, "isDone", "()Z", false));
        code.add(new JumpInsnNode(Opcodes.IFEQ, suspend));
        code.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Names.FUTURE, "result", "()Ljava/lang/Object;", false));
        code.add(new JumpInsnNode(Opcodes.GOTO, after));

        code.add(suspend);
        code.add(new VarInsnNode(Opcodes.ASTORE, futureSlot));
        List<Saved> stack = p.stack();
        for (int s = stack.size() - 1; s >= 0; s--) {
            Saved v = stack.get(s);
            if (v.field() == null) {
                code.add(new InsnNode(Opcodes.POP));
                continue;
            }
            code.add(new VarInsnNode(Opcodes.ALOAD, FRAME));
            if (v.type().getSize() == 2) {
                code.add(new InsnNode(Opcodes.DUP_X2));
                code.add(new InsnNode(Opcodes.POP));
            } else {
                code.add(new InsnNode(Opcodes.SWAP));
            }
            code.add(new FieldInsnNode(Opcodes.PUTFIELD, frameClass, v.field(), v.fieldDesc()));
        }
        for (Saved v : p.locals()) {
            if (v.field() == null) {
                continue;
            }
            code.add(new VarInsnNode(Opcodes.ALOAD, FRAME));
            code.add(new VarInsnNode(v.type().getOpcode(Opcodes.ILOAD), v.slot() + SHIFT));
            code.add(new FieldInsnNode(Opcodes.PUTFIELD, frameClass, v.field(), v.fieldDesc()));
        }
        code.add(new VarInsnNode(Opcodes.ALOAD, FRAME));
        code.add(intConstant(p.label()));
        code.add(new FieldInsnNode(Opcodes.PUTFIELD, frameClass, "label", "I"));
        code.add(new VarInsnNode(Opcodes.ALOAD, FRAME));
        code.add(new VarInsnNode(Opcodes.ALOAD, futureSlot));
        code.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Names.TASK, "suspendOn",
                "(L" + Names.FUTURE + ";)Ljava/lang/Object;", false));
        code.add(new InsnNode(Opcodes.ARETURN));

        code.add(resume);
        code.add(new VarInsnNode(Opcodes.ALOAD, THROWN));
        code.add(new JumpInsnNode(Opcodes.IFNULL, sendValue));
        code.add(new VarInsnNode(Opcodes.ALOAD, THROWN));
        code.add(new InsnNode(Opcodes.ATHROW));
        code.add(sendValue);
        code.add(new VarInsnNode(Opcodes.ALOAD, SENT));
        code.add(after);

        resumeTargets.put(p.label(), resume);
        insns.insertBefore(call, code);
        insns.remove(call);
    }

    private final java.util.Map<Integer, LabelNode> resumeTargets = new java.util.HashMap<>();

    /** {@code switch (frame.label)}: restore what the resume point saved, and jump there. */
    private InsnList prologue(ResumePoint entry, List<ResumePoint> points, InsnList body) {
        InsnList code = new InsnList();
        LabelNode start = new LabelNode();
        LabelNode bad = new LabelNode();
        LabelNode[] cases = new LabelNode[points.size() + 1];
        for (int i = 0; i < cases.length; i++) {
            cases[i] = new LabelNode();
        }
        code.add(new VarInsnNode(Opcodes.ALOAD, FRAME));
        code.add(new FieldInsnNode(Opcodes.GETFIELD, frameClass, "label", "I"));
        code.add(new TableSwitchInsnNode(0, points.size(), bad, cases));

        code.add(cases[0]);
        restore(code, entry);
        code.add(new JumpInsnNode(Opcodes.GOTO, start));
        for (ResumePoint p : points) {
            code.add(cases[p.label()]);
            restore(code, p);
            code.add(new JumpInsnNode(Opcodes.GOTO, resumeTargets.get(p.label())));
        }
        code.add(bad);
        code.add(new TypeInsnNode(Opcodes.NEW, "java/lang/IllegalStateException"));
        code.add(new InsnNode(Opcodes.DUP));
        code.add(new LdcInsnNode("coroutine resumed at an unknown label"));
        code.add(new MethodInsnNode(Opcodes.INVOKESPECIAL, "java/lang/IllegalStateException", "<init>",
                "(Ljava/lang/String;)V", false));
        code.add(new InsnNode(Opcodes.ATHROW));
        code.add(start);
        return code;
    }

    private void restore(InsnList code, ResumePoint p) {
        for (Saved v : p.locals()) {
            loadSaved(code, v);
            code.add(new VarInsnNode(v.type().getOpcode(Opcodes.ISTORE), v.slot() + SHIFT));
        }
        for (Saved v : p.stack()) {
            loadSaved(code, v);
        }
    }

    private void loadSaved(InsnList code, Saved v) {
        if (v.field() == null) {
            code.add(new InsnNode(Opcodes.ACONST_NULL));
            return;
        }
        code.add(new VarInsnNode(Opcodes.ALOAD, FRAME));
        code.add(new FieldInsnNode(Opcodes.GETFIELD, frameClass, v.field(), v.fieldDesc()));
        Type t = v.type();
        if ((t.getSort() == Type.OBJECT && !"java/lang/Object".equals(t.getInternalName()))
                || t.getSort() == Type.ARRAY) {
            code.add(new TypeInsnNode(Opcodes.CHECKCAST, t.getSort() == Type.ARRAY ? t.getDescriptor()
                    : t.getInternalName()));
        }
    }

    private static AbstractInsnNode intConstant(int v) {
        if (v >= -1 && v <= 5) {
            return new InsnNode(Opcodes.ICONST_0 + v);
        }
        if (v <= Short.MAX_VALUE) {
            return new IntInsnNode(v <= Byte.MAX_VALUE ? Opcodes.BIPUSH : Opcodes.SIPUSH, v);
        }
        return new LdcInsnNode(v);
    }

    private static int firstLine(InsnList insns) {
        for (AbstractInsnNode n = insns.getFirst(); n != null; n = n.getNext()) {
            if (n instanceof LineNumberNode line) {
                return line.line;
            }
        }
        return 0;
    }

    // ------------------------------------------------------------------------------------------ pass 5: entry

    /**
     * The original method now: {@code frame = new Frame(); frame.<params> = params; return begin(frame)}, the
     * frame's first step running the body at once.
     */
    private InsnList entryCode(ResumePoint entry, int line) {
        InsnList code = new InsnList();
        LabelNode start = new LabelNode(new Label());
        code.add(start);
        if (line > 0) {
            code.add(new LineNumberNode(line, start));
        }
        int frameSlot = parameterSlots();
        code.add(new TypeInsnNode(Opcodes.NEW, frameClass));
        code.add(new InsnNode(Opcodes.DUP));
        code.add(new MethodInsnNode(Opcodes.INVOKESPECIAL, frameClass, "<init>", "()V", false));
        code.add(new VarInsnNode(Opcodes.ASTORE, frameSlot));
        for (Saved v : entry.locals()) {
            code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
            code.add(new VarInsnNode(v.type().getOpcode(Opcodes.ILOAD), v.slot()));
            code.add(new FieldInsnNode(Opcodes.PUTFIELD, frameClass, v.field(), v.fieldDesc()));
        }
        // prev = enter(frame); try { r = body(frame, null, null); } catch (Throwable e) { threw(..); } returned(..)
        int previousSlot = frameSlot + 1;
        int resultSlot = frameSlot + 2;
        String taskDesc = "L" + Names.TASK + ";";
        LabelNode tryStart = new LabelNode(new Label());
        LabelNode tryEnd = new LabelNode(new Label());
        LabelNode handler = new LabelNode(new Label());
        LabelNode done = new LabelNode(new Label());
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "enter", "(" + taskDesc + ")" + taskDesc,
                false));
        code.add(new VarInsnNode(Opcodes.ASTORE, previousSlot));
        code.add(tryStart);
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        code.add(new InsnNode(Opcodes.ACONST_NULL));
        code.add(new InsnNode(Opcodes.ACONST_NULL));
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, ctx.name, bodyName,
                "(L" + frameClass + ";Ljava/lang/Object;Ljava/lang/Throwable;)Ljava/lang/Object;", ctx.isInterface));
        code.add(new VarInsnNode(Opcodes.ASTORE, resultSlot));
        code.add(tryEnd);
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        code.add(new VarInsnNode(Opcodes.ALOAD, previousSlot));
        code.add(new VarInsnNode(Opcodes.ALOAD, resultSlot));
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "returned",
                "(" + taskDesc + taskDesc + "Ljava/lang/Object;)V", false));
        code.add(new JumpInsnNode(Opcodes.GOTO, done));
        code.add(handler);
        code.add(new VarInsnNode(Opcodes.ASTORE, resultSlot));
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        code.add(new VarInsnNode(Opcodes.ALOAD, previousSlot));
        code.add(new VarInsnNode(Opcodes.ALOAD, resultSlot));
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "threw",
                "(" + taskDesc + taskDesc + "Ljava/lang/Throwable;)V", false));
        code.add(done);
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        entryHandler = new org.objectweb.asm.tree.TryCatchBlockNode(tryStart, tryEnd, handler, "java/lang/Throwable");
        String returns = Type.getReturnType(method.desc).getInternalName();
        if (!Names.TASK.equals(returns)) {
            code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "toCompletableFuture",
                    "(L" + Names.TASK + ";)L" + Names.COMPLETABLE_FUTURE + ";", false));
        }
        code.add(new InsnNode(Opcodes.ARETURN));
        LabelNode end = new LabelNode(new Label());
        code.add(end);
        entryStart = start;
        entryEnd = end;
        return code;
    }

    private LabelNode entryStart;
    private org.objectweb.asm.tree.TryCatchBlockNode entryHandler;
    private LabelNode entryEnd;

    /** The parameters' names, for the entry method (the body keeps the full table). */
    private List<LocalVariableNode> entryVariables(List<LocalVariableNode> bodyVariables) {
        List<LocalVariableNode> result = new ArrayList<>();
        if (bodyVariables == null) {
            return result;
        }
        int paramSlots = parameterSlots();
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (LocalVariableNode lv : bodyVariables) {
            int slot = lv.index - SHIFT;
            if (slot < paramSlots && seen.add(slot)) {
                result.add(new LocalVariableNode(lv.name, lv.desc, lv.signature, entryStart, entryEnd, slot));
            }
        }
        return result;
    }
}
