package dev.weft.agent.transform;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * Pass 3: what each await must save. At every reachable await: the exact type of every local and stack value
 * (ASM's {@code SimpleVerifier}, answering sub-type questions from class files, never loading classes), and
 * which locals are live (a backward data-flow, exception edges included). {@code this} is never saved: the body
 * is an instance method that runs on it (the frame keeps the receiver). Each saved value gets a typed field of the frame class; fields of one kind are numbered per resume
 * point in slot order (stack values after the locals), so resume points share them and the frame has as many
 * fields as the most demanding await needs.
 *
 * <p>For the compact shape ({@code compact}, large methods), an await saves every local that holds a primitive
 * there, live or not, so that awaits
 * a few statements apart save the same set and share the code that saves and restores it ({@link SpillCode}). A
 * dead primitive costs a field store and keeps nothing reachable; dead references are never saved.
 */
final class SpillPlan {
    /** One value saved across a suspension: a local slot ({@code -1} on the stack), its type and field. */
    record Saved(int slot, Type type, String field, String fieldDesc) {
        /** The value is the {@code null} constant: nothing is stored, {@code ACONST_NULL} brings it back. */
        boolean isNull() {
            return field == null;
        }

        boolean isReference() {
            return fieldDesc != null && fieldDesc.startsWith("L");
        }
    }

    /** A place the body resumes at: an await, its label counting from 1. */
    record ResumePoint(int label, AbstractInsnNode await, List<Saved> locals, List<Saved> stack, int line) {
    }

    private final List<ResumePoint> points = new ArrayList<>();
    private final List<String[]> fields = new ArrayList<>();
    private final Map<String, Integer> fieldCounts = new HashMap<>();
    private final ClassContext ctx;
    private final MethodNode method;

    private final boolean compact;

    private SpillPlan(ClassContext ctx, MethodNode method, boolean compact) {
        this.ctx = ctx;
        this.method = method;
        this.compact = compact;
    }

    static SpillPlan of(ClassContext ctx, MethodNode method, boolean compact) throws AnalyzerException {
        SpillPlan plan = new SpillPlan(ctx, method, compact);
        Frame<BasicValue>[] frames = new Analyzer<>(ctx.verifier()).analyze(ctx.name, method);
        BitSet[] live = FlowGraph.of(ctx.name, method).liveIn();
        InsnList insns = method.instructions;
        for (int i = 0; i < insns.size(); i++) {
            AbstractInsnNode insn = insns.get(i);
            if (Names.isAwait(insn) && frames[i] != null) {
                plan.points.add(plan.point(plan.awaits().size() + 1, insn, frames[i], live[i]));
            }
        }
        return plan;
    }

    /** The resume points, by label from 1. */
    List<ResumePoint> awaits() {
        return points;
    }

    /** The frame class's fields for saved values, as {name, descriptor}. */
    List<String[]> fields() {
        return fields;
    }

    /** The source line of each await, by label (0 where unknown), for async stack traces. */
    int[] awaitLines() {
        int[] lines = new int[awaits().size() + 1];
        for (ResumePoint p : awaits()) {
            lines[p.label()] = p.line();
        }
        return lines;
    }

    private ResumePoint point(int label, AbstractInsnNode await, Frame<BasicValue> frame, BitSet live) {
        Map<String, Integer> used = new HashMap<>();
        List<Saved> locals = new ArrayList<>();
        for (int slot = 0; slot < frame.getLocals(); slot++) {
            BasicValue v = frame.getLocal(slot);
            if (v == null || v.getType() == null || v == BasicValue.UNINITIALIZED_VALUE) {
                continue;
            }
            if (slot == 0 && (method.access & Opcodes.ACC_STATIC) == 0) {
                continue; // the body runs on `this` at every step
            }
            boolean primitive = v.getType().getSort() != Type.OBJECT && v.getType().getSort() != Type.ARRAY;
            if (live.get(slot) || (compact && primitive) || (ctx.debugLocals && inScope(slot, await))) {
                locals.add(saved(slot, v.getType(), used));
            }
        }
        List<Saved> stack = new ArrayList<>();
        for (int s = 0; s < frame.getStackSize() - 1; s++) {
            BasicValue v = frame.getStack(s);
            if (v == null || v.getType() == null) {
                throw ctx.refuse(method, await, "a value on the operand stack at this await has no type the JVM "
                        + "can save (javac never emits this); assign the awaited value to a local variable first");
            }
            stack.add(saved(-1, v.getType(), used));
        }
        int line = ClassContext.lineOf(method, await);
        return new ResumePoint(label, await, locals, stack, line);
    }

    /** True when the LocalVariableTable has a variable in {@code slot} whose range holds {@code insn}. */
    private boolean inScope(int slot, AbstractInsnNode insn) {
        if (method.localVariables == null) {
            return false;
        }
        InsnList insns = method.instructions;
        int at = insns.indexOf(insn);
        for (org.objectweb.asm.tree.LocalVariableNode v : method.localVariables) {
            if (v.index == slot && insns.indexOf(v.start) <= at && at < insns.indexOf(v.end)) {
                return true;
            }
        }
        return false;
    }

    /** Picks the field for a value: fields of one kind are numbered per resume point and shared between them. */
    private Saved saved(int slot, Type type, Map<String, Integer> used) {
        if (type.getSort() == Type.OBJECT && "null".equals(type.getInternalName())) {
            return new Saved(slot, type, null, null);
        }
        String desc = switch (type.getSort()) {
            case Type.BOOLEAN, Type.CHAR, Type.BYTE, Type.SHORT, Type.INT -> "I";
            case Type.FLOAT -> "F";
            case Type.LONG -> "J";
            case Type.DOUBLE -> "D";
            default -> "Ljava/lang/Object;";
        };
        String prefix = desc.equals("Ljava/lang/Object;") ? "l" : desc.toLowerCase();
        int n = used.merge(prefix, 1, Integer::sum) - 1;
        String name = prefix + n;
        if (fieldCounts.getOrDefault(prefix, 0) <= n) {
            fieldCounts.put(prefix, n + 1);
            fields.add(new String[] {name, desc});
        }
        return new Saved(slot, type, name, desc);
    }
}
