package dev.weft.agent.transform;

import dev.weft.agent.transform.UninitializedValues.InitTrackingFrame;
import dev.weft.agent.transform.UninitializedValues.Uninitialized;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * Pass 8: checks what the transformer wrote the way the JVM's verifier will (the type checker of JVMS 4.10.1),
 * before anyone loads it, so that a mistake of the transformer is a refusal with a location instead of a
 * {@link VerifyError} in production.
 *
 * <p>It reads the written class with its stack map frames and walks each rewritten method once, in code order:
 * at each stack map frame, the state coming from the previous instruction must be assignable to the frame, which
 * then becomes the state; every jump target and exception handler must have a frame the state is assignable to;
 * each instruction's operands must have the types it needs. Objects under construction are tracked as the JVM
 * does ({@link UninitializedValues}): they may be copied and constructed, not stored in fields, passed or
 * returned. References are checked against the class files ({@link ClassHierarchy}); an interface expected, or a
 * class whose file cannot be read, is accepted, as the JVM's verifier accepts it. Nothing is loaded.
 */
final class EmittedCodeCheck {
    private EmittedCodeCheck() {
    }

    /** A place where the written code would not verify. */
    record Failure(String method, String descriptor, int line, String message) {
    }

    /**
     * Checks the methods of {@code classBytes} that {@code checked} accepts (by name and descriptor).
     *
     * @return the first failure of each failing method; empty when everything verifies
     */
    static List<Failure> check(byte[] classBytes, ClassHierarchy hierarchy,
                               java.util.function.BiPredicate<String, String> checked) {
        ClassNode node = new ClassNode(Opcodes.ASM9);
        new ClassReader(classBytes).accept(node, ClassReader.EXPAND_FRAMES);
        List<Type> interfaces = new ArrayList<>();
        for (String i : node.interfaces) {
            interfaces.add(Type.getObjectType(i));
        }
        List<Failure> failures = new ArrayList<>();
        for (MethodNode m : node.methods) {
            if (m.instructions.size() == 0 || !checked.test(m.name, m.desc)) {
                continue;
            }
            StrictVerifier verifier = new StrictVerifier(hierarchy, Type.getObjectType(node.name),
                    node.superName == null ? null : Type.getObjectType(node.superName), interfaces,
                    (node.access & Opcodes.ACC_INTERFACE) != 0);
            try {
                new MethodCheck(node.name, m, verifier).run();
            } catch (AnalyzerException e) {
                failures.add(new Failure(m.name, m.desc, e.node == null ? 0 : ClassContext.lineOf(m, e.node),
                        "at instruction " + (e.node == null ? "?" : m.instructions.indexOf(e.node)) + ": "
                                + e.getMessage()));
            } catch (RuntimeException e) {
                failures.add(new Failure(m.name, m.desc, 0, String.valueOf(e)));
            }
        }
        return failures;
    }

    /** SimpleVerifier's checks, made as strict as the JVM's for references and objects under construction. */
    private static final class StrictVerifier extends HierarchyVerifier {
        private final Map<TypeInsnNode, Uninitialized> allocations = new IdentityHashMap<>();
        private final Type currentClass;
        private final Type currentSuper;

        StrictVerifier(ClassHierarchy hierarchy, Type currentClass, Type currentSuper, List<Type> interfaces,
                       boolean isInterface) {
            super(hierarchy, currentClass, currentSuper, interfaces, isInterface);
            this.currentClass = currentClass;
            this.currentSuper = currentSuper;
        }

        Uninitialized allocation(TypeInsnNode insn) {
            return allocations.computeIfAbsent(insn, a -> new Uninitialized(Type.getObjectType(a.desc), a));
        }

        @Override
        public BasicValue newOperation(AbstractInsnNode insn) throws AnalyzerException {
            if (insn.getOpcode() == Opcodes.NEW) {
                return allocation((TypeInsnNode) insn);
            }
            return super.newOperation(insn);
        }

        @Override
        public BasicValue naryOperation(AbstractInsnNode insn, List<? extends BasicValue> values)
                throws AnalyzerException {
            if (UninitializedValues.isInit(insn) && values.get(0) instanceof Uninitialized u) {
                String owner = ((org.objectweb.asm.tree.MethodInsnNode) insn).owner;
                boolean fits = u.allocation != null ? owner.equals(u.getType().getInternalName())
                        : owner.equals(currentClass.getInternalName())
                        || (currentSuper != null && owner.equals(currentSuper.getInternalName()));
                if (!fits) {
                    throw new AnalyzerException(insn, "constructor of " + owner + " called on " + u);
                }
                List<BasicValue> constructed = new ArrayList<>(values);
                constructed.set(0, newValue(Type.getObjectType(owner)));
                return super.naryOperation(insn, constructed);
            }
            return super.naryOperation(insn, values);
        }

        @Override
        protected boolean isSubTypeOf(BasicValue value, BasicValue expected) {
            if (value instanceof Uninitialized || expected instanceof Uninitialized) {
                return value == expected;
            }
            Type expectedType = expected.getType();
            Type type = value.getType();
            if (expectedType == null) {
                return true; // top accepts anything
            }
            if (type == null) {
                return false;
            }
            boolean expectsReference = expectedType.getSort() == Type.OBJECT || expectedType.getSort() == Type.ARRAY;
            boolean isReference = type.getSort() == Type.OBJECT || type.getSort() == Type.ARRAY;
            if (!expectsReference || !isReference) {
                return expectsReference == isReference && expectedType.equals(type);
            }
            if (type.getSort() == Type.OBJECT && "null".equals(type.getInternalName())) {
                return true;
            }
            if (expectedType.getSort() == Type.OBJECT) {
                String to = expectedType.getInternalName();
                if ("java/lang/Object".equals(to) || !hierarchy.isKnown(to) || hierarchy.isInterface(to)) {
                    return true; // the JVM's verifier treats interfaces as Object
                }
            }
            if (type.getSort() == Type.OBJECT && !knownUpToObject(type.getInternalName())) {
                return true; // a class file we cannot read: the JVM will judge with the real one
            }
            return isAssignableFrom(expectedType, type);
        }

        private boolean knownUpToObject(String name) {
            for (String c = name; c != null; c = hierarchy.superName(c)) {
                if (!hierarchy.isKnown(c)) {
                    return false;
                }
            }
            return true;
        }

        /** The verifier's "is a value of this slot assignable to that one", for frames. */
        boolean assignable(BasicValue from, BasicValue to) {
            if (to == null || to == BasicValue.UNINITIALIZED_VALUE) {
                return true;
            }
            if (from == null) {
                return false;
            }
            return isSubTypeOf(from, to);
        }
    }

    /** The walk over one method. */
    private static final class MethodCheck {
        private final String owner;
        private final MethodNode method;
        private final StrictVerifier verifier;
        private final Function<Uninitialized, BasicValue> initialized;
        private final Map<LabelNode, FrameNode> frameAt = new IdentityHashMap<>();
        private final Map<FrameNode, Frame<BasicValue>> declared = new IdentityHashMap<>();
        private final BasicValue returnValue;

        MethodCheck(String owner, MethodNode method, StrictVerifier verifier) {
            this.owner = owner;
            this.method = method;
            this.verifier = verifier;
            this.initialized = u -> verifier.newValue(u.getType());
            this.returnValue = verifier.newValue(Type.getReturnType(method.desc));
            for (AbstractInsnNode n = method.instructions.getFirst(); n != null; n = n.getNext()) {
                if (n instanceof FrameNode f) {
                    for (AbstractInsnNode p = f.getPrevious(); p != null && p.getOpcode() < 0
                            && !(p instanceof FrameNode); p = p.getPrevious()) {
                        if (p instanceof LabelNode l) {
                            frameAt.put(l, f);
                        }
                    }
                }
            }
        }

        void run() throws AnalyzerException {
            InsnList insns = method.instructions;
            Frame<BasicValue> current = initialFrame();
            for (int i = 0; i < insns.size(); i++) {
                AbstractInsnNode insn = insns.get(i);
                if (insn instanceof FrameNode f) {
                    Frame<BasicValue> frame = declared(f);
                    if (current != null) {
                        requireAssignable(current, frame, insn, "the stack map frame here");
                    }
                    current = copy(frame);
                    continue;
                }
                if (insn.getOpcode() < 0) {
                    continue;
                }
                if (current == null) {
                    throw new AnalyzerException(insn, "code after an unconditional jump has no stack map frame");
                }
                for (TryCatchBlockNode t : method.tryCatchBlocks) {
                    if (insns.indexOf(t.start) <= i && i < insns.indexOf(t.end)) {
                        Frame<BasicValue> handler = target(t.handler, insn);
                        for (int slot = 0; slot < handler.getLocals(); slot++) {
                            if (!verifier.assignable(current.getLocal(slot), handler.getLocal(slot))) {
                                throw new AnalyzerException(insn, "local " + slot + " is " + current.getLocal(slot)
                                        + " but the exception handler at instruction " + insns.indexOf(t.handler)
                                        + " expects " + handler.getLocal(slot));
                            }
                        }
                    }
                }
                Frame<BasicValue> next = copy(current);
                try {
                    next.execute(insn, verifier);
                } catch (IndexOutOfBoundsException e) {
                    throw new AnalyzerException(insn, String.valueOf(e.getMessage()));
                }
                for (LabelNode target : targets(insn)) {
                    requireAssignable(next, target(target, insn), insn, "the jump target at instruction "
                            + insns.indexOf(target));
                }
                current = endsFlow(insn.getOpcode()) ? null : next;
            }
            if (current != null) {
                throw new AnalyzerException(insns.getLast(), "execution falls off the end of the code");
            }
        }

        private Frame<BasicValue> target(LabelNode label, AbstractInsnNode from) throws AnalyzerException {
            FrameNode f = frameAt.get(label);
            if (f == null) {
                throw new AnalyzerException(from, "the jump target at instruction "
                        + method.instructions.indexOf(label) + " has no stack map frame");
            }
            return declared(f);
        }

        private void requireAssignable(Frame<BasicValue> from, Frame<BasicValue> to, AbstractInsnNode insn,
                                       String where) throws AnalyzerException {
            for (int slot = 0; slot < to.getLocals(); slot++) {
                if (!verifier.assignable(from.getLocal(slot), to.getLocal(slot))) {
                    throw new AnalyzerException(insn, "local " + slot + " is " + describe(from.getLocal(slot))
                            + " but " + where + " says " + describe(to.getLocal(slot)));
                }
            }
            if (from.getStackSize() != to.getStackSize()) {
                throw new AnalyzerException(insn, "the operand stack holds " + from.getStackSize() + " values but "
                        + where + " says " + to.getStackSize());
            }
            for (int s = 0; s < to.getStackSize(); s++) {
                if (!verifier.assignable(from.getStack(s), to.getStack(s))) {
                    throw new AnalyzerException(insn, "stack[" + s + "] is " + describe(from.getStack(s)) + " but "
                            + where + " says " + describe(to.getStack(s)));
                }
            }
        }

        private static String describe(BasicValue v) {
            return v == null || v == BasicValue.UNINITIALIZED_VALUE ? "top" : v.toString();
        }

        private Frame<BasicValue> initialFrame() {
            Frame<BasicValue> f = new InitTrackingFrame(method.maxLocals, method.maxStack, initialized);
            f.setReturn(returnValue);
            int slot = 0;
            if ((method.access & Opcodes.ACC_STATIC) == 0) {
                Type self = Type.getObjectType(owner);
                f.setLocal(slot++, "<init>".equals(method.name) ? new Uninitialized(self, null)
                        : verifier.newValue(self));
            }
            for (Type t : Type.getArgumentTypes(method.desc)) {
                f.setLocal(slot++, verifier.newValue(t));
                if (t.getSize() == 2) {
                    f.setLocal(slot++, BasicValue.UNINITIALIZED_VALUE);
                }
            }
            while (slot < method.maxLocals) {
                f.setLocal(slot++, BasicValue.UNINITIALIZED_VALUE);
            }
            return f;
        }

        private Frame<BasicValue> declared(FrameNode node) throws AnalyzerException {
            Frame<BasicValue> known = declared.get(node);
            if (known != null) {
                return known;
            }
            Frame<BasicValue> f = new InitTrackingFrame(method.maxLocals, method.maxStack, initialized);
            f.setReturn(returnValue);
            int slot = 0;
            for (Object o : node.local) {
                if (slot >= method.maxLocals) {
                    throw new AnalyzerException(node, "the stack map frame has more locals than max_locals");
                }
                f.setLocal(slot++, value(o, node));
                if (Opcodes.LONG.equals(o) || Opcodes.DOUBLE.equals(o)) {
                    f.setLocal(slot++, BasicValue.UNINITIALIZED_VALUE);
                }
            }
            while (slot < method.maxLocals) {
                f.setLocal(slot++, BasicValue.UNINITIALIZED_VALUE);
            }
            for (Object o : node.stack) {
                f.push(value(o, node));
            }
            declared.put(node, f);
            return f;
        }

        private BasicValue value(Object o, FrameNode node) throws AnalyzerException {
            if (o instanceof String name) {
                return verifier.newValue(Type.getObjectType(name));
            }
            if (o instanceof LabelNode label) {
                for (AbstractInsnNode n = label; n != null; n = n.getNext()) {
                    if (n.getOpcode() >= 0) {
                        if (n.getOpcode() != Opcodes.NEW) {
                            throw new AnalyzerException(node, "an uninitialized type names no NEW instruction");
                        }
                        return verifier.allocation((TypeInsnNode) n);
                    }
                }
                throw new AnalyzerException(node, "an uninitialized type names no instruction");
            }
            if (Opcodes.TOP.equals(o)) {
                return BasicValue.UNINITIALIZED_VALUE;
            } else if (Opcodes.INTEGER.equals(o)) {
                return BasicValue.INT_VALUE;
            } else if (Opcodes.FLOAT.equals(o)) {
                return BasicValue.FLOAT_VALUE;
            } else if (Opcodes.LONG.equals(o)) {
                return BasicValue.LONG_VALUE;
            } else if (Opcodes.DOUBLE.equals(o)) {
                return BasicValue.DOUBLE_VALUE;
            } else if (Opcodes.NULL.equals(o)) {
                return verifier.newValue(Type.getObjectType("null"));
            } else if (Opcodes.UNINITIALIZED_THIS.equals(o)) {
                return new Uninitialized(Type.getObjectType(owner), null);
            }
            throw new AnalyzerException(node, "unknown stack map frame type " + o);
        }

        private Frame<BasicValue> copy(Frame<BasicValue> f) {
            return new InitTrackingFrame(f, initialized);
        }

        private static List<LabelNode> targets(AbstractInsnNode insn) {
            List<LabelNode> targets = new ArrayList<>();
            if (insn instanceof JumpInsnNode j) {
                targets.add(j.label);
            } else if (insn instanceof TableSwitchInsnNode t) {
                targets.add(t.dflt);
                targets.addAll(t.labels);
            } else if (insn instanceof LookupSwitchInsnNode l) {
                targets.add(l.dflt);
                targets.addAll(l.labels);
            }
            return targets;
        }

        private static boolean endsFlow(int opcode) {
            return opcode == Opcodes.GOTO || opcode == Opcodes.TABLESWITCH || opcode == Opcodes.LOOKUPSWITCH
                    || opcode == Opcodes.ATHROW || (opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN)
                    || opcode == Opcodes.JSR || opcode == Opcodes.RET;
        }
    }
}
