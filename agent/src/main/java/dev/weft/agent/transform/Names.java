package dev.weft.agent.transform;

import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;

/** The runtime names generated code refers to, in one place. */
final class Names {
    private Names() {
    }

    static final String ASYNC_DESC = "Ldev/weft/Async;";
    /** Invisible class annotation that marks a class as already rewritten. */
    static final String TRANSFORMED_DESC = "Ldev/weft/Transformed;";

    static final String AWAIT = "dev/weft/runtime/Await";
    static final String FUTURE = "dev/weft/runtime/Future";
    static final String TASK = "dev/weft/runtime/Task";
    /** The frame's package-private doors to Task's protected {@code label()} / {@code setLabel(int)}. */
    static final String FRAME_LABEL = "weft$label";
    static final String FRAME_SET_LABEL = "weft$setLabel";
    static final String SUPPORT = "dev/weft/runtime/CoroutineSupport";
    static final String COMPLETION_STAGE = "java/util/concurrent/CompletionStage";
    static final String COMPLETABLE_FUTURE = "java/util/concurrent/CompletableFuture";

    static final String AWAIT_FUTURE_DESC = "(L" + FUTURE + ";)Ljava/lang/Object;";
    static final String AWAIT_STAGE_DESC = "(L" + COMPLETION_STAGE + ";)Ljava/lang/Object;";
    /** {@code await(future, Class<X> thrown)}: the same await, declared {@code throws X}. */
    static final String AWAIT_FUTURE_THROWS_DESC = "(L" + FUTURE + ";Ljava/lang/Class;)Ljava/lang/Object;";
    static final String AWAIT_STAGE_THROWS_DESC = "(L" + COMPLETION_STAGE + ";Ljava/lang/Class;)Ljava/lang/Object;";


    /** A call of {@code Await.await}, in any of its four forms. */
    static boolean isAwait(AbstractInsnNode insn) {
        return insn instanceof MethodInsnNode m && m.getOpcode() == org.objectweb.asm.Opcodes.INVOKESTATIC
                && AWAIT.equals(m.owner) && "await".equals(m.name)
                && (AWAIT_FUTURE_DESC.equals(m.desc) || AWAIT_STAGE_DESC.equals(m.desc)
                || AWAIT_FUTURE_THROWS_DESC.equals(m.desc) || AWAIT_STAGE_THROWS_DESC.equals(m.desc));
    }

    /** The return kinds an async method may declare. */
    static boolean isAsyncReturnType(Type returnType) {
        if (returnType.getSort() != Type.OBJECT) {
            return false;
        }
        String n = returnType.getInternalName();
        return TASK.equals(n) || COMPLETABLE_FUTURE.equals(n) || COMPLETION_STAGE.equals(n);
    }
}
