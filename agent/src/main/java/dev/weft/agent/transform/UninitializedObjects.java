package dev.weft.agent.transform;

import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 */
final class UninitializedObjects {
    private UninitializedObjects() {
    }

    /** An uninitialized reference, remembering the NEW that made it. */
    private static final class Uninitialized extends BasicValue {
        final TypeInsnNode allocation;

        Uninitialized(Type type, TypeInsnNode allocation) {
            super(type);
            this.allocation = allocation;
        }

        @Override
        public boolean equals(Object o) {
            return o == this;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    /**
     * Rewrites {@code method} in place.
     *
     * @param failure what to throw for a shape javac does not produce
     */
    static void process(String owner, MethodNode method, java.util.function.Function<AbstractInsnNode,
            RuntimeException> failure) throws AnalyzerException {
        Map<MethodInsnNode, TypeInsnNode> allocationOf = new IdentityHashMap<>();
        Analyzer<BasicValue> analyzer = new Analyzer<>(new BasicInterpreter(Opcodes.ASM9) {
            @Override
            public BasicValue newOperation(AbstractInsnNode insn) throws AnalyzerException {
                if (insn.getOpcode() == Opcodes.NEW) {
                    TypeInsnNode t = (TypeInsnNode) insn;
                    return new Uninitialized(Type.getObjectType(t.desc), t);
                }
                return super.newOperation(insn);
            }

            @Override
            public BasicValue copyOperation(AbstractInsnNode insn, BasicValue value) {
                return value;
            }

            @Override
            public BasicValue naryOperation(AbstractInsnNode insn, List<? extends BasicValue> values)
                    throws AnalyzerException {
                if (insn instanceof MethodInsnNode m && m.getOpcode() == Opcodes.INVOKESPECIAL
                        && "<init>".equals(m.name) && values.get(0) instanceof Uninitialized u) {
                    allocationOf.put(m, u.allocation);
                }
                return super.naryOperation(insn, values);
            }

            @Override
            public BasicValue merge(BasicValue a, BasicValue b) {
                if (a == b) {
                    return a;
                }
                if (a instanceof Uninitialized || b instanceof Uninitialized) {
                    return BasicValue.UNINITIALIZED_VALUE;
                }
                return super.merge(a, b);
            }
        });
        Frame<BasicValue>[] frames = analyzer.analyze(owner, method);

        InsnList insns = method.instructions;
        Set<TypeInsnNode> spanning = new LinkedHashSet<>();
        for (int i = 0; i < insns.size(); i++) {
            AbstractInsnNode insn = insns.get(i);
            Frame<BasicValue> frame = frames[i];
            if (!Names.isAwait(insn) || frame == null) {
                continue;
            }
            for (int s = 0; s < frame.getStackSize(); s++) {
                if (frame.getStack(s) instanceof Uninitialized u) {
                    spanning.add(u.allocation);
                }
            }
        }
        if (spanning.isEmpty()) {
            return;
        }
        for (Map.Entry<MethodInsnNode, TypeInsnNode> e : allocationOf.entrySet()) {
            TypeInsnNode allocation = e.getValue();
            if (!spanning.contains(allocation)) {
                continue;
            }
            AbstractInsnNode dup = nextReal(allocation);
            if (dup == null || dup.getOpcode() != Opcodes.DUP) {
                throw failure.apply(allocation);
            }
            MethodInsnNode init = e.getKey();
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
        method.maxStack += 2;
    }

    private static AbstractInsnNode nextReal(AbstractInsnNode insn) {
        AbstractInsnNode n = insn.getNext();
        while (n != null && n.getOpcode() < 0) {
            n = n.getNext();
        }
        return n;
    }
}
