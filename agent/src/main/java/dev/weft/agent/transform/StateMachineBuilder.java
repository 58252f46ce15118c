package dev.weft.agent.transform;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.objectweb.asm.tree.TryCatchBlockNode;
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
    record FrameLayout(String frameClass, List<String[]> fields, String methodName, int[] awaitLines) {
    }

    private final ClassContext ctx;
    private final MethodNode method;
    private final String frameClass;
    private final String bodyName;
    private final List<String[]> fields = new ArrayList<>();
    private final java.util.Map<String, Integer> fieldCounts = new java.util.HashMap<>();
    /** The source line of each resume point's await, by label (for async stack traces). */
    private int[] awaitLines = new int[1];

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
        // The entry runs the first step itself, in its own frame, on a copy of the code made before the body's
        // locals are shifted: a call that completes at once costs one stack frame, as the source method did.
        EntryCopy entry = copyForEntry(points);
        int originalLocals = method.maxLocals;
        trimDeadVariables(points);

        MethodNode body = new MethodNode(Opcodes.ASM9,
                Opcodes.ACC_STATIC | Opcodes.ACC_SYNTHETIC | (ctx.isInterface ? Opcodes.ACC_PUBLIC : 0),
                bodyName, "(L" + frameClass + ";Ljava/lang/Object;Ljava/lang/Throwable;)Ljava/lang/Object;", null, null);
        body.instructions = insns;
        body.tryCatchBlocks = method.tryCatchBlocks;
        body.localVariables = method.localVariables;
        body.visibleLocalVariableAnnotations = method.visibleLocalVariableAnnotations;
        body.invisibleLocalVariableAnnotations = method.invisibleLocalVariableAnnotations;
        body.maxLocals = originalLocals + SHIFT + 1;
        body.maxStack = method.maxStack + 4;
        int futureSlot = originalLocals + SHIFT;

        shiftLocals(body);
        for (ResumePoint p : points) {
            rewriteAwait(insns, p, futureSlot);
        }
        insns.insert(prologue(points));

        buildEntry(entry, points, originalLocals);
        method.instructions = entry.code();
        method.tryCatchBlocks = entry.handlers();
        method.localVariables = entry.variables();
        method.visibleLocalVariableAnnotations = null;
        method.invisibleLocalVariableAnnotations = null;
        method.maxLocals = originalLocals + 4;
        method.maxStack += 4;
        return body;
    }

    /** The entry's copy of the code, with its awaits (by original instruction), returns, handlers and variables. */
    private record EntryCopy(InsnList code, Map<AbstractInsnNode, AbstractInsnNode> awaits,
                             List<AbstractInsnNode> returns, List<TryCatchBlockNode> handlers,
                             List<LocalVariableNode> variables) {
    }

    private EntryCopy copyForEntry(List<ResumePoint> points) {
        InsnList insns = method.instructions;
        Map<LabelNode, LabelNode> labels = new HashMap<>();
        for (AbstractInsnNode n = insns.getFirst(); n != null; n = n.getNext()) {
            if (n instanceof LabelNode l) {
                labels.put(l, new LabelNode());
            }
        }
        java.util.Set<AbstractInsnNode> awaitInsns = new java.util.HashSet<>();
        for (ResumePoint p : points) {
            awaitInsns.add(p.await());
        }
        InsnList code = new InsnList();
        Map<AbstractInsnNode, AbstractInsnNode> awaits = new HashMap<>();
        List<AbstractInsnNode> returns = new ArrayList<>();
        for (AbstractInsnNode n = insns.getFirst(); n != null; n = n.getNext()) {
            AbstractInsnNode copy = n.clone(labels);
            code.add(copy);
            if (awaitInsns.contains(n)) {
                awaits.put(n, copy);
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
        return new EntryCopy(code, awaits, returns, handlers, variables);
    }

    FrameLayout layout() {
        return new FrameLayout(frameClass, fields, method.name, awaitLines);
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
            boolean self = slot == 0 && (method.access & Opcodes.ACC_STATIC) == 0;
            if (live.get(slot) || self) {
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
        awaitLines = java.util.Arrays.copyOf(awaitLines, Math.max(awaitLines.length, label + 1));
        awaitLines[label] = ClassContext.lineOf(method, await);
        return new ResumePoint(label, await, locals, stack);
    }


    /**
     * After a resume, a local that was dead at the await (so not saved) holds nothing; its LocalVariableTable
     * range is cut there, and starts again at its next store, so a debugger never shows a stale slot (as
     * Kotlin's code generator does). Only the body needs it: the entry never resumes.
     */
    private void trimDeadVariables(List<ResumePoint> points) {
        if (method.localVariables == null) {
            return;
        }
        InsnList insns = method.instructions;
        for (ResumePoint p : points) {
            java.util.Set<Integer> saved = new java.util.HashSet<>();
            for (Saved v : p.locals()) {
                saved.add(v.slot());
            }
            List<LocalVariableNode> added = new ArrayList<>();
            for (java.util.Iterator<LocalVariableNode> it = method.localVariables.iterator(); it.hasNext(); ) {
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
        addDoneCheck(code, call, suspend, after);

        code.add(suspend);
        code.add(new VarInsnNode(Opcodes.ASTORE, futureSlot));
        saveInto(code, p, FRAME, SHIFT);
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

    /**
     * The await's fast path: {@code x} (adapted to a Future when it is a CompletionStage) done? push its result
     * (which throws the original exception) and go on at {@code after}; not done: jump to {@code suspend} with
     * the future on the stack.
     */
    private static void addDoneCheck(InsnList code, MethodInsnNode call, LabelNode suspend, LabelNode after) {
        if (Names.AWAIT_STAGE_DESC.equals(call.desc)) {
            code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "toFuture",
                    "(L" + Names.COMPLETION_STAGE + ";)L" + Names.FUTURE + ";", false));
        }
        code.add(new InsnNode(Opcodes.DUP));
        code.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Names.FUTURE, "isDone", "()Z", false));
        code.add(new JumpInsnNode(Opcodes.IFEQ, suspend));
        code.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Names.FUTURE, "result", "()Ljava/lang/Object;", false));
        code.add(new JumpInsnNode(Opcodes.GOTO, after));
    }

    /**
     * Saves what resume point {@code p} needs into the frame held in local {@code frameSlot}: the operand stack
     * below the awaited future (top first), the locals (at their slot plus {@code shift}), and the label.
     */
    private void saveInto(InsnList code, ResumePoint p, int frameSlot, int shift) {
        List<Saved> stack = p.stack();
        for (int s = stack.size() - 1; s >= 0; s--) {
            Saved v = stack.get(s);
            if (v.field() == null) {
                code.add(new InsnNode(Opcodes.POP));
                continue;
            }
            code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
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
            code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
            code.add(new VarInsnNode(v.type().getOpcode(Opcodes.ILOAD), v.slot() + shift));
            code.add(new FieldInsnNode(Opcodes.PUTFIELD, frameClass, v.field(), v.fieldDesc()));
        }
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        code.add(intConstant(p.label()));
        code.add(new FieldInsnNode(Opcodes.PUTFIELD, frameClass, "label", "I"));
    }

    /**
     * {@code switch (frame.label)}: restore what the resume point saved, and jump there. Label 0 (the start) is
     * never stepped here: the entry method runs the first step itself.
     */
    private InsnList prologue(List<ResumePoint> points) {
        InsnList code = new InsnList();
        LabelNode bad = new LabelNode();
        LabelNode[] cases = new LabelNode[points.size() + 1];
        cases[0] = bad;
        for (int i = 1; i < cases.length; i++) {
            cases[i] = new LabelNode();
        }
        code.add(new VarInsnNode(Opcodes.ALOAD, FRAME));
        code.add(new FieldInsnNode(Opcodes.GETFIELD, frameClass, "label", "I"));
        code.add(new TableSwitchInsnNode(0, points.size(), bad, cases));
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

    // ------------------------------------------------------------------------------------------ pass 5: entry

    /**
     * The original method now runs the first step in its own frame:
     * <pre>
     * frame = new Frame(); previous = enter(frame);
     * try {
     *     ...the code, where an await of a done future goes on, one of a pending future saves into the frame and
     *     goes to exit with suspendOn(f) (SUSPENDED), and a return goes to exit with its value...
     * } catch (Throwable e) { threw(frame, previous, e); return frame; }
     * exit: returned(frame, previous, result); return frame;
     * </pre>
     */
    private void buildEntry(EntryCopy entry, List<ResumePoint> points, int originalLocals) {
        InsnList code = entry.code();
        int frameSlot = originalLocals;
        int previousSlot = originalLocals + 1;
        int resultSlot = originalLocals + 2;
        int futureSlot = originalLocals + 3;
        String taskDesc = "L" + Names.TASK + ";";
        LabelNode tryStart = new LabelNode(new Label());
        LabelNode tryEnd = new LabelNode(new Label());
        LabelNode handler = new LabelNode(new Label());
        LabelNode exit = new LabelNode(new Label());
        LabelNode done = new LabelNode(new Label());

        InsnList start = new InsnList();
        start.add(new TypeInsnNode(Opcodes.NEW, frameClass));
        start.add(new InsnNode(Opcodes.DUP));
        start.add(new MethodInsnNode(Opcodes.INVOKESPECIAL, frameClass, "<init>", "()V", false));
        start.add(new VarInsnNode(Opcodes.ASTORE, frameSlot));
        start.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        start.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "enter", "(" + taskDesc + ")" + taskDesc,
                false));
        start.add(new VarInsnNode(Opcodes.ASTORE, previousSlot));
        start.add(tryStart);
        code.insert(start);

        for (ResumePoint p : points) {
            MethodInsnNode call = (MethodInsnNode) entry.awaits().get(p.await());
            LabelNode suspend = new LabelNode();
            LabelNode after = new LabelNode();
            InsnList await = new InsnList();
            addDoneCheck(await, call, suspend, after);
            await.add(suspend);
            await.add(new VarInsnNode(Opcodes.ASTORE, futureSlot));
            saveInto(await, p, frameSlot, 0);
            await.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
            await.add(new VarInsnNode(Opcodes.ALOAD, futureSlot));
            await.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Names.TASK, "suspendOn",
                    "(L" + Names.FUTURE + ";)Ljava/lang/Object;", false));
            await.add(new VarInsnNode(Opcodes.ASTORE, resultSlot));
            await.add(new JumpInsnNode(Opcodes.GOTO, exit));
            await.add(after);
            code.insertBefore(call, await);
            code.remove(call);
        }
        for (AbstractInsnNode ret : entry.returns()) {
            InsnList toExit = new InsnList();
            toExit.add(new VarInsnNode(Opcodes.ASTORE, resultSlot));
            toExit.add(new JumpInsnNode(Opcodes.GOTO, exit));
            code.insertBefore(ret, toExit);
            code.remove(ret);
        }

        code.add(tryEnd);
        code.add(exit);
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        code.add(new VarInsnNode(Opcodes.ALOAD, previousSlot));
        code.add(new VarInsnNode(Opcodes.ALOAD, resultSlot));
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "returned",
                "(" + taskDesc + taskDesc + "Ljava/lang/Object;)V", false));
        code.add(done);
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        String declared = Type.getReturnType(method.desc).getInternalName();
        if (!Names.TASK.equals(declared)) {
            code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "toCompletableFuture",
                    "(L" + Names.TASK + ";)L" + Names.COMPLETABLE_FUTURE + ";", false));
        }
        code.add(new InsnNode(Opcodes.ARETURN));
        code.add(handler);
        code.add(new VarInsnNode(Opcodes.ASTORE, resultSlot));
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        code.add(new VarInsnNode(Opcodes.ALOAD, previousSlot));
        code.add(new VarInsnNode(Opcodes.ALOAD, resultSlot));
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "threw",
                "(" + taskDesc + taskDesc + "Ljava/lang/Throwable;)V", false));
        code.add(new JumpInsnNode(Opcodes.GOTO, done));
        entry.handlers().add(new TryCatchBlockNode(tryStart, tryEnd, handler, "java/lang/Throwable"));
    }
}
