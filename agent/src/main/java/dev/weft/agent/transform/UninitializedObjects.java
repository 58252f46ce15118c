package dev.weft.agent.transform;

import dev.weft.agent.transform.UninitializedValues.InitTrackingFrame;
import dev.weft.agent.transform.UninitializedValues.Uninitialized;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicInterpreter;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * Pass 2: moves object allocations past the awaits in their constructor arguments.
 *
 * <p>{@code new Foo(await(f))} compiles to {@code NEW Foo; DUP; <args, with the await>; INVOKESPECIAL <init>}:
 * at the await the stack holds an uninitialized reference, which the JVM does not let anyone store in a field,
 * so it cannot be saved across a suspension. For each such allocation this pass turns {@code NEW} into a
 * {@code null} placeholder (which every copy of the object, on the stack or in a local, then is, and which can be
 * saved), and before the constructor call stores the arguments in fresh locals, drops the two placeholders,
 * allocates, and reloads the arguments (what Kotlin's code generator calls processing uninitialized stores).
 * javac keeps copies in locals when a switch expression with a {@code try} sits among the arguments (it spills
 * the operand stack); they are placeholders too, never read after the call. The visible difference: the class's
 * static initializer runs after the arguments are evaluated rather than before.
 *
 * <p>Which allocations span an await is a data-flow question with the JVM's own rules
 * ({@link UninitializedValues}): one value per {@code NEW} instruction, initialized everywhere at once by its
 * {@code <init>} call, so an object built earlier and merged at a branch or a loop head is an ordinary reference
 * by the time a later allocation is looked at. Shapes javac does not emit (an object under construction copied
 * more than {@code NEW; DUP} copies it, or read from a local after its constructor ran) are refused by name.
 */
final class UninitializedObjects {
    private UninitializedObjects() {
    }

    /** Rewrites {@code method} in place; refuses (through {@code ctx}) the shapes it cannot rewrite. */
    static void process(ClassContext ctx, MethodNode method) throws AnalyzerException {
        Map<TypeInsnNode, Uninitialized> values = new IdentityHashMap<>();
        Map<TypeInsnNode, List<MethodInsnNode>> inits = new IdentityHashMap<>();
        Analyzer<BasicValue> analyzer = new Analyzer<>(new BasicInterpreter(Opcodes.ASM9) {
            @Override
            public BasicValue newOperation(AbstractInsnNode insn) throws AnalyzerException {
                if (insn.getOpcode() == Opcodes.NEW) {
                    TypeInsnNode t = (TypeInsnNode) insn;
                    return values.computeIfAbsent(t, a -> new Uninitialized(Type.getObjectType(a.desc), a));
                }
                return super.newOperation(insn);
            }

            @Override
            public BasicValue naryOperation(AbstractInsnNode insn, List<? extends BasicValue> args)
                    throws AnalyzerException {
                if (UninitializedValues.isInit(insn) && args.get(0) instanceof Uninitialized u && u.allocation != null) {
                    List<MethodInsnNode> calls = inits.computeIfAbsent(u.allocation, a -> new ArrayList<>());
                    if (!calls.contains(insn)) {
                        calls.add((MethodInsnNode) insn);
                    }
                }
                return super.naryOperation(insn, args);
            }

            @Override
            public BasicValue merge(BasicValue a, BasicValue b) {
                if (a == b) {
                    return a;
                }
                if (a instanceof Uninitialized || b instanceof Uninitialized) {
                    return BasicValue.UNINITIALIZED_VALUE; // unusable, as the JVM's verifier says
                }
                return super.merge(a, b);
            }
        }) {
            @Override
            protected Frame<BasicValue> newFrame(int locals, int stack) {
                return new InitTrackingFrame(locals, stack, u -> BasicValue.REFERENCE_VALUE);
            }

            @Override
            protected Frame<BasicValue> newFrame(Frame<? extends BasicValue> frame) {
                return new InitTrackingFrame(frame, u -> BasicValue.REFERENCE_VALUE);
            }
        };
        Frame<BasicValue>[] frames = analyzer.analyze(ctx.name, method);

        InsnList insns = method.instructions;
        Map<TypeInsnNode, AbstractInsnNode> spanning = new LinkedHashMap<>(); // allocation -> an await it spans
        for (int i = 0; i < insns.size(); i++) {
            AbstractInsnNode insn = insns.get(i);
            Frame<BasicValue> frame = frames[i];
            if (!Names.isAwait(insn) || frame == null) {
                continue;
            }
            for (int slot = 0; slot < frame.getLocals(); slot++) {
                if (frame.getLocal(slot) instanceof Uninitialized u && u.allocation != null) {
                    spanning.putIfAbsent(u.allocation, insn);
                }
            }
            for (int s = 0; s < frame.getStackSize(); s++) {
                if (frame.getStack(s) instanceof Uninitialized u) {
                    if (u.allocation == null) {
                        throw ctx.refuse(method, insn, "await(...) before this constructor's super(...) call");
                    }
                    spanning.putIfAbsent(u.allocation, insn);
                }
            }
        }
        if (spanning.isEmpty()) {
            return;
        }
        BitSet[] live = FlowGraph.of(ctx.name, method).liveIn();
        List<Runnable> moves = new ArrayList<>();
        for (Map.Entry<TypeInsnNode, AbstractInsnNode> e : spanning.entrySet()) {
            TypeInsnNode allocation = e.getKey();
            Uninitialized u = values.get(allocation);
            List<MethodInsnNode> calls = inits.getOrDefault(allocation, List.of());
            if (calls.size() != 1) {
                throw ctx.refuse(method, e.getValue(), "the object under construction (new " + className(u)
                        + ") whose constructor arguments contain this await is constructed by "
                        + (calls.isEmpty() ? "no" : calls.size()) + " constructor calls, not one. " + NOT_JAVAC);
            }
            MethodInsnNode init = calls.get(0);
            int at = insns.indexOf(init);
            String problem = copiesAtInit(frames[at], live[at], u, init);
            if (problem != null) {
                throw ctx.refuse(method, e.getValue(), "the object under construction (new " + className(u)
                        + ") whose constructor arguments contain this await " + problem + ". " + NOT_JAVAC);
            }
            moves.add(() -> moveAllocation(method, allocation, init));
        }
        moves.forEach(Runnable::run);
        method.maxStack += 2;
    }

    private static final String NOT_JAVAC = "javac does not emit this shape (it comes from another compiler or a "
            + "bytecode generator), so Weft cannot rewrite this method; compute the awaited value into a local "
            + "variable before the `new`, or leave the method without await.";

    /**
     * Why the copies of {@code u} at its constructor call are not the two {@code new X(...)} makes (the receiver
     * on top of the arguments, and the value of the expression right below it) with any other copy dead, or null
     * when they are. javac may keep copies in locals while it evaluates the arguments (a switch expression with a
     * {@code try} in it spills the whole operand stack), but never reads them after the call.
     */
    private static String copiesAtInit(Frame<BasicValue> atInit, BitSet live, Uninitialized u, MethodInsnNode init) {
        if (atInit == null) {
            return "is never constructed";
        }
        int receiver = atInit.getStackSize() - Type.getArgumentTypes(init.desc).length - 1;
        int copies = 0;
        for (int s = 0; s < atInit.getStackSize(); s++) {
            if (atInit.getStack(s) == u) {
                copies++;
            }
        }
        if (copies != 2 || receiver < 1 || atInit.getStack(receiver) != u || atInit.getStack(receiver - 1) != u) {
            return "has " + copies + " copies on the operand stack at its constructor call, where `NEW; DUP` makes 2";
        }
        for (int slot = 0; slot < atInit.getLocals(); slot++) {
            if (atInit.getLocal(slot) == u && live.get(slot)) {
                return "is kept in local variable " + slot + " and read after its constructor call";
            }
        }
        return null;
    }

    /**
     * {@code NEW} becomes {@code ACONST_NULL}, a placeholder that every copy of the object under construction
     * (on the stack, in locals) now is, and that can be saved across an await; at the constructor call the
     * arguments are stored in fresh locals, the two placeholders dropped, and the object allocated and built.
     */
    private static void moveAllocation(MethodNode method, TypeInsnNode allocation, MethodInsnNode init) {
        InsnList insns = method.instructions;
        Type[] args = Type.getArgumentTypes(init.desc);
        int[] slots = new int[args.length];
        for (int a = 0; a < args.length; a++) {
            slots[a] = method.maxLocals;
            method.maxLocals += args[a].getSize();
        }
        InsnList before = new InsnList();
        for (int a = args.length - 1; a >= 0; a--) {
            before.add(new VarInsnNode(args[a].getOpcode(Opcodes.ISTORE), slots[a]));
        }
        before.add(new InsnNode(Opcodes.POP2)); // the two placeholders, both references
        before.add(new TypeInsnNode(Opcodes.NEW, allocation.desc));
        before.add(new InsnNode(Opcodes.DUP));
        for (int a = 0; a < args.length; a++) {
            before.add(new VarInsnNode(args[a].getOpcode(Opcodes.ILOAD), slots[a]));
        }
        insns.insertBefore(init, before);
        insns.set(allocation, new InsnNode(Opcodes.ACONST_NULL));
    }

    private static String className(Uninitialized u) {
        return u.getType().getClassName();
    }
}
