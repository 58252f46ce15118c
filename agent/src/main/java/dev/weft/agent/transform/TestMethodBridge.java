package dev.weft.agent.transform;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * The {@code void} twin of an {@code @Async} JUnit test or lifecycle method (issue #16). JUnit Jupiter runs only
 * methods that return {@code void} and refuses the rest ("must not return a value. It will not be executed"), so
 * an {@code @Async} method annotated directly with one of JUnit's test or lifecycle annotations gets a twin: a
 * {@code void} method of the same name and parameters that takes over the method's runtime-visible annotations
 * and parameter annotations (JUnit then finds the twin, with the test's name, display name, tags, timeouts and
 * argument sources) and whose code is
 * <pre>{@code
 * void shouldAnswer(int x) { TestEntry.run(() -> shouldAnswer(x)); }   // the lambda calls the async entry
 * }</pre>
 * {@code dev.weft.runtime.TestEntry.run} runs the task on the test's loop (the async-test module's
 * {@code AsyncTest.runTest}) or on a loop of its own, and throws the task's original exception. The async method
 * keeps its name, descriptor and code, so calls to it still get the task; the JVM tells the two apart by return
 * type. Composed annotations (an annotation of the user's carrying {@code @Test}) are not looked through.
 */
final class TestMethodBridge {
    /** JUnit Jupiter's annotations that make a method a test or lifecycle method. */
    static final Set<String> JUNIT_ENTRY_POINTS = Set.of(
            "Lorg/junit/jupiter/api/Test;",
            "Lorg/junit/jupiter/api/RepeatedTest;",
            "Lorg/junit/jupiter/api/TestTemplate;",
            "Lorg/junit/jupiter/params/ParameterizedTest;",
            "Lorg/junit/jupiter/api/BeforeEach;",
            "Lorg/junit/jupiter/api/AfterEach;",
            "Lorg/junit/jupiter/api/BeforeAll;",
            "Lorg/junit/jupiter/api/AfterAll;");

    static final String TEST_ENTRY = "dev/weft/runtime/TestEntry";
    private static final Handle METAFACTORY = new Handle(Opcodes.H_INVOKESTATIC,
            "java/lang/invoke/LambdaMetafactory", "metafactory",
            "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;"
                    + "Ljava/lang/invoke/MethodType;Ljava/lang/invoke/MethodHandle;Ljava/lang/invoke/MethodType;)"
                    + "Ljava/lang/invoke/CallSite;", false);

    private TestMethodBridge() {
    }

    /** True when {@code entry} (an async method's entry, before it is written) needs a void twin. */
    static boolean needed(ClassContext ctx, MethodNode entry) {
        if (ctx.version < Opcodes.V1_8 || Type.getReturnType(entry.desc).getSort() == Type.VOID
                || entry.visibleAnnotations == null || (entry.access & Opcodes.ACC_SYNTHETIC) != 0) {
            return false;
        }
        for (AnnotationNode a : entry.visibleAnnotations) {
            if (JUNIT_ENTRY_POINTS.contains(a.desc)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The twin of {@code entry}; moves {@code entry}'s runtime-visible annotations (method and parameters) to it.
     *
     * @param line the method's first source line, for the twin's one line entry (0: none)
     */
    static MethodNode twin(ClassContext ctx, MethodNode entry, int line) {
        boolean isStatic = (entry.access & Opcodes.ACC_STATIC) != 0;
        int access = entry.access & (Opcodes.ACC_PUBLIC | Opcodes.ACC_PROTECTED | Opcodes.ACC_PRIVATE
                | Opcodes.ACC_STATIC | Opcodes.ACC_FINAL);
        Type[] parameters = Type.getArgumentTypes(entry.desc);
        String twinDesc = Type.getMethodDescriptor(Type.VOID_TYPE, parameters);
        MethodNode twin = new MethodNode(Opcodes.ASM9, access, entry.name, twinDesc, null,
                entry.exceptions == null ? null : entry.exceptions.toArray(new String[0]));
        twin.visibleAnnotations = entry.visibleAnnotations;
        twin.visibleParameterAnnotations = entry.visibleParameterAnnotations;
        twin.visibleAnnotableParameterCount = entry.visibleAnnotableParameterCount;
        twin.parameters = entry.parameters == null ? null : new ArrayList<>(entry.parameters);
        entry.visibleAnnotations = null;
        entry.visibleParameterAnnotations = null;
        entry.visibleAnnotableParameterCount = 0;

        InsnList code = twin.instructions;
        if (line > 0) {
            LabelNode start = new LabelNode();
            code.add(start);
            code.add(new LineNumberNode(line, start));
        }
        List<Type> captured = new ArrayList<>();
        int slot = 0;
        if (!isStatic) {
            code.add(new VarInsnNode(Opcodes.ALOAD, 0));
            captured.add(Type.getObjectType(ctx.name));
            slot = 1;
        }
        for (Type p : parameters) {
            code.add(new VarInsnNode(p.getOpcode(Opcodes.ILOAD), slot));
            captured.add(p);
            slot += p.getSize();
        }
        int kind;
        if (isStatic) {
            kind = Opcodes.H_INVOKESTATIC;
        } else if ((entry.access & Opcodes.ACC_PRIVATE) != 0) {
            kind = Opcodes.H_INVOKESPECIAL;
        } else if (ctx.isInterface) {
            kind = Opcodes.H_INVOKEINTERFACE;
        } else {
            kind = Opcodes.H_INVOKEVIRTUAL;
        }
        Handle target = new Handle(kind, ctx.name, entry.name, entry.desc, ctx.isInterface);
        code.add(new InvokeDynamicInsnNode("get",
                Type.getMethodDescriptor(Type.getType("Ljava/util/function/Supplier;"), captured.toArray(new Type[0])),
                METAFACTORY, Type.getType("()Ljava/lang/Object;"), target,
                Type.getMethodType(Type.getReturnType(entry.desc))));
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, TEST_ENTRY, "run", "(Ljava/util/function/Supplier;)V",
                false));
        code.add(new InsnNode(Opcodes.RETURN));
        twin.maxLocals = slot;
        twin.maxStack = Math.max(1, captured.stream().mapToInt(Type::getSize).sum());
        return twin;
    }
}
