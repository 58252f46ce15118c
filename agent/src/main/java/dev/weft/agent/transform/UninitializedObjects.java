package dev.weft.agent.transform;

import dev.weft.agent.transform.UninitializedValues.InitTrackingFrame;
import dev.weft.agent.transform.UninitializedValues.Uninitialized;
import java.util.ArrayList;
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
 * so it cannot be saved across a suspension. For each such allocation this pass deletes {@code NEW; DUP}, and
 * before the constructor call stores the arguments in fresh locals, allocates, and reloads them (what Kotlin's
 * code generator calls processing uninitialized stores). The visible difference: the class's static
 * initializer runs after the arguments are evaluated rather than before.
 *
 * <p>Which allocations span an await is a data-flow question with the JVM's own rules
 * ({@link UninitializedValues}): one value per {@code NEW} instruction, initialized everywhere at once by its
 * {@code <init>} call, so an object built earlier and merged at a branch or a loop head is an ordinary reference
 * by the time a later allocation is looked at. Shapes javac never emits (an object under construction copied
 * more than {@code NEW; DUP} copies it, or kept in a local across an await) are refused by name.
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
                if (frame.getLocal(slot) instanceof Uninitialized u) {
                    throw ctx.refuse(method, insn, "an object under construction (new " + className(u)
                            + ") is kept in a local variable across this await. " + NOT_JAVAC);
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
        List<Runnable> moves = new ArrayList<>();
        for (Map.Entry<TypeInsnNode, AbstractInsnNode> e : spanning.entrySet()) {
            TypeInsnNode allocation = e.getKey();
            Uninitialized u = values.get(allocation);
            List<MethodInsnNode> calls = inits.getOrDefault(allocation, List.of());
            AbstractInsnNode dup = nextReal(allocation);
            if (calls.size() != 1 || dup == null || dup.getOpcode() != Opcodes.DUP
                    || !copiedOnceByDup(frames[insns.indexOf(calls.get(0))], u, calls.get(0))) {
                throw ctx.refuse(method, e.getValue(), "the object under construction (new " + className(u)
                        + ") whose constructor arguments contain this await is not built as `NEW; DUP; arguments; "
                        + "INVOKESPECIAL <init>`. " + NOT_JAVAC);
            }
            MethodInsnNode init = calls.get(0);
            moves.add(() -> moveAllocation(method, allocation, dup, init));
        }
        moves.forEach(Runnable::run);
        method.maxStack += 2;
    }

    private static final String NOT_JAVAC = "javac never emits this shape (it comes from another compiler or a "
            + "bytecode generator), so Weft cannot rewrite this method; compute the awaited value into a local "
            + "variable before the `new`, or leave the method without await.";

    /** At the constructor call: exactly the two copies {@code NEW; DUP} makes, receiver on top, none in a local. */
    private static boolean copiedOnceByDup(Frame<BasicValue> atInit, Uninitialized u, MethodInsnNode init) {
        if (atInit == null) {
            return false;
        }
        int receiver = atInit.getStackSize() - Type.getArgumentTypes(init.desc).length - 1;
        int copies = 0;
        for (int s = 0; s < atInit.getStackSize(); s++) {
            if (atInit.getStack(s) == u) {
                copies++;
            }
        }
        for (int slot = 0; slot < atInit.getLocals(); slot++) {
            if (atInit.getLocal(slot) == u) {
                return false;
            }
        }
        return copies == 2 && receiver >= 1 && atInit.getStack(receiver) == u && atInit.getStack(receiver - 1) == u;
    }

    /** {@code NEW; DUP; args; <init>} becomes {@code args; store args; NEW; DUP; load args; <init>}. */
    private static void moveAllocation(MethodNode method, TypeInsnNode allocation, AbstractInsnNode dup,
                                       MethodInsnNode init) {
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
        before.add(new TypeInsnNode(Opcodes.NEW, allocation.desc));
        before.add(new InsnNode(Opcodes.DUP));
        for (int a = 0; a < args.length; a++) {
            before.add(new VarInsnNode(args[a].getOpcode(Opcodes.ILOAD), slots[a]));
        }
        insns.insertBefore(init, before);
        insns.remove(dup);
        insns.remove(allocation);
    }

    private static String className(Uninitialized u) {
        return u.getType().getClassName();
    }

    private static AbstractInsnNode nextReal(AbstractInsnNode insn) {
        AbstractInsnNode n = insn.getNext();
        while (n != null && n.getOpcode() < 0) {
            n = n.getNext();
        }
        return n;
    }
}
