package dev.weft.agent.transform;

import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Writes the coroutine frame of one async method: a final subclass of {@code Task} in the same package,
 * holding the label and the saved values, whose {@code step} calls the body method in the host class. Task,
 * frame and waiter registration are one object; the code stays in the host class, so stack traces, line
 * numbers, the debugger and access to private members are those of the source.
 */
final class FrameClassWriter {
    private FrameClassWriter() {
    }

    static byte[] write(ClassContext ctx, StateMachineBuilder.FrameLayout layout, String bodyName) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        String frame = layout.frameClass();
        cw.visit(ctx.version, Opcodes.ACC_FINAL | Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC, frame, null,
                Names.TASK, null);
        if (ctx.sourceFile != null) {
            cw.visitSource(ctx.sourceFile, null);
        }
        cw.visitAnnotation(Names.TRANSFORMED_DESC, false).visitEnd();
        cw.visitField(Opcodes.ACC_SYNTHETIC, "label", "I", null, null).visitEnd();
        for (String[] f : layout.fields()) {
            cw.visitField(Opcodes.ACC_SYNTHETIC, f[0], f[1], null, null).visitEnd();
        }

        MethodVisitor init = cw.visitMethod(0, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, Names.TASK, "<init>", "()V", false);
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();

        MethodVisitor step = cw.visitMethod(Opcodes.ACC_PROTECTED, "step",
                "(Ljava/lang/Object;Ljava/lang/Throwable;)Ljava/lang/Object;", null,
                new String[] {"java/lang/Throwable"});
        step.visitCode();
        step.visitVarInsn(Opcodes.ALOAD, 0);
        step.visitVarInsn(Opcodes.ALOAD, 1);
        step.visitVarInsn(Opcodes.ALOAD, 2);
        step.visitMethodInsn(Opcodes.INVOKESTATIC, ctx.name, bodyName,
                "(L" + frame + ";Ljava/lang/Object;Ljava/lang/Throwable;)Ljava/lang/Object;", ctx.isInterface);
        step.visitInsn(Opcodes.ARETURN);
        step.visitMaxs(0, 0);
        step.visitEnd();

        cw.visitEnd();
        return cw.toByteArray();
    }
}
