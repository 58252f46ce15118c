package dev.weft.agent.transform;

import java.util.List;
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

    /** The field holding the receiver of an instance method's frame, never cleared: the body runs on it. */
    static final String SELF = "self";

    static String selfDesc(String host) {
        return "L" + host + ";";
    }

    /** What the frame class declares: the saved-value fields ({name, descriptor}) and the line of each await. */
    record Layout(String frameClass, List<String[]> fields, String methodName, int[] awaitLines) {
    }

    /**
     * {@code StackTraceElement awaitSite()}: where the suspended method waits, for async stack traces
     * ({@code Task.asyncStackTrace()}): the host class, the method and the line of the await the label names.
     */
    private static void writeAwaitSite(ClassWriter cw, ClassContext ctx, Layout layout) {
        int[] lines = layout.awaitLines();
        MethodVisitor m = cw.visitMethod(Opcodes.ACC_PROTECTED, "awaitSite", "()Ljava/lang/StackTraceElement;",
                null, null);
        m.visitCode();
        m.visitTypeInsn(Opcodes.NEW, "java/lang/StackTraceElement");
        m.visitInsn(Opcodes.DUP);
        m.visitLdcInsn(ctx.name.replace('/', '.'));
        m.visitLdcInsn(layout.methodName());
        if (ctx.sourceFile != null) {
            m.visitLdcInsn(ctx.sourceFile);
        } else {
            m.visitInsn(Opcodes.ACONST_NULL);
        }
        // line = LINES[label], as a switch (no static array to initialise)
        org.objectweb.asm.Label[] cases = new org.objectweb.asm.Label[lines.length];
        org.objectweb.asm.Label unknown = new org.objectweb.asm.Label();
        org.objectweb.asm.Label done = new org.objectweb.asm.Label();
        for (int i = 0; i < cases.length; i++) {
            cases[i] = new org.objectweb.asm.Label();
        }
        m.visitVarInsn(Opcodes.ALOAD, 0);
        m.visitMethodInsn(Opcodes.INVOKEVIRTUAL, layout.frameClass(), "label", "()I", false);
        m.visitTableSwitchInsn(0, lines.length - 1, unknown, cases);
        for (int i = 0; i < cases.length; i++) {
            m.visitLabel(cases[i]);
            m.visitLdcInsn(lines[i] > 0 ? lines[i] : -1);
            m.visitJumpInsn(Opcodes.GOTO, done);
        }
        m.visitLabel(unknown);
        m.visitLdcInsn(-1);
        m.visitLabel(done);
        m.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/StackTraceElement", "<init>",
                "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;I)V", false);
        m.visitInsn(Opcodes.ARETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
    }

    /**
     * The resume point lives in Task's packed word, behind protected final methods the host's body (in the host
     * class, not a subclass of Task) cannot call: the frame gives it two package-private synthetic doors to them,
     * which the JIT inlines.
     */
    private static void writeLabelAccess(ClassWriter cw) {
        MethodVisitor get = cw.visitMethod(Opcodes.ACC_FINAL | Opcodes.ACC_SYNTHETIC, Names.FRAME_LABEL, "()I",
                null, null);
        get.visitCode();
        get.visitVarInsn(Opcodes.ALOAD, 0);
        get.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Names.TASK, "label", "()I", false);
        get.visitInsn(Opcodes.IRETURN);
        get.visitMaxs(0, 0);
        get.visitEnd();
        MethodVisitor set = cw.visitMethod(Opcodes.ACC_FINAL | Opcodes.ACC_SYNTHETIC, Names.FRAME_SET_LABEL, "(I)V",
                null, null);
        set.visitCode();
        set.visitVarInsn(Opcodes.ALOAD, 0);
        set.visitVarInsn(Opcodes.ILOAD, 1);
        set.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Names.TASK, "setLabel", "(I)V", false);
        set.visitInsn(Opcodes.RETURN);
        set.visitMaxs(0, 0);
        set.visitEnd();
    }

    /**
     * @param method the async method (its name, descriptor and access, which the body shares but for the frame,
     *     sent and thrown it takes after the method's own parameters)
     */
    static byte[] write(ClassContext ctx, Layout layout, org.objectweb.asm.tree.MethodNode method) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected String getCommonSuperClass(String a, String b) {
                return "java/lang/Object"; // only primitives and one class meet in awaitSite's frames
            }
        };
        String frame = layout.frameClass();
        cw.visit(ctx.version, Opcodes.ACC_FINAL | Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC, frame, null,
                Names.TASK, null);
        if (ctx.sourceFile != null) {
            cw.visitSource(ctx.sourceFile, null);
        }
        cw.visitAnnotation(Names.TRANSFORMED_DESC, false).visitEnd();
        boolean isStatic = (method.access & Opcodes.ACC_STATIC) != 0;
        if (!isStatic) {
            cw.visitField(Opcodes.ACC_SYNTHETIC, SELF, selfDesc(ctx.name), null, null).visitEnd();
        }
        for (String[] f : layout.fields()) {
            cw.visitField(Opcodes.ACC_SYNTHETIC, f[0], f[1], null, null).visitEnd();
        }

        writeLabelAccess(cw);

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
        // host.name(placeholders for the parameters, which the body restores as it needs, this, sent, thrown)
        if (!isStatic) {
            step.visitVarInsn(Opcodes.ALOAD, 0);
            step.visitFieldInsn(Opcodes.GETFIELD, frame, SELF, selfDesc(ctx.name));
        }
        for (org.objectweb.asm.Type t : org.objectweb.asm.Type.getArgumentTypes(method.desc)) {
            switch (t.getSort()) {
                case org.objectweb.asm.Type.LONG -> step.visitInsn(Opcodes.LCONST_0);
                case org.objectweb.asm.Type.FLOAT -> step.visitInsn(Opcodes.FCONST_0);
                case org.objectweb.asm.Type.DOUBLE -> step.visitInsn(Opcodes.DCONST_0);
                case org.objectweb.asm.Type.OBJECT, org.objectweb.asm.Type.ARRAY -> step.visitInsn(Opcodes.ACONST_NULL);
                default -> step.visitInsn(Opcodes.ICONST_0);
            }
        }
        step.visitVarInsn(Opcodes.ALOAD, 0);
        step.visitVarInsn(Opcodes.ALOAD, 1);
        step.visitVarInsn(Opcodes.ALOAD, 2);
        StateMachineEntry.callBody(ctx, method, frame).accept(step);
        step.visitInsn(Opcodes.ARETURN);
        step.visitMaxs(0, 0);
        step.visitEnd();

        writeAwaitSite(cw, ctx, layout);
        cw.visitEnd();
        return cw.toByteArray();
    }
}
