package dev.weft.agent.transform;

import java.util.function.Function;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.Interpreter;

/**
 * Objects under construction, tracked the way the JVM's verifier tracks them (JVMS 4.10.1.4): {@code NEW} at a
 * given instruction pushes the type "uninitialized(that instruction)", which stays the same value wherever it is
 * copied and however often the analysis passes over the instruction; the {@code <init>} call on it turns every
 * copy, in the locals and on the stack, into an ordinary reference at once. Shared by the pass that moves
 * allocations past awaits ({@link UninitializedObjects}) and the check of the emitted code
 * ({@link EmittedCodeCheck}).
 */
final class UninitializedValues {
    private UninitializedValues() {
    }

    /**
     * An object whose constructor has not run: the one value of its {@code NEW} instruction, or, for
     * {@code allocation == null}, the {@code this} of a constructor before its {@code super(...)} call.
     * Identity is the allocation: two values are equal only when they are the same object.
     */
    static final class Uninitialized extends BasicValue {
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

        @Override
        public String toString() {
            return "uninitialized " + getType().getInternalName();
        }
    }

    /**
     * A frame in which {@code invokespecial <init>} on an uninitialized value replaces every copy of that value
     * with the initialized reference {@code initialized} gives for it.
     */
    static final class InitTrackingFrame extends Frame<BasicValue> {
        private final Function<Uninitialized, BasicValue> initialized;

        InitTrackingFrame(int locals, int stack, Function<Uninitialized, BasicValue> initialized) {
            super(locals, stack);
            this.initialized = initialized;
        }

        InitTrackingFrame(Frame<? extends BasicValue> frame, Function<Uninitialized, BasicValue> initialized) {
            super(frame);
            this.initialized = initialized;
        }

        @Override
        public void execute(AbstractInsnNode insn, Interpreter<BasicValue> interpreter) throws AnalyzerException {
            Uninitialized receiver = receiverOfInit(insn);
            super.execute(insn, interpreter);
            if (receiver != null) {
                BasicValue done = initialized.apply(receiver);
                for (int i = 0; i < getLocals(); i++) {
                    if (getLocal(i) == receiver) {
                        setLocal(i, done);
                    }
                }
                for (int i = 0; i < getStackSize(); i++) {
                    if (getStack(i) == receiver) {
                        setStack(i, done);
                    }
                }
            }
        }

        /** The uninitialized value a constructor call at {@code insn} initializes, or null. */
        Uninitialized receiverOfInit(AbstractInsnNode insn) {
            if (!(insn instanceof MethodInsnNode m) || !isInit(m)) {
                return null;
            }
            int position = getStackSize() - Type.getArgumentTypes(m.desc).length - 1;
            return position >= 0 && getStack(position) instanceof Uninitialized u ? u : null;
        }
    }

    static boolean isInit(AbstractInsnNode insn) {
        return insn instanceof MethodInsnNode m && m.getOpcode() == Opcodes.INVOKESPECIAL && "<init>".equals(m.name);
    }
}
