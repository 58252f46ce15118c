package dev.weft.agent.transform;

import dev.weft.agent.transform.SpillPlan.ResumePoint;
import dev.weft.agent.transform.SpillPlan.Saved;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntUnaryOperator;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * The code that moves saved values between a method's locals and its frame's fields, shared by the body
 * ({@link StateMachineBody}) and the entry ({@link StateMachineEntry}).
 *
 * <p>Code size grows with the awaits, not with awaits times live values, wherever awaits save the same
 * values (the common case: a loop, or a long method whose variables stay live):
 * <ul>
 *   <li><b>Saving</b> goes through chains that end in one shared tail ({@code suspendOn}): an await saves its
 *       operand stack and its label, then jumps into the chain of its locals. Locals are saved in descending slot
 *       order and chains share suffixes, so an await that saves {@code a, b} and one that saves {@code a, b, c}
 *       share the code for {@code a, b}. A jump costs nothing measurable, so saves are always shared.</li>
 *   <li><b>Restoring</b> is one straight path per resume point by default (the fastest resume). A method too large
 *       for that ({@code shared}) restores through a prefix tree instead: resume points whose first locals are the
 *       same (same slot, field and type) restore them on one path, and branch on the label where they part; each
 *       node is reached from one place only, so the verifier sees every local with its exact type.</li>
 *   <li>Every reference field is cleared as it is restored, so a frame holds references only while it is
 *       suspended, and only those the code will read after resuming (issue #10 item 7).</li>
 * </ul>
 */
final class SpillCode {
    private final String frameClass;
    private final int frameSlot;
    private final IntUnaryOperator slotOf;

    /**
     * @param frameSlot the local that holds the frame in the method this code goes into
     * @param slotOf where a local of the source method lives in that method
     */
    SpillCode(String frameClass, int frameSlot, IntUnaryOperator slotOf) {
        this.frameClass = frameClass;
        this.frameSlot = frameSlot;
        this.slotOf = slotOf;
    }

    // ------------------------------------------------------------------------------------------ the await itself

    /**
     * The await's fast path: {@code x} (adapted to a Future when it is a CompletionStage) done? push its result
     * (which throws the original exception) and go on at {@code after}; not done: jump to {@code suspend} with
     * the future on the stack.
     */
    static void doneCheck(InsnList code, MethodInsnNode call, LabelNode suspend, LabelNode after) {
        if (Names.AWAIT_STAGE_DESC.equals(call.desc)) {
            // a CompletableFuture that finished normally: its value, read in place, no Future made
            LabelNode slow = new LabelNode();
            code.add(new InsnNode(Opcodes.DUP));
            code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "valueIfDone",
                    "(L" + Names.COMPLETION_STAGE + ";)Ljava/lang/Object;", false));
            code.add(new InsnNode(Opcodes.DUP));
            code.add(new FieldInsnNode(Opcodes.GETSTATIC, Names.SUPPORT, "NOT_DONE", "Ljava/lang/Object;"));
            code.add(new JumpInsnNode(Opcodes.IF_ACMPEQ, slow));
            code.add(new InsnNode(Opcodes.SWAP));
            code.add(new InsnNode(Opcodes.POP));
            code.add(new JumpInsnNode(Opcodes.GOTO, after));
            code.add(slow);
            code.add(new InsnNode(Opcodes.POP));
            // a pending CompletableFuture is awaited as it is (the task its one callback); else a Future
            code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "toAwaitable",
                    "(L" + Names.COMPLETION_STAGE + ";)L" + Names.COMPLETION_STAGE + ";", false));
            code.add(new InsnNode(Opcodes.DUP));
            code.add(new TypeInsnNode(Opcodes.INSTANCEOF, Names.FUTURE));
            code.add(new JumpInsnNode(Opcodes.IFEQ, suspend));
            code.add(new TypeInsnNode(Opcodes.CHECKCAST, Names.FUTURE));
        }
        code.add(new InsnNode(Opcodes.DUP));
        code.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Names.FUTURE, "isDone", "()Z", false));
        code.add(new JumpInsnNode(Opcodes.IFEQ, suspend));
        code.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Names.FUTURE, "result", "()Ljava/lang/Object;", false));
        code.add(new JumpInsnNode(Opcodes.GOTO, after));
    }

    /**
     * {@code frame.suspendOn(future)}, leaving {@link dev.weft.runtime.Coroutine#SUSPENDED} on the stack. The slot
     * is shared by every await that goes through the shared tail, each with its own kind of future: the cast makes
     * the code's validity independent of how the stack map frames merged those types.
     */
    static void suspendOn(InsnList code, int frameSlot, int futureSlot) {
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        code.add(new VarInsnNode(Opcodes.ALOAD, futureSlot));
        code.add(new TypeInsnNode(Opcodes.CHECKCAST, Names.COMPLETION_STAGE));
        code.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Names.TASK, "suspendOn",
                "(L" + Names.COMPLETION_STAGE + ";)Ljava/lang/Object;", false));
    }

    /**
     * What one await does on its way out, the future already stored: saves the operand stack below the future
     * (top first) and the label, then jumps into the chain that saves its locals.
     */
    void saveStackAndLabel(InsnList code, ResumePoint p, LabelNode chain) {
        List<Saved> stack = p.stack();
        for (int s = stack.size() - 1; s >= 0; s--) {
            Saved v = stack.get(s);
            if (v.isNull()) {
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
        setLabel(code, p.label());
        code.add(new JumpInsnNode(Opcodes.GOTO, chain));
    }

    /** The frame's resume point, kept in Task's packed word (16 bits: a method's code is too short for more awaits). */
    void setLabel(InsnList code, int label) {
        if (label < 0 || label > 0xFFFF) {
            throw new IllegalStateException("resume point " + label + " does not fit Task's 16-bit label");
        }
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        code.add(intConstant(label));
        code.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, frameClass, Names.FRAME_SET_LABEL, "(I)V", false));
    }


    // ------------------------------------------------------------------------------------------ saving locals

    /** Saving one local: {@code frame.field = local}. */
    private record SaveUnit(int slot, int loadOpcode, String field, String desc) {
        void emit(InsnList code, String frameClass, int frameSlot) {
            code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
            code.add(new VarInsnNode(loadOpcode, slot));
            code.add(new FieldInsnNode(Opcodes.PUTFIELD, frameClass, field, desc));
        }
    }

    /**
     * The save chains of one method: {@link #entryFor} hands out where an await jumps to save its locals,
     * {@link #code} emits every chain once, ending in {@code tail}.
     */
    final class SaveChains {
        private final InsnList tail;
        private final LabelNode tailLabel = new LabelNode();
        private final Map<List<SaveUnit>, LabelNode> suffixes = new HashMap<>();
        private final List<List<SaveUnit>> chains = new ArrayList<>();

        /**
         * @param tail what runs once the locals are saved (the future is in its slot): {@code return suspendOn}
         *     in the body, {@code result = suspendOn; goto exit} in the entry
         */
        SaveChains(InsnList tail) {
            this.tail = tail;
        }

        LabelNode entryFor(List<Saved> locals) {
            List<SaveUnit> units = new ArrayList<>();
            for (Saved v : locals) {
                if (!v.isNull()) {
                    units.add(new SaveUnit(slotOf.applyAsInt(v.slot()), v.type().getOpcode(Opcodes.ILOAD), v.field(),
                            v.fieldDesc()));
                }
            }
            units.sort(Comparator.comparingInt(SaveUnit::slot).reversed());
            if (units.isEmpty()) {
                return tailLabel;
            }
            if (!suffixes.containsKey(units)) {
                chains.add(units);
                for (int j = 0; j < units.size(); j++) {
                    suffixes.putIfAbsent(List.copyOf(units.subList(j, units.size())), new LabelNode());
                }
            }
            return suffixes.get(units);
        }

        /** Every chain, each suffix once (a later chain jumps into the suffix it shares), then the tail. */
        InsnList code() {
            InsnList code = new InsnList();
            Set<List<SaveUnit>> emitted = new HashSet<>();
            for (List<SaveUnit> chain : chains) {
                for (int j = 0; j < chain.size(); j++) {
                    List<SaveUnit> suffix = List.copyOf(chain.subList(j, chain.size()));
                    if (!emitted.add(suffix)) {
                        code.add(new JumpInsnNode(Opcodes.GOTO, suffixes.get(suffix)));
                        break;
                    }
                    code.add(suffixes.get(suffix));
                    chain.get(j).emit(code, frameClass, frameSlot);
                    if (j == chain.size() - 1 && chain != chains.get(chains.size() - 1)) {
                        code.add(new JumpInsnNode(Opcodes.GOTO, tailLabel)); // the last chain falls into the tail
                    }
                }
            }
            code.add(tailLabel);
            code.add(tail);
            return code;
        }
    }

    // ------------------------------------------------------------------------------------------ restoring

    /** Restoring one local from its field (and clearing a reference field), or {@code null} into it. */
    private record RestoreUnit(int slot, Type type, String field, String desc, int owner) {
        void emit(InsnList code, SpillCode spill) {
            if (field == null) {
                code.add(new InsnNode(Opcodes.ACONST_NULL));
            } else {
                spill.loadField(code, field, desc, type);
            }
            code.add(new VarInsnNode(type.getOpcode(Opcodes.ISTORE), slot));
        }
    }

    /** A node of the restore tree: one local restored, then the resume points that share the path so far. */
    private static final class Node {
        final RestoreUnit unit;
        final LabelNode label = new LabelNode();
        final Map<RestoreUnit, Node> children = new LinkedHashMap<>();
        /** Points whose locals are all restored at this node. */
        final List<ResumePoint> ending = new ArrayList<>();
        /** Points that pass through this node (ending here or below). */
        final List<ResumePoint> through = new ArrayList<>();

        Node(RestoreUnit unit) {
            this.unit = unit;
        }
    }

    /**
     * The body's prologue: {@code switch (frame.label)}, then restore the locals the resume point saved (at slot
     * {@code slotOf} gives) and jump to {@code targets.get(label)}, where the point's code brings back its operand
     * stack ({@link #restoreStack}). A label with no resume point throws IllegalStateException.
     *
     * @param shared restore through the prefix tree (see the class comment) rather than one path per point
     */
    InsnList prologue(List<ResumePoint> points, Map<Integer, LabelNode> targets, boolean shared) {
        Node root = new Node(null);
        for (ResumePoint p : points) {
            Node n = root;
            n.through.add(p);
            for (Saved v : p.locals()) {
                Type type = v.isReference() || v.isNull() ? v.type() : Type.getType(v.fieldDesc());
                RestoreUnit u = new RestoreUnit(slotOf.applyAsInt(v.slot()), type, v.field(), v.fieldDesc(),
                        shared ? -1 : p.label());
                n = n.children.computeIfAbsent(u, Node::new);
                n.through.add(p);
            }
            n.ending.add(p);
        }
        InsnList code = new InsnList();
        LabelNode bad = new LabelNode();
        if (root.ending.isEmpty() && root.children.size() == 1) {
            emit(root.children.values().iterator().next(), code, targets, bad); // one path for all: no switch here
        } else {
            code.add(dispatch(root, targets, bad, true));
            for (Node child : root.children.values()) {
                emit(child, code, targets, bad);
            }
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

    /** One node: its local, then on to the only continuation, or a switch on the label. */
    private void emit(Node node, InsnList code, Map<Integer, LabelNode> targets, LabelNode bad) {
        code.add(node.label);
        node.unit.emit(code, this);
        if (node.children.isEmpty() && node.ending.size() == 1) {
            code.add(new JumpInsnNode(Opcodes.GOTO, targets.get(node.ending.get(0).label())));
            return;
        }
        if (node.children.size() == 1 && node.ending.isEmpty()) {
            emit(node.children.values().iterator().next(), code, targets, bad); // falls through into its label
            return;
        }
        code.add(dispatch(node, targets, bad, false));
        for (Node child : node.children.values()) {
            emit(child, code, targets, bad);
        }
    }

    /**
     * {@code switch (frame.label)} to where each resume point through {@code node} goes next. Inside the tree the
     * busiest child is the default (a label appears in a switch only where it leaves the busiest path); at the
     * root, and wherever the labels are dense, a tableswitch.
     */
    private InsnList dispatch(Node node, Map<Integer, LabelNode> targets, LabelNode bad, boolean root) {
        Map<Integer, LabelNode> next = new java.util.TreeMap<>();
        for (ResumePoint p : node.ending) {
            next.put(p.label(), targets.get(p.label()));
        }
        Node busiest = null;
        for (Node child : node.children.values()) {
            if (busiest == null || child.through.size() > busiest.through.size()) {
                busiest = child;
            }
        }
        LabelNode fallback = bad;
        for (Node child : node.children.values()) {
            for (ResumePoint p : child.through) {
                next.put(p.label(), child.label);
            }
        }
        if (!root && busiest != null) {
            fallback = busiest.label;
            for (ResumePoint p : busiest.through) {
                next.remove(p.label());
            }
        }
        InsnList code = new InsnList();
        loadLabel(code);
        int min = next.isEmpty() ? 0 : ((java.util.TreeMap<Integer, LabelNode>) next).firstKey();
        int max = next.isEmpty() ? 0 : ((java.util.TreeMap<Integer, LabelNode>) next).lastKey();
        if (!next.isEmpty() && (long) max - min + 1 <= 2L * next.size() + 2) {
            LabelNode[] cases = new LabelNode[max - min + 1];
            for (int i = 0; i < cases.length; i++) {
                cases[i] = next.getOrDefault(min + i, fallback);
            }
            code.add(new TableSwitchInsnNode(min, max, fallback, cases));
        } else {
            int[] keys = next.keySet().stream().mapToInt(Integer::intValue).toArray();
            code.add(new LookupSwitchInsnNode(fallback, keys, next.values().toArray(new LabelNode[0])));
        }
        return code;
    }

    /** Pushes the saved operand stack of {@code p} (bottom first), where the body resumes. */
    void restoreStack(InsnList code, ResumePoint p) {
        for (Saved v : p.stack()) {
            if (v.isNull()) {
                code.add(new InsnNode(Opcodes.ACONST_NULL));
            } else {
                loadField(code, v.field(), v.fieldDesc(), v.type());
            }
        }
    }

    /** Pushes {@code frame.field} as {@code type}; a reference field is cleared once read. */
    private void loadField(InsnList code, String field, String desc, Type type) {
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        code.add(new FieldInsnNode(Opcodes.GETFIELD, frameClass, field, desc));
        if (desc.startsWith("L")) {
            if ((type.getSort() == Type.OBJECT && !"java/lang/Object".equals(type.getInternalName()))
                    || type.getSort() == Type.ARRAY) {
                code.add(new TypeInsnNode(Opcodes.CHECKCAST, type.getSort() == Type.ARRAY ? type.getDescriptor()
                        : type.getInternalName()));
            }
            code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
            code.add(new InsnNode(Opcodes.ACONST_NULL));
            code.add(new FieldInsnNode(Opcodes.PUTFIELD, frameClass, field, desc));
        }
    }

    private void loadLabel(InsnList code) {
        code.add(new VarInsnNode(Opcodes.ALOAD, frameSlot));
        code.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, frameClass, Names.FRAME_LABEL, "()I", false));
    }

    static AbstractInsnNode intConstant(int v) {
        if (v >= -1 && v <= 5) {
            return new InsnNode(Opcodes.ICONST_0 + v);
        }
        if (v <= Short.MAX_VALUE) {
            return new IntInsnNode(v <= Byte.MAX_VALUE ? Opcodes.BIPUSH : Opcodes.SIPUSH, v);
        }
        return new LdcInsnNode(v);
    }
}
