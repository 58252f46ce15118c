package dev.weft.agent.transform;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Pass 1: turns the body's {@code return} statements into what the task finishes with.
 *
 * <p>An async method returns a future of its declared type; the task it becomes must finish with that future's
 * outcome (contract item 1). {@code return Task.completed(v)} and {@code return
 * CompletableFuture.completedFuture(v)} are the common case: the wrapper is dropped and the step returns
 * {@code v} itself (no allocation). Any other {@code return x} becomes {@code return await(awaitableReturn(x))}: the
 * task waits for {@code x} (without suspending if it is done) and finishes with its value or its exception.
 */
final class ReturnAdoption {
    private ReturnAdoption() {
    }

    static void process(MethodNode method) {
        InsnList insns = method.instructions;
        for (AbstractInsnNode insn = insns.getFirst(); insn != null; insn = insn.getNext()) {
            if (insn.getOpcode() != Opcodes.ARETURN) {
                continue;
            }
            AbstractInsnNode previous = insn.getPrevious();
            if (isCompletedWrapper(previous)) {
                insns.remove(previous);
                continue;
            }
            InsnList adopt = new InsnList();
            adopt.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.SUPPORT, "awaitableReturn",
                    "(Ljava/lang/Object;)L" + Names.FUTURE + ";", false));
            adopt.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Names.AWAIT, "await", Names.AWAIT_FUTURE_DESC, false));
            insns.insertBefore(insn, adopt);
        }
    }

    /** The call right before a return, with no label between them that a jump could land on. */
    private static boolean isCompletedWrapper(AbstractInsnNode insn) {
        if (!(insn instanceof MethodInsnNode m) || m.getOpcode() != Opcodes.INVOKESTATIC) {
            return false;
        }
        return (Names.TASK.equals(m.owner) && "completed".equals(m.name)
                && ("(Ljava/lang/Object;)L" + Names.TASK + ";").equals(m.desc))
                || (Names.COMPLETABLE_FUTURE.equals(m.owner) && "completedFuture".equals(m.name)
                && ("(Ljava/lang/Object;)L" + Names.COMPLETABLE_FUTURE + ";").equals(m.desc));
    }
}
