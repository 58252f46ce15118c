package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.objectweb.asm.Opcodes.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.util.Textifier;
import org.objectweb.asm.util.TraceMethodVisitor;

/**
 * {@link EmittedCodeCheck} against the JVM's own verifier: each case is a class the JVM links (or refuses, with a
 * {@link VerifyError}) in a fresh class loader, and the check must say the same. Its promise is no false accept
 * (a class it passes always verifies) and no false reject (it refuses only what the JVM refuses).
 *
 * <p>Two parts: targeted cases, hand-assembled with ASM, one rule of JVMS 4.10.1 each; and a mutation fuzzer over
 * what the transformer writes for the sources of other tests: random small edits of the rewritten methods (entries
 * and {@code async$} bodies, and now and then a frame class), frames recomputed by ASM or kept, or edits of the
 * stack map frames themselves, each mutant judged by both.
 * The fuzzer runs {@value #DEFAULT_MUTANTS} seeded mutants; more with {@code -Dweft.verifycheck.mutants=20000}, another
 * series with {@code -Dweft.verifycheck.seed=N} (mutant {@code k} of a run has seed {@code N + k}: rerun one alone
 * with its seed and {@code mutants=1}).
 */
class EmittedCodeCheckTest {
    static final int DEFAULT_MUTANTS = 2000;
    static final long DEFAULT_SEED = 20_250_601L;

    private static final String P = "demo/vc/";
    private static final String C = P + "C";
    private static final ClassHierarchy.ClassFileSource TEST_CLASSES =
            ClassHierarchy.resourcesOf(EmittedCodeCheckTest.class.getClassLoader());

    // ======================================================================================== verdicts

    /** The two verdicts on one class: the JVM's error (null: it links) and the check's failures. */
    record Verdicts(LinkageError jvm, List<EmittedCodeCheck.Failure> check) {
        boolean jvmAccepts() {
            return jvm == null;
        }

        boolean checkAccepts() {
            return check.isEmpty();
        }
    }

    /** Class files: the given ones, then the test class loader's (the JDK and the runtime). */
    static ClassHierarchy.ClassFileSource source(Map<String, byte[]> classes) {
        Map<String, byte[]> copy = Map.copyOf(classes);
        return name -> {
            byte[] b = copy.get(name);
            return b != null ? b : TEST_CLASSES.find(name);
        };
    }

    /**
     * Links {@code target} in a fresh loader holding {@code classes}, after defining {@code first} (the generated
     * frame classes, as an agent must): the JVM verifies it then. Returns the error, or null when it links.
     */
    static LinkageError jvm(Map<String, byte[]> classes, List<String> first, String target) {
        AsyncTestSupport.assertJvmVerifierOn();
        MapClassLoader loader = new MapClassLoader("weft-verifycheck", classes, EmittedCodeCheckTest.class.getClassLoader());
        try {
            for (String name : first) {
                loader.define(name);
            }
            loader.define(target).getDeclaredMethods();
            return null;
        } catch (LinkageError e) {
            return e;
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    /** The check of every method of {@code bytes}, the hierarchy and member flags read from {@code known}. */
    static List<EmittedCodeCheck.Failure> check(byte[] bytes, Map<String, byte[]> known) {
        ClassHierarchy.ClassFileSource source = source(known);
        return EmittedCodeCheck.check(bytes, ClassHierarchy.of(source), source, (n, d) -> true);
    }

    static String name(byte[] classFile) {
        return new ClassReader(classFile).getClassName();
    }

    /** Both verdicts on {@code target}; the JVM sees {@code target} and {@code jvmClasses}, the check {@code checkClasses}. */
    static Verdicts verdicts(byte[] target, Map<String, byte[]> jvmClasses, Map<String, byte[]> checkClasses) {
        Map<String, byte[]> all = new HashMap<>(jvmClasses);
        all.put(name(target), target);
        Map<String, byte[]> known = new HashMap<>(checkClasses);
        known.put(name(target), target);
        return new Verdicts(jvm(all, List.of(), name(target)), check(target, known));
    }

    static Map<String, byte[]> byName(byte[]... classes) {
        Map<String, byte[]> map = new HashMap<>();
        for (byte[] c : classes) {
            map.put(name(c), c);
        }
        return map;
    }

    /** Asserts that the JVM and the check both accept {@code target} ({@code accepts}) or both refuse it. */
    static void agree(boolean accepts, byte[] target, byte[]... others) {
        agree(accepts, verdicts(target, byName(others), byName(others)), target);
    }

    static void agree(boolean accepts, Verdicts v, byte[] target) {
        String detail = "\nJVM: " + (v.jvm() == null ? "links it" : v.jvm()) + "\ncheck: "
                + (v.checkAccepts() ? "passes it" : v.check()) + "\n" + AsyncTestSupport.textify(target);
        assertEquals(accepts, v.jvmAccepts(), () -> "the JVM's verdict is not the one this case expects" + detail);
        assertEquals(accepts, v.checkAccepts(), () -> (accepts ? "false reject" : "false accept") + detail);
    }

    // ======================================================================================== assembling

    /** A class with frames computed by ASM, common super classes from the class files the check reads too. */
    static byte[] computed(String name, String superName, Consumer<ClassVisitor> members, byte[]... known) {
        return computed(name, superName, null, members, known);
    }

    static byte[] computed(String name, String superName, String[] interfaces, Consumer<ClassVisitor> members,
                           byte[]... known) {
        ClassHierarchy h = ClassHierarchy.of(source(byName(known)));
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected String getCommonSuperClass(String a, String b) {
                return h.commonSuperClass(a, b);
            }
        };
        return write(cw, name, superName, interfaces, members);
    }

    /** A class whose stack map frames are the ones the test writes (visitFrame F_NEW); maxima computed. */
    static byte[] framed(String name, String superName, Consumer<ClassVisitor> members) {
        return write(new ClassWriter(ClassWriter.COMPUTE_MAXS), name, superName, null, members);
    }

    private static byte[] write(ClassWriter cw, String name, String superName, String[] interfaces,
                                Consumer<ClassVisitor> members) {
        cw.visit(V17, ACC_PUBLIC | ACC_SUPER | (interfaces == null ? 0 : ACC_ABSTRACT), name, null, superName,
                interfaces);
        members.accept(cw);
        cw.visitEnd();
        return cw.toByteArray();
    }

    static void method(ClassVisitor cv, int access, String name, String desc, Consumer<MethodVisitor> code) {
        MethodVisitor mv = cv.visitMethod(access, name, desc, null, null);
        mv.visitCode();
        code.accept(mv);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** {@code C} with one {@code static void m()} whose code is {@code code}. */
    static byte[] staticVoid(Consumer<MethodVisitor> code, byte[]... known) {
        return computed(C, "java/lang/Object", cv -> method(cv, ACC_STATIC, "m", "()V", code), known);
    }

    /** {@code static void m() { take((to) (from) null); }}: a value of type {@code from} where {@code to} is expected. */
    static byte[] passing(String from, String to, byte[]... known) {
        return staticVoid(mv -> {
            mv.visitInsn(ACONST_NULL);
            mv.visitTypeInsn(CHECKCAST, from);
            mv.visitMethodInsn(INVOKESTATIC, C, "take", "(" + Type.getObjectType(to).getDescriptor() + ")V", false);
            mv.visitInsn(RETURN);
        }, known);
    }

    static void newObject(MethodVisitor mv, String type) {
        mv.visitTypeInsn(NEW, type);
    }

    static void init(MethodVisitor mv, String type) {
        mv.visitMethodInsn(INVOKESPECIAL, type, "<init>", "()V", false);
    }

    // ======================================================================================== targeted cases

    @Nested
    class ObjectsUnderConstruction {
        @Test
        void storedInAField() {
            agree(false, computed(C, "java/lang/Object", cv -> {
                cv.visitField(ACC_STATIC, "f", "Ljava/lang/Object;", null, null);
                method(cv, ACC_STATIC, "m", "()V", mv -> {
                    newObject(mv, "java/lang/Object");
                    mv.visitFieldInsn(PUTSTATIC, C, "f", "Ljava/lang/Object;");
                    mv.visitInsn(RETURN);
                });
            }));
            agree(false, computed(C, "java/lang/Object", cv -> {
                cv.visitField(0, "g", "Ljava/lang/Object;", null, null);
                method(cv, 0, "m", "()V", mv -> {
                    mv.visitVarInsn(ALOAD, 0);
                    newObject(mv, "java/lang/Object");
                    mv.visitFieldInsn(PUTFIELD, C, "g", "Ljava/lang/Object;");
                    mv.visitInsn(RETURN);
                });
            }));
            agree(true, computed(C, "java/lang/Object", cv -> {
                cv.visitField(ACC_STATIC, "f", "Ljava/lang/Object;", null, null);
                method(cv, ACC_STATIC, "m", "()V", mv -> {
                    newObject(mv, "java/lang/Object");
                    mv.visitInsn(DUP);
                    init(mv, "java/lang/Object");
                    mv.visitFieldInsn(PUTSTATIC, C, "f", "Ljava/lang/Object;");
                    mv.visitInsn(RETURN);
                });
            }));
        }

        @Test
        void passedAsArgumentOrReceiver() {
            agree(false, staticVoid(mv -> {
                newObject(mv, "java/lang/Object");
                mv.visitMethodInsn(INVOKESTATIC, C, "take", "(Ljava/lang/Object;)V", false);
                mv.visitInsn(RETURN);
            }));
            agree(false, staticVoid(mv -> {
                newObject(mv, "java/lang/Object");
                mv.visitMethodInsn(INVOKEVIRTUAL, "java/lang/Object", "hashCode", "()I", false);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
        }

        @Test
        void returned() {
            agree(false, computed(C, "java/lang/Object", cv -> method(cv, ACC_STATIC, "m", "()Ljava/lang/Object;", mv -> {
                newObject(mv, "java/lang/Object");
                mv.visitInsn(ARETURN);
            })));
        }

        @Test
        void castThrownTestedOrStoredInAnArray() {
            agree(false, staticVoid(mv -> {
                newObject(mv, "java/lang/Object");
                mv.visitTypeInsn(CHECKCAST, "java/lang/String");
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
            agree(false, staticVoid(mv -> {
                newObject(mv, "java/lang/Object");
                mv.visitTypeInsn(INSTANCEOF, "java/lang/String");
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
            agree(false, staticVoid(mv -> {
                newObject(mv, "java/lang/RuntimeException");
                mv.visitInsn(ATHROW);
            }));
            agree(false, staticVoid(mv -> {
                mv.visitInsn(ICONST_1);
                mv.visitTypeInsn(ANEWARRAY, "java/lang/Object");
                mv.visitInsn(ICONST_0);
                newObject(mv, "java/lang/Object");
                mv.visitInsn(AASTORE);
                mv.visitInsn(RETURN);
            }));
        }

        @Test
        void comparedTestedForNullLockedAndConstructedAreFine() {
            agree(true, staticVoid(mv -> {
                Label next = new Label();
                newObject(mv, "java/lang/Object");
                mv.visitInsn(DUP);
                mv.visitJumpInsn(IFNULL, next);
                mv.visitLabel(next);
                init(mv, "java/lang/Object");
                mv.visitInsn(RETURN);
            }));
            agree(true, staticVoid(mv -> {
                Label next = new Label();
                newObject(mv, "java/lang/Object");
                mv.visitInsn(DUP);
                mv.visitInsn(DUP);
                mv.visitJumpInsn(IF_ACMPNE, next);
                mv.visitLabel(next);
                init(mv, "java/lang/Object");
                mv.visitInsn(RETURN);
            }));
            agree(true, staticVoid(mv -> {
                newObject(mv, "java/lang/Object");
                mv.visitInsn(DUP);
                mv.visitInsn(DUP);
                mv.visitInsn(MONITORENTER);
                mv.visitInsn(MONITOREXIT);
                init(mv, "java/lang/Object");
                mv.visitInsn(RETURN);
            }));
        }

        @Test
        void keptInALocalAcrossABackwardBranch() {
            agree(true, computed(C, "java/lang/Object", cv -> method(cv, ACC_STATIC, "m", "(I)V", mv -> {
                Label loop = new Label();
                newObject(mv, "java/lang/Object");
                mv.visitInsn(DUP);
                mv.visitVarInsn(ASTORE, 1);
                mv.visitLabel(loop);
                mv.visitIincInsn(0, -1);
                mv.visitVarInsn(ILOAD, 0);
                mv.visitJumpInsn(IFGT, loop);
                init(mv, "java/lang/Object");
                mv.visitVarInsn(ALOAD, 1);
                mv.visitMethodInsn(INVOKESTATIC, C, "take", "(Ljava/lang/Object;)V", false);
                mv.visitInsn(RETURN);
            })));
        }

        @Test
        void constructorCalledOnAnObjectAlreadyConstructed() {
            agree(false, staticVoid(mv -> {
                mv.visitLdcInsn("x");
                init(mv, "java/lang/String");
                mv.visitInsn(RETURN);
            }));
            agree(false, staticVoid(mv -> {
                newObject(mv, "java/lang/Object");
                mv.visitInsn(DUP);
                init(mv, "java/lang/Object");
                init(mv, "java/lang/Object");
                mv.visitInsn(RETURN);
            }));
            agree(false, staticVoid(mv -> { // the constructor of another class
                newObject(mv, "java/lang/Object");
                init(mv, "java/lang/String");
                mv.visitInsn(RETURN);
            }));
            agree(false, staticVoid(mv -> { // <init> by another instruction than invokespecial
                newObject(mv, "java/lang/Object");
                mv.visitMethodInsn(INVOKEVIRTUAL, "java/lang/Object", "<init>", "()V", false);
                mv.visitInsn(RETURN);
            }));
        }
    }

    @Nested
    class Locals {
        @Test
        void readingATopLocal() {
            agree(false, staticVoid(mv -> {
                mv.visitVarInsn(ILOAD, 0);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
            agree(false, computed(C, "java/lang/Object", cv -> method(cv, ACC_STATIC, "m", "(Z)V", mv -> {
                Label join = new Label();
                mv.visitVarInsn(ILOAD, 0);
                mv.visitJumpInsn(IFEQ, join);
                mv.visitLdcInsn("set on one path only");
                mv.visitVarInsn(ASTORE, 1);
                mv.visitLabel(join);
                mv.visitVarInsn(ALOAD, 1);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            })));
        }

        /** {@code static void m(long x)} with {@code code}. */
        private byte[] withLong(Consumer<MethodVisitor> code) {
            return computed(C, "java/lang/Object", cv -> method(cv, ACC_STATIC, "m", "(J)V", code));
        }

        @Test
        void longReadAsIntOrSplit() {
            agree(true, withLong(mv -> {
                mv.visitVarInsn(LLOAD, 0);
                mv.visitInsn(POP2);
                mv.visitInsn(RETURN);
            }));
            agree(false, withLong(mv -> {
                mv.visitVarInsn(ILOAD, 0);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
            agree(false, withLong(mv -> { // its second half
                mv.visitVarInsn(ILOAD, 1);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
            agree(false, withLong(mv -> {
                mv.visitVarInsn(DLOAD, 0);
                mv.visitInsn(POP2);
                mv.visitInsn(RETURN);
            }));
            agree(false, withLong(mv -> { // an int over its second half kills it
                mv.visitInsn(ICONST_0);
                mv.visitVarInsn(ISTORE, 1);
                mv.visitVarInsn(LLOAD, 0);
                mv.visitInsn(POP2);
                mv.visitInsn(RETURN);
            }));
            agree(false, withLong(mv -> { // pop of half a long
                mv.visitVarInsn(LLOAD, 0);
                mv.visitInsn(POP);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
        }
    }

    @Nested
    class OperandStack {
        @Test
        void heightMismatchAtAMerge() {
            agree(false, framed(C, "java/lang/Object", cv -> method(cv, ACC_STATIC, "m", "(I)V", mv -> {
                Label join = new Label();
                mv.visitVarInsn(ILOAD, 0);
                mv.visitJumpInsn(IFEQ, join);
                mv.visitInsn(ICONST_1); // falls into the frame with one value more than the jump brings
                mv.visitLabel(join);
                mv.visitFrame(F_NEW, 1, new Object[] {INTEGER}, 0, new Object[0]);
                mv.visitInsn(RETURN);
            })));
        }

        /** A long from one path, two ints from the other, a frame of two tops: fine until the tops are used. */
        private byte[] longMeetsTwoInts(int useOfTheTops) {
            return framed(C, "java/lang/Object", cv -> method(cv, ACC_STATIC, "m", "(I)V", mv -> {
                Label ints = new Label();
                Label join = new Label();
                mv.visitVarInsn(ILOAD, 0);
                mv.visitJumpInsn(IFEQ, ints);
                mv.visitInsn(LCONST_0);
                mv.visitJumpInsn(GOTO, join);
                mv.visitLabel(ints);
                mv.visitFrame(F_NEW, 1, new Object[] {INTEGER}, 0, new Object[0]);
                mv.visitInsn(ICONST_0);
                mv.visitInsn(ICONST_0);
                mv.visitLabel(join);
                mv.visitFrame(F_NEW, 1, new Object[] {INTEGER}, 2, new Object[] {TOP, TOP});
                if (useOfTheTops >= 0) {
                    mv.visitInsn(useOfTheTops);
                }
                mv.visitInsn(RETURN);
            }));
        }

        @Test
        void stacksAreComparedSlotBySlot() {
            agree(true, longMeetsTwoInts(-1));
            agree(false, longMeetsTwoInts(POP2));
            agree(false, longMeetsTwoInts(POP));
            agree(false, longMeetsTwoInts(DUP));
            agree(false, longMeetsTwoInts(SWAP));
        }
    }

    @Nested
    class References {
        @Test
        void classesAndInterfaces() {
            agree(false, passing("java/lang/String", "java/lang/Integer"));
            agree(true, passing("java/lang/String", "java/lang/Object"));
            agree(true, passing("java/lang/String", "java/lang/Runnable")); // an interface is Object to the verifier
            agree(true, passing("java/lang/Integer", "java/lang/Number"));
            agree(false, passing("java/lang/Number", "java/lang/Integer"));
            agree(false, passing("java/lang/Runnable", "java/lang/Integer"));
            agree(true, staticVoid(mv -> {
                mv.visitInsn(ACONST_NULL);
                mv.visitMethodInsn(INVOKESTATIC, C, "take", "(Ljava/lang/Integer;)V", false);
                mv.visitInsn(RETURN);
            }));
        }

        @Test
        void arrays() {
            agree(false, passing("[I", "[Ljava/lang/Object;"));
            agree(true, passing("[Ljava/lang/String;", "[Ljava/lang/Object;"));
            agree(true, passing("[[I", "[Ljava/lang/Object;"));
            agree(true, passing("[Ljava/lang/String;", "[Ljava/lang/Runnable;"));
            agree(false, passing("[Ljava/lang/Object;", "[Ljava/lang/String;"));
            agree(false, passing("[Ljava/lang/String;", "java/lang/Runnable")); // arrays implement no other interface
            agree(true, passing("[Ljava/lang/String;", "java/lang/Cloneable"));
            agree(true, passing("[I", "java/io/Serializable"));
            agree(true, passing("[I", "java/lang/Object"));
            agree(false, passing("[I", "java/lang/Number"));
            agree(false, passing("[B", "[Z"));
            agree(false, passing("[I", "[J"));
            agree(false, passing("[[I", "[[J"));
            agree(false, passing("[[I", "[[Ljava/lang/Object;"));
            agree(false, passing("java/lang/Object", "[Ljava/lang/Object;"));
        }

        /** {@code array[0] = value} with the two given types. */
        private byte[] arrayStore(String array, String value, int opcode) {
            return staticVoid(mv -> {
                mv.visitInsn(ACONST_NULL);
                mv.visitTypeInsn(CHECKCAST, array);
                mv.visitInsn(ICONST_0);
                if (value == null) {
                    mv.visitInsn(ICONST_0);
                } else {
                    mv.visitInsn(ACONST_NULL);
                    mv.visitTypeInsn(CHECKCAST, value);
                }
                mv.visitInsn(opcode);
                mv.visitInsn(RETURN);
            });
        }

        @Test
        void arrayElements() {
            agree(true, arrayStore("[Ljava/lang/String;", "java/lang/Integer", AASTORE)); // checked at run time
            agree(true, arrayStore("[[I", "java/lang/Integer", AASTORE));
            agree(false, arrayStore("[I", "java/lang/Integer", AASTORE));
            agree(false, arrayStore("java/lang/Object", "java/lang/Integer", AASTORE));
            agree(true, arrayStore("[I", null, IASTORE));
            agree(false, arrayStore("[B", null, IASTORE));
            agree(true, arrayStore("[Z", null, BASTORE));
            agree(true, arrayStore("[B", null, BASTORE));
            agree(false, arrayStore("[C", null, BASTORE));
            agree(false, staticVoid(mv -> {
                mv.visitInsn(ACONST_NULL);
                mv.visitTypeInsn(CHECKCAST, "[I");
                mv.visitInsn(ICONST_0);
                mv.visitInsn(AALOAD);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
            agree(true, staticVoid(mv -> {
                mv.visitInsn(ACONST_NULL);
                mv.visitTypeInsn(CHECKCAST, "[[I");
                mv.visitInsn(ICONST_0);
                mv.visitInsn(AALOAD);
                mv.visitInsn(ICONST_0);
                mv.visitInsn(IALOAD);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
            agree(false, staticVoid(mv -> {
                mv.visitLdcInsn("not an array");
                mv.visitInsn(ARRAYLENGTH);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
        }

        @Test
        void thrownValues() {
            agree(false, staticVoid(mv -> {
                mv.visitLdcInsn("not a Throwable");
                mv.visitInsn(ATHROW);
            }));
            agree(true, staticVoid(mv -> {
                mv.visitInsn(ACONST_NULL);
                mv.visitInsn(ATHROW);
            }));
            agree(true, staticVoid(mv -> {
                mv.visitInsn(ACONST_NULL);
                mv.visitTypeInsn(CHECKCAST, "java/lang/IllegalStateException");
                mv.visitInsn(ATHROW);
            }));
        }
    }

    /** Classes whose files the check cannot read, though the JVM finds them. */
    @Nested
    class UnknownClasses {
        final byte[] base = computed(P + "Base", "java/lang/Object", cv -> {
        });
        final byte[] hidden = computed(P + "Hidden", P + "Base", cv -> {
        });
        final byte[] stranger = computed(P + "Stranger", "java/lang/Object", cv -> {
        });

        @Test
        void acceptedWhereAClassIsExpected() {
            byte[] c = passing(P + "Hidden", P + "Base", base);
            agree(true, verdicts(c, byName(base, hidden), byName(base)), c);
        }

        @Test
        void neverWhereAnArrayIsExpected() {
            byte[] c = passing(P + "Hidden", "[Ljava/lang/Object;", base);
            agree(false, verdicts(c, byName(base, hidden), byName(base)), c);
        }

        /**
         * The limit of what the check can know: a class it cannot read, passed where a class it does not extend is
         * expected. The JVM refuses it; the check cannot tell, and accepts (the transformer's hierarchy reads every
         * class file the transformed code names from the same class path the JVM loads from).
         */
        @Test
        void documentedLimitAnUnrelatedClassTheCheckCannotRead() {
            byte[] c = passing(P + "Stranger", P + "Base", base);
            Verdicts v = verdicts(c, byName(base, stranger), byName(base));
            assertTrue(v.jvm() instanceof VerifyError, () -> "the JVM links " + AsyncTestSupport.textify(c));
            assertTrue(v.checkAccepts(), () -> "the check refuses " + v.check());
            agree(false, verdicts(c, byName(base, stranger), byName(base, stranger)), c); // with the class file
        }
    }

    @Nested
    class StackMapFrames {
        /** {@code static void m(Object o) { o = "s"; goto L; L: [frame: local 0 is frameType] return; }} */
        private byte[] jumpWith(Object frameType) {
            return framed(C, "java/lang/Object", cv -> method(cv, ACC_STATIC, "m", "(Ljava/lang/Object;)V", mv -> {
                Label target = new Label();
                mv.visitLdcInsn("s");
                mv.visitVarInsn(ASTORE, 0);
                mv.visitJumpInsn(GOTO, target);
                mv.visitLabel(target);
                mv.visitFrame(F_NEW, 1, new Object[] {frameType}, 0, new Object[0]);
                mv.visitInsn(RETURN);
            }));
        }

        @Test
        void jumpIntoCodeWhoseFrameIsWrong() {
            agree(false, jumpWith("java/lang/Integer"));
            agree(false, jumpWith(NULL));
            agree(false, jumpWith(INTEGER));
            agree(false, jumpWith(UNINITIALIZED_THIS));
            agree(true, jumpWith("java/lang/CharSequence"));
            agree(true, jumpWith("java/lang/Object"));
            agree(true, jumpWith(TOP));
        }
    }

    @Nested
    class ExceptionHandlers {
        /**
         * {@code static int m() { try { [x = 1 inside the try when early] mayThrow(); } catch (catchType) {} return x; }}
         * with the handler's frame given.
         */
        private byte[] handler(boolean setInsideTheTry, String catchType, Object[] handlerStack) {
            return framed(C, "java/lang/Object", cv -> method(cv, ACC_STATIC, "m", "()I", mv -> {
                Label start = new Label();
                Label end = new Label();
                Label handler = new Label();
                mv.visitTryCatchBlock(start, end, handler, catchType);
                if (setInsideTheTry) {
                    mv.visitLabel(start);
                }
                mv.visitInsn(ICONST_1);
                mv.visitVarInsn(ISTORE, 0);
                if (!setInsideTheTry) {
                    mv.visitLabel(start);
                }
                mv.visitMethodInsn(INVOKESTATIC, C, "mayThrow", "()V", false);
                mv.visitLabel(end);
                mv.visitVarInsn(ILOAD, 0);
                mv.visitInsn(IRETURN);
                mv.visitLabel(handler);
                mv.visitFrame(F_NEW, 1, new Object[] {INTEGER}, handlerStack.length, handlerStack);
                if (handlerStack.length > 0) {
                    mv.visitInsn(POP);
                }
                mv.visitVarInsn(ILOAD, 0);
                mv.visitInsn(IRETURN);
            }));
        }

        private static final Object[] THROWABLE = {"java/lang/Throwable"};

        @Test
        void handlerExpectsALocalTheTryDoesNotAlwaysSet() {
            agree(false, handler(true, null, THROWABLE));
            agree(true, handler(false, null, THROWABLE));
        }

        @Test
        void handlerFrameMustHoldTheCaughtException() {
            agree(false, handler(false, null, new Object[0]));
            agree(false, handler(false, null, new Object[] {"java/lang/String"}));
            agree(false, handler(false, null, new Object[] {"java/lang/Exception"})); // Throwable is caught
            agree(true, handler(false, "java/lang/RuntimeException", new Object[] {"java/lang/Exception"}));
            agree(true, handler(false, null, new Object[] {"java/lang/Object"}));
            agree(false, handler(false, null, new Object[] {INTEGER}));
        }

        @Test
        void caughtTypeMustBeAThrowable() {
            agree(false, handler(false, "java/lang/String", new Object[] {"java/lang/String"}));
        }
    }

    /** {@code demo/vc/K}, with fields {@code x} and {@code o}, and constructors as the cases give them. */
    @Nested
    class Constructors {
        static final String K = P + "K";

        private byte[] k(String desc, Consumer<MethodVisitor> code) {
            return k(desc, code, false);
        }

        private byte[] k(String desc, Consumer<MethodVisitor> code, boolean framed) {
            Consumer<ClassVisitor> members = cv -> {
                cv.visitField(0, "x", "I", null, null);
                cv.visitField(0, "o", "Ljava/lang/Object;", null, null);
                method(cv, 0, "<init>", desc, code);
                if (!"(I)V".equals(desc)) {
                    method(cv, 0, "<init>", "(I)V", mv -> {
                        mv.visitVarInsn(ALOAD, 0);
                        init(mv, "java/lang/Object");
                        mv.visitInsn(RETURN);
                    });
                }
            };
            return framed ? framed(K, "java/lang/Object", members) : computed(K, "java/lang/Object", members);
        }

        private static void superInit(MethodVisitor mv) {
            mv.visitVarInsn(ALOAD, 0);
            init(mv, "java/lang/Object");
        }

        @Test
        void ownFieldSetBeforeSuper() {
            agree(true, k("()V", mv -> { // javac does this for this$0, and Java 25 for any field
                mv.visitVarInsn(ALOAD, 0);
                mv.visitInsn(ICONST_1);
                mv.visitFieldInsn(PUTFIELD, K, "x", "I");
                superInit(mv);
                mv.visitInsn(RETURN);
            }));
            agree(false, k("()V", mv -> { // not a field it declares
                mv.visitVarInsn(ALOAD, 0);
                mv.visitInsn(ICONST_1);
                mv.visitFieldInsn(PUTFIELD, K, "y", "I");
                superInit(mv);
                mv.visitInsn(RETURN);
            }));
            agree(false, k("()V", mv -> { // read
                mv.visitVarInsn(ALOAD, 0);
                mv.visitFieldInsn(GETFIELD, K, "x", "I");
                mv.visitInsn(POP);
                superInit(mv);
                mv.visitInsn(RETURN);
            }));
            agree(false, k("()V", mv -> { // the field stored is this
                mv.visitVarInsn(ALOAD, 0);
                mv.visitVarInsn(ALOAD, 0);
                mv.visitFieldInsn(PUTFIELD, K, "o", "Ljava/lang/Object;");
                superInit(mv);
                mv.visitInsn(RETURN);
            }));
        }

        @Test
        void inheritedFieldSetBeforeSuper() {
            byte[] k = k("()V", mv -> {
                superInit(mv);
                mv.visitInsn(RETURN);
            });
            for (String owner : new String[] {K, P + "KSub"}) {
                byte[] sub = computed(P + "KSub", K, cv -> method(cv, 0, "<init>", "()V", mv -> {
                    mv.visitVarInsn(ALOAD, 0);
                    mv.visitInsn(ICONST_1);
                    mv.visitFieldInsn(PUTFIELD, owner, "x", "I");
                    mv.visitVarInsn(ALOAD, 0);
                    init(mv, K);
                    mv.visitInsn(RETURN);
                }), k);
                agree(false, sub, k);
            }
        }

        @Test
        void returnWithoutSuper() {
            agree(false, k("()V", mv -> mv.visitInsn(RETURN)));
            agree(false, k("()V", mv -> { // super() on one path only
                Label skip = new Label();
                mv.visitFieldInsn(GETSTATIC, "java/lang/Boolean", "TRUE", "Ljava/lang/Boolean;");
                mv.visitJumpInsn(IFNULL, skip);
                superInit(mv);
                mv.visitLabel(skip);
                mv.visitInsn(RETURN);
            }));
        }

        @Test
        void branchesBeforeSuper() {
            agree(true, k("(Z)V", mv -> {
                Label join = new Label();
                mv.visitVarInsn(ALOAD, 0);
                mv.visitVarInsn(ILOAD, 1);
                mv.visitJumpInsn(IFEQ, join);
                mv.visitLabel(join);
                mv.visitInsn(ICONST_2);
                mv.visitMethodInsn(INVOKESPECIAL, K, "<init>", "(I)V", false);
                mv.visitInsn(RETURN);
            }));
            agree(true, k("(Z)V", mv -> { // super(b ? 1 : 2), the uninitialized this on the stack at the merge
                Label two = new Label();
                Label join = new Label();
                mv.visitVarInsn(ALOAD, 0);
                mv.visitVarInsn(ILOAD, 1);
                mv.visitJumpInsn(IFEQ, two);
                mv.visitInsn(ICONST_1);
                mv.visitJumpInsn(GOTO, join);
                mv.visitLabel(two);
                mv.visitInsn(ICONST_2);
                mv.visitLabel(join);
                mv.visitMethodInsn(INVOKESPECIAL, K, "<init>", "(I)V", false);
                mv.visitInsn(RETURN);
            }));
        }

        /** {@code <init>(I)V}: if (i == 0) throw null; [frame: locals {local0, int}] throw null. */
        private byte[] thrower(boolean overwriteThis, Object local0) {
            return k("(I)V", mv -> {
                Label other = new Label();
                if (overwriteThis) {
                    mv.visitInsn(ACONST_NULL);
                    mv.visitVarInsn(ASTORE, 0);
                }
                mv.visitVarInsn(ILOAD, 1);
                mv.visitJumpInsn(IFEQ, other);
                mv.visitInsn(ACONST_NULL);
                mv.visitInsn(ATHROW);
                mv.visitLabel(other);
                mv.visitFrame(F_NEW, 2, new Object[] {local0, INTEGER}, 0, new Object[0]);
                mv.visitInsn(ACONST_NULL);
                mv.visitInsn(ATHROW);
            }, true);
        }

        @Test
        void thisNotConstructedYetIsAFlagOfTheFrame() {
            agree(true, thrower(false, UNINITIALIZED_THIS)); // a constructor may always throw
            agree(false, thrower(false, TOP)); // the frame lost the flag
            agree(false, thrower(true, TOP)); // this overwritten: the flag stays
            agree(false, thrower(true, NULL));
        }

        @Test
        void superTwiceOrAnotherClassesConstructor() {
            agree(false, k("()V", mv -> {
                superInit(mv);
                superInit(mv);
                mv.visitInsn(RETURN);
            }));
            agree(false, k("()V", mv -> {
                mv.visitVarInsn(ALOAD, 0);
                init(mv, "java/lang/String");
                mv.visitInsn(RETURN);
            }));
            agree(true, k("()V", mv -> { // this(0)
                mv.visitVarInsn(ALOAD, 0);
                mv.visitInsn(ICONST_0);
                mv.visitMethodInsn(INVOKESPECIAL, K, "<init>", "(I)V", false);
                mv.visitInsn(RETURN);
            }));
            agree(false, k("()V", mv -> { // a method of this before super()
                mv.visitVarInsn(ALOAD, 0);
                mv.visitMethodInsn(INVOKEVIRTUAL, "java/lang/Object", "hashCode", "()I", false);
                mv.visitInsn(POP);
                superInit(mv);
                mv.visitInsn(RETURN);
            }));
        }

        @Test
        void superInsideATryBlock() {
            agree(false, k("()V", mv -> {
                Label start = new Label();
                Label end = new Label();
                Label handler = new Label();
                mv.visitTryCatchBlock(start, end, handler, null);
                mv.visitLabel(start);
                superInit(mv);
                mv.visitLabel(end);
                mv.visitInsn(RETURN);
                mv.visitLabel(handler);
                mv.visitInsn(ATHROW);
            }));
        }
    }

    @Nested
    class Invocations {
        @Test
        void invokespecialOnlyOnTheCurrentClassAndItsSupers() {
            agree(false, staticVoid(mv -> { // String is not a super class of C
                mv.visitLdcInsn("s");
                mv.visitMethodInsn(INVOKESPECIAL, "java/lang/String", "length", "()I", false);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
            agree(false, staticVoid(mv -> { // the receiver of super.m() must be a C
                mv.visitLdcInsn("s");
                mv.visitMethodInsn(INVOKESPECIAL, "java/lang/Object", "toString", "()Ljava/lang/String;", false);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
            agree(true, computed(C, "java/lang/Object", cv -> method(cv, 0, "m", "()V", mv -> {
                mv.visitVarInsn(ALOAD, 0);
                mv.visitMethodInsn(INVOKESPECIAL, "java/lang/Object", "toString", "()Ljava/lang/String;", false);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            })));
        }

        @Test
        void interfaceAndClassMethodReferences() {
            agree(false, staticVoid(mv -> {
                mv.visitLdcInsn("s");
                mv.visitMethodInsn(INVOKEINTERFACE, "java/lang/CharSequence", "length", "()I", false);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
            agree(true, staticVoid(mv -> {
                mv.visitLdcInsn("s");
                mv.visitMethodInsn(INVOKEINTERFACE, "java/lang/CharSequence", "length", "()I", true);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
            agree(false, staticVoid(mv -> { // arrays implement no CharSequence
                mv.visitInsn(ICONST_1);
                mv.visitIntInsn(NEWARRAY, T_INT);
                mv.visitMethodInsn(INVOKEINTERFACE, "java/lang/CharSequence", "length", "()I", true);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
        }

        @Test
        void invokespecialOfAnIndirectSuperClassButNotOfAnIndirectSuperInterface() {
            byte[] s1 = computed(P + "S1", "java/lang/Object", cv -> {
            });
            agree(true, computed(P + "S2", P + "S1", cv -> method(cv, 0, "m", "()V", mv -> {
                mv.visitVarInsn(ALOAD, 0);
                mv.visitMethodInsn(INVOKESPECIAL, "java/lang/Object", "toString", "()Ljava/lang/String;", false);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }), s1), s1);
            for (String itf : new String[] {"java/util/List", "java/util/Collection"}) {
                byte[] list = computed(P + "L", "java/lang/Object", new String[] {"java/util/List"},
                        cv -> method(cv, 0, "m", "()V", mv -> {
                            mv.visitVarInsn(ALOAD, 0);
                            mv.visitMethodInsn(INVOKESPECIAL, itf, "isEmpty", "()Z", true);
                            mv.visitInsn(POP);
                            mv.visitInsn(RETURN);
                        }));
                agree(itf.equals("java/util/List"), list);
            }
        }

        @Test
        void protectedConstructorOfASuperClassInAnotherPackage() {
            for (String type : new String[] {"java/lang/ClassLoader", "java/lang/Object"}) {
                agree(type.equals("java/lang/Object"), computed(P + "Loader", "java/lang/ClassLoader",
                        cv -> method(cv, ACC_STATIC, "m", "()V", mv -> {
                            newObject(mv, type);
                            mv.visitInsn(DUP);
                            init(mv, type);
                            mv.visitInsn(POP);
                            mv.visitInsn(RETURN);
                        })));
            }
        }

        /** {@code receiver.clone()} as {@code invokevirtual java/lang/Object.clone}, from {@code C}. */
        private byte[] cloneOf(String receiver) {
            return computed(C, "java/lang/Object", cv -> method(cv, 0, "m", "()V", mv -> {
                if (receiver == null) {
                    mv.visitVarInsn(ALOAD, 0);
                } else {
                    mv.visitInsn(ACONST_NULL);
                    mv.visitTypeInsn(CHECKCAST, receiver);
                }
                mv.visitMethodInsn(INVOKEVIRTUAL, "java/lang/Object", "clone", "()Ljava/lang/Object;", false);
                mv.visitInsn(POP);
                mv.visitInsn(RETURN);
            }));
        }

        @Test
        void protectedMethodOfObject() {
            agree(false, cloneOf("java/lang/String")); // Object.clone is protected, and String is not a C
            agree(true, cloneOf(null));
            agree(true, cloneOf("[I")); // arrays have a public clone
        }

        /** {@code demo/vc/Out extends ByteArrayOutputStream}, reading the protected {@code count} of a {@code type}. */
        private byte[] countOf(String type) {
            return computed(P + "Out", "java/io/ByteArrayOutputStream", cv -> method(cv, ACC_STATIC, "m",
                    "(L" + type + ";)I", mv -> {
                        mv.visitVarInsn(ALOAD, 0);
                        mv.visitFieldInsn(GETFIELD, "java/io/ByteArrayOutputStream", "count", "I");
                        mv.visitInsn(IRETURN);
                    }));
        }

        @Test
        void protectedFieldOfASuperClassInAnotherPackage() {
            agree(false, countOf("java/io/ByteArrayOutputStream"));
            agree(true, countOf(P + "Out"));
        }

        /**
         * Without the member flags of other classes (what {@link AsyncTransformer} passes today), the protected rule
         * is checked only for {@code Object}'s members: the field above is accepted.
         */
        @Test
        void documentedLimitProtectedMembersOfOtherClassesNeedTheirClassFiles() {
            byte[] out = countOf("java/io/ByteArrayOutputStream");
            ClassHierarchy h = ClassHierarchy.of(source(byName(out)));
            assertTrue(EmittedCodeCheck.check(out, h, (n, d) -> true).isEmpty());
            byte[] clone = cloneOf("java/lang/String");
            assertEquals(1, EmittedCodeCheck.check(clone, ClassHierarchy.of(source(byName(clone))), (n, d) -> true)
                    .size());
        }
    }

    // ======================================================================================== the transformer's own output

    /** A class the transformer wrote, with what its loader needs: the classes of its compilation and generated ones. */
    record Subject(String label, Map<String, byte[]> classes, List<String> generated, String target,
                   List<String> methods, ClassHierarchy hierarchy, ClassHierarchy.ClassFileSource source) {
    }

    private static volatile List<Subject> subjects;

    /** Sources of other tests, transformed in both shapes. */
    static List<String> corpus() {
        List<String> sources = new ArrayList<>();
        DifferentialTest.programs().forEach(a -> sources.add((String) a.get()[1]));
        sources.add(UninitializedObjectsTest.CONSTRUCT);
        sources.add(UninitializedObjectsTest.MERGES);
        sources.add(TryCatchFinallyTest.HANDLERS);
        sources.add(AwaitInExpressionsTest.EXPRESSIONS);
        sources.add(AsyncLambdaTest.LAMBDAS);
        return sources;
    }

    static synchronized List<Subject> subjects() {
        if (subjects != null) {
            return subjects;
        }
        List<Subject> list = new ArrayList<>();
        Compilation javac = AsyncTestSupport.javac(corpus().toArray(String[]::new)); // distinct classes, one javac run
        for (boolean compact : new boolean[] {false, true}) {
            Map<String, TransformResult> results = AsyncTestSupport.transformAll(javac, compact);
            Map<String, byte[]> all = new TreeMap<>(javac.classes());
            for (TransformResult r : results.values()) {
                all.putAll(r.generatedClasses());
                all.put(r.className(), r.bytes());
            }
            ClassHierarchy.ClassFileSource classFiles = source(all);
            ClassHierarchy hierarchy = ClassHierarchy.of(classFiles);
            String shape = compact ? " (compact)" : "";
            for (TransformResult r : results.values()) {
                if (!r.changed()) {
                    continue;
                }
                // the frame classes of this host are defined first, the others when the JVM asks for them
                List<String> frames = new ArrayList<>(new TreeMap<>(r.generatedClasses()).keySet());
                List<String> methods = new ArrayList<>(r.rewrittenMethods());
                methods.addAll(r.bodyMethods().values());
                list.add(new Subject(r.className() + shape, all, frames, r.className(), methods, hierarchy,
                        classFiles));
                for (String frame : frames) {
                    List<String> others = new ArrayList<>(frames);
                    others.remove(frame);
                    List<String> frameMethods = new ArrayList<>();
                    for (MethodNode m : AsyncTestSupport.classNode(all.get(frame)).methods) {
                        frameMethods.add(m.name + m.desc);
                    }
                    list.add(new Subject(frame + shape, all, others, frame, frameMethods, hierarchy, classFiles));
                }
            }
        }
        subjects = List.copyOf(list);
        return subjects;
    }

    @Test
    void whatTheTransformerWritesPassesBoth() {
        for (Subject s : subjects()) {
            byte[] bytes = s.classes().get(s.target());
            assertEquals(null, jvm(s.classes(), s.generated(), s.target()), s.label());
            assertEquals(List.of(), EmittedCodeCheck.check(bytes, s.hierarchy(), s.source(), (n, d) -> true),
                    s.label());
        }
    }

    // ======================================================================================== the mutation fuzzer

    /** One mutant: its seed, the edits made, the class file (null when none could be made or ASM could not write it). */
    record Mutant(long seed, Subject subject, String method, List<String> edits, byte[] bytes) {
    }

    /** The mutated method as ASM's Textifier prints it, with the frames ASM computed. */
    static String methodText(byte[] bytes, String methodId) {
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, 0);
        for (MethodNode m : node.methods) {
            if ((m.name + m.desc).equals(methodId)) {
                Textifier text = new Textifier();
                m.accept(new TraceMethodVisitor(text));
                StringWriter out = new StringWriter();
                text.print(new PrintWriter(out));
                return methodId + "\n" + out;
            }
        }
        return "(no method " + methodId + ")";
    }

    static String insnText(AbstractInsnNode insn) {
        Textifier text = new Textifier();
        insn.accept(new TraceMethodVisitor(text));
        StringWriter out = new StringWriter();
        text.print(new PrintWriter(out));
        return out.toString().trim();
    }

    /** A reference type pool for edits, all classes the JVM can load. */
    private static List<String> types(Subject s) {
        List<String> types = new ArrayList<>(List.of("java/lang/Object", "java/lang/String", "java/lang/Integer",
                "java/lang/Runnable", "java/lang/CharSequence", "java/lang/Throwable", "java/lang/RuntimeException",
                "dev/weft/runtime/Task", "dev/weft/runtime/Future", "java/util/List", "[I", "[J",
                "[Ljava/lang/Object;", "[Ljava/lang/String;", "[[I"));
        types.add(s.target());
        types.addAll(s.generated());
        return types;
    }

    private static List<String> descriptors(Subject s) {
        List<String> descs = new ArrayList<>(List.of("I", "J", "F", "D", "Z"));
        for (String t : types(s)) {
            descs.add(Type.getObjectType(t).getDescriptor());
        }
        return descs;
    }

    private static final String[] CAUGHT = {null, "java/lang/Throwable", "java/lang/Exception",
        "java/lang/RuntimeException", "java/lang/IllegalStateException", "java/lang/Error", "java/lang/String",
        "java/lang/Object"};

    private static final int[][] KINDS = {
        {IADD, LADD, FADD, DADD}, {ISUB, LSUB, FSUB, DSUB}, {IMUL, LMUL, FMUL, DMUL},
        {IALOAD, LALOAD, FALOAD, DALOAD, AALOAD, BALOAD, CALOAD, SALOAD},
        {IASTORE, LASTORE, FASTORE, DASTORE, AASTORE, BASTORE, CASTORE, SASTORE},
        {I2L, I2F, I2D, L2I, L2F, L2D, F2I, F2L, F2D, D2I, D2L, D2F, I2B, I2C, I2S},
        {LCMP, FCMPL, FCMPG, DCMPL, DCMPG}, {IRETURN, LRETURN, FRETURN, DRETURN, ARETURN, RETURN, ATHROW},
        {POP, POP2, DUP, DUP_X1, DUP_X2, DUP2, DUP2_X1, DUP2_X2, SWAP, MONITORENTER, MONITOREXIT},
        {ACONST_NULL, ICONST_0, ICONST_1, LCONST_0, FCONST_0, DCONST_0, DCONST_1},
        {ARRAYLENGTH, INEG, LNEG, FNEG, DNEG},
    };

    private static final int[][] JUMP_KINDS = {
        {IFEQ, IFNE, IFLT, IFGE, IFGT, IFLE, IFNULL, IFNONNULL},
        {IF_ICMPEQ, IF_ICMPNE, IF_ICMPLT, IF_ICMPGE, IF_ICMPGT, IF_ICMPLE, IF_ACMPEQ, IF_ACMPNE, GOTO},
    };

    private static int[] kindsOf(int opcode, int[][] groups) {
        for (int[] g : groups) {
            for (int o : g) {
                if (o == opcode) {
                    return g;
                }
            }
        }
        return null;
    }

    private static <T> T pick(Random r, List<T> list) {
        return list.get(r.nextInt(list.size()));
    }

    private static int other(Random r, int[] choices, int current) {
        int o;
        do {
            o = choices[r.nextInt(choices.length)];
        } while (o == current && choices.length > 1);
        return o;
    }

    private static AbstractInsnNode constant(Random r) {
        return switch (r.nextInt(7)) {
            case 0 -> new InsnNode(ICONST_0);
            case 1 -> new InsnNode(LCONST_1);
            case 2 -> new InsnNode(FCONST_0);
            case 3 -> new InsnNode(DCONST_0);
            case 4 -> new InsnNode(ACONST_NULL);
            case 5 -> new LdcInsnNode("weft");
            default -> new IntInsnNode(BIPUSH, 7);
        };
    }

    /** One random edit of {@code m}; its description, or null when the edit chosen does not apply. */
    private static String edit(Random r, MethodNode m, Subject s) {
        InsnList insns = m.instructions;
        List<AbstractInsnNode> real = new ArrayList<>();
        List<LabelNode> labels = new ArrayList<>();
        for (AbstractInsnNode n = insns.getFirst(); n != null; n = n.getNext()) {
            if (n.getOpcode() >= 0) {
                real.add(n);
            } else if (n instanceof LabelNode l) {
                labels.add(l);
            }
        }
        if (real.isEmpty()) {
            return null;
        }
        AbstractInsnNode at = pick(r, real);
        String where = "#" + insns.indexOf(at) + " " + insnText(at);
        switch (r.nextInt(23)) {
            case 0 -> {
                insns.remove(at);
                return "delete " + where;
            }
            case 1 -> {
                AbstractInsnNode next = at.getNext();
                while (next != null && next.getOpcode() < 0) {
                    next = next.getNext();
                }
                if (next == null) {
                    return null;
                }
                insns.remove(next);
                insns.insertBefore(at, next);
                return "swap " + where + " with the next, " + insnText(next);
            }
            case 2 -> {
                AbstractInsnNode to = pick(r, real);
                if (to == at) {
                    return null;
                }
                insns.remove(at);
                insns.insertBefore(to, at);
                return "move " + where + " before " + insnText(to);
            }
            case 3 -> {
                Map<LabelNode, LabelNode> same = new HashMap<>();
                for (LabelNode l : labels) {
                    same.put(l, l);
                }
                AbstractInsnNode copy = at.clone(same);
                AbstractInsnNode to = pick(r, real);
                insns.insertBefore(to, copy);
                return "copy " + where + " before " + insnText(to);
            }
            case 4 -> {
                if (!(at instanceof VarInsnNode v) || v.getOpcode() == RET) {
                    return null;
                }
                int base = v.getOpcode() <= ALOAD ? ILOAD : ISTORE;
                int old = v.getOpcode();
                v.setOpcode(base + other(r, new int[] {0, 1, 2, 3, 4}, old - base));
                return "kind of " + where + " -> " + insnText(v);
            }
            case 5 -> {
                int slot = r.nextInt(m.maxLocals + 2);
                if (at instanceof VarInsnNode v && v.var != slot) {
                    v.var = slot;
                } else if (at instanceof IincInsnNode i && i.var != slot) {
                    i.var = slot;
                } else {
                    return null;
                }
                return "slot of " + where + " -> " + slot;
            }
            case 6 -> {
                AbstractInsnNode value = constant(r);
                int kind = r.nextInt(5);
                VarInsnNode store = new VarInsnNode(ISTORE + kind, r.nextInt(m.maxLocals + 1));
                insns.insertBefore(at, value);
                insns.insertBefore(at, store);
                return "insert " + insnText(value) + "; " + insnText(store) + " before " + where;
            }
            case 7 -> {
                if (!(at instanceof TypeInsnNode t)) {
                    return null;
                }
                t.desc = pick(r, types(s));
                return "type of " + where + " -> " + t.desc;
            }
            case 8 -> {
                if (!(at instanceof FieldInsnNode f)) {
                    return null;
                }
                if (r.nextBoolean()) {
                    f.desc = pick(r, descriptors(s));
                    return "descriptor of " + where + " -> " + f.desc;
                }
                f.owner = pick(r, types(s).stream().filter(t -> !t.startsWith("[")).toList());
                return "owner of " + where + " -> " + f.owner;
            }
            case 9 -> {
                List<AbstractInsnNode> pops = real.stream().filter(n -> n.getOpcode() == POP || n.getOpcode() == POP2)
                        .toList();
                if (pops.isEmpty()) {
                    return null;
                }
                AbstractInsnNode pop = pick(r, pops);
                String text = "drop #" + insns.indexOf(pop) + " " + insnText(pop);
                insns.remove(pop);
                return text;
            }
            case 10 -> {
                List<AbstractInsnNode> dups = real.stream().filter(n -> n.getOpcode() >= DUP && n.getOpcode() <= DUP2_X2)
                        .toList();
                AbstractInsnNode dup = dups.isEmpty() || r.nextInt(3) == 0 ? at : pick(r, dups);
                insns.insert(dup, new InsnNode(dup.getOpcode() >= DUP && dup.getOpcode() <= DUP2_X2
                        ? dup.getOpcode() : DUP));
                return "duplicate after #" + insns.indexOf(dup) + " " + insnText(dup);
            }
            case 11 -> {
                LabelNode target = pick(r, labels.isEmpty() ? List.of(new LabelNode()) : labels);
                if (at instanceof JumpInsnNode j) {
                    j.label = target;
                } else if (at instanceof TableSwitchInsnNode t) {
                    if (r.nextBoolean() || t.labels.isEmpty()) {
                        t.dflt = target;
                    } else {
                        t.labels.set(r.nextInt(t.labels.size()), target);
                    }
                } else if (at instanceof LookupSwitchInsnNode l) {
                    if (r.nextBoolean() || l.labels.isEmpty()) {
                        l.dflt = target;
                    } else {
                        l.labels.set(r.nextInt(l.labels.size()), target);
                    }
                } else {
                    return null;
                }
                if (!labels.contains(target)) {
                    return null;
                }
                return "retarget " + where + " to #" + insns.indexOf(target);
            }
            case 12 -> {
                AbstractInsnNode value = constant(r);
                insns.insertBefore(at, value);
                return "insert " + insnText(value) + " before " + where;
            }
            case 13 -> {
                if (!(at.getOpcode() >= ACONST_NULL && at.getOpcode() <= SIPUSH) && !(at instanceof LdcInsnNode)) {
                    return null;
                }
                AbstractInsnNode value = constant(r);
                insns.set(at, value);
                return "replace " + where + " with " + insnText(value);
            }
            case 14 -> {
                if (!(at instanceof MethodInsnNode mi)) {
                    return null;
                }
                int[] kinds = {INVOKEVIRTUAL, INVOKESPECIAL, INVOKESTATIC, INVOKEINTERFACE};
                int op = other(r, kinds, mi.getOpcode());
                mi.setOpcode(op);
                if (op == INVOKEINTERFACE || op == INVOKEVIRTUAL) {
                    mi.itf = op == INVOKEINTERFACE;
                } else if (r.nextInt(4) == 0) {
                    mi.itf = !mi.itf;
                }
                return "opcode of " + where + " -> " + insnText(mi);
            }
            case 15 -> {
                if (!(at instanceof MethodInsnNode mi)) {
                    return null;
                }
                Type[] args = Type.getArgumentTypes(mi.desc);
                Type ret = Type.getReturnType(mi.desc);
                Type replacement = Type.getType(pick(r, descriptors(s)));
                if (args.length > 0 && (r.nextBoolean() || "<init>".equals(mi.name))) {
                    args[r.nextInt(args.length)] = replacement;
                } else if (!"<init>".equals(mi.name)) {
                    ret = r.nextInt(4) == 0 ? Type.VOID_TYPE : replacement;
                } else {
                    return null;
                }
                mi.desc = Type.getMethodDescriptor(ret, args);
                return "descriptor of " + where + " -> " + mi.desc;
            }
            case 16 -> {
                int[] kinds = kindsOf(at.getOpcode(), KINDS);
                if (kinds == null || !(at instanceof InsnNode)) {
                    return null;
                }
                InsnNode replacement = new InsnNode(other(r, kinds, at.getOpcode()));
                insns.set(at, replacement);
                return "replace " + where + " with " + insnText(replacement);
            }
            case 17 -> {
                int[] kinds = kindsOf(at.getOpcode(), JUMP_KINDS);
                if (kinds == null) {
                    return null;
                }
                ((JumpInsnNode) at).setOpcode(other(r, kinds, at.getOpcode()));
                return "opcode of " + where + " -> " + insnText(at);
            }
            case 18 -> {
                if (m.tryCatchBlocks.isEmpty()) {
                    return null;
                }
                TryCatchBlockNode t = pick(r, m.tryCatchBlocks);
                t.type = CAUGHT[r.nextInt(CAUGHT.length)];
                return "caught type of handler " + m.tryCatchBlocks.indexOf(t) + " -> " + t.type;
            }
            case 19 -> {
                if (m.tryCatchBlocks.isEmpty() || labels.isEmpty()) {
                    return null;
                }
                TryCatchBlockNode t = pick(r, m.tryCatchBlocks);
                LabelNode l = pick(r, labels);
                String which;
                switch (r.nextInt(3)) {
                    case 0 -> {
                        t.start = l;
                        which = "start";
                    }
                    case 1 -> {
                        t.end = l;
                        which = "end";
                    }
                    default -> {
                        t.handler = l;
                        which = "handler";
                    }
                }
                return which + " of handler " + m.tryCatchBlocks.indexOf(t) + " -> #" + insns.indexOf(l);
            }
            case 20 -> {
                if (!(at instanceof TypeInsnNode t) || t.getOpcode() != NEW) {
                    return null;
                }
                // drop the DUP after a NEW, or the constructor call it leads to
                AbstractInsnNode next = t.getNext();
                while (next != null && next.getOpcode() < 0) {
                    next = next.getNext();
                }
                if (next == null) {
                    return null;
                }
                insns.remove(next);
                return "delete " + insnText(next) + " after " + where;
            }
            case 21 -> {
                if (!(at instanceof MethodInsnNode mi)) {
                    return null;
                }
                mi.owner = pick(r, types(s).stream().filter(t -> !t.startsWith("[")).toList());
                return "owner of " + where + " -> " + mi.owner;
            }
            default -> {
                insns.insertBefore(at, new InsnNode(r.nextBoolean() ? ACONST_NULL : ICONST_0));
                insns.insertBefore(at, new InsnNode(r.nextBoolean() ? MONITORENTER : ATHROW));
                return "insert a monitorenter or athrow before " + where;
            }
        }
    }

    /** Types a stack map frame may declare, for frame edits. */
    private static List<Object> frameTypes(Subject s, MethodNode m) {
        List<Object> types = new ArrayList<>(List.of(TOP, INTEGER, FLOAT, LONG, DOUBLE, NULL, UNINITIALIZED_THIS));
        types.addAll(types(s));
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
            if (n.getOpcode() == NEW) {
                AbstractInsnNode p = n.getPrevious();
                while (p != null && !(p instanceof LabelNode)) {
                    p = p.getOpcode() < 0 ? p.getPrevious() : null;
                }
                if (p != null) {
                    types.add(p); // uninitialized(that NEW)
                }
            }
        }
        return types;
    }

    /** One random edit of a stack map frame of {@code m} (read with its frames expanded). */
    private static String frameEdit(Random r, MethodNode m, Subject s) {
        List<FrameNode> frames = new ArrayList<>();
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
            if (n instanceof FrameNode f) {
                frames.add(f);
            }
        }
        if (frames.isEmpty()) {
            return null;
        }
        FrameNode f = pick(r, frames);
        f.local = f.local == null ? new ArrayList<>() : new ArrayList<>(f.local);
        f.stack = f.stack == null ? new ArrayList<>() : new ArrayList<>(f.stack);
        Object type = pick(r, frameTypes(s, m));
        String text = type instanceof LabelNode l ? "uninitialized(#" + m.instructions.indexOf(l) + ")"
                : String.valueOf(type);
        String where = "frame #" + m.instructions.indexOf(f);
        switch (r.nextInt(5)) {
            case 0, 1 -> {
                if (f.local.isEmpty()) {
                    return null;
                }
                int i = r.nextInt(f.local.size());
                f.local.set(i, type);
                return where + ": local entry " + i + " -> " + text;
            }
            case 2 -> {
                if (f.stack.isEmpty()) {
                    return null;
                }
                int i = r.nextInt(f.stack.size());
                f.stack.set(i, type);
                return where + ": stack entry " + i + " -> " + text;
            }
            case 3 -> {
                if (r.nextBoolean() && !f.local.isEmpty()) {
                    f.local.remove(f.local.size() - 1);
                    return where + ": last local entry dropped";
                }
                f.local.add(type);
                return where + ": local entry appended, " + text;
            }
            default -> {
                if (r.nextBoolean() && !f.stack.isEmpty()) {
                    f.stack.remove(f.stack.size() - 1);
                    return where + ": top stack entry dropped";
                }
                f.stack.add(type);
                return where + ": stack entry pushed, " + text;
            }
        }
    }

    /**
     * Mutant {@code seed}: a subject (a host 6 times in 7, else a frame class), one of its rewritten methods, and
     * one edit (two, one time in four), in one of three ways: an instruction edit with the frames recomputed by
     * ASM (60%), an instruction edit with the old frames kept (25%), a frame edit (15%).
     */
    static Mutant mutant(List<Subject> all, long seed) {
        Random r = new Random(seed);
        List<Subject> hosts = all.stream().filter(x -> !x.target().contains("$async$")).toList();
        List<Subject> frames = all.stream().filter(x -> x.target().contains("$async$")).toList();
        Subject s = r.nextInt(7) == 0 && !frames.isEmpty() ? pick(r, frames) : pick(r, hosts);
        int mode = r.nextInt(100);
        boolean recompute = mode < 60;
        boolean frameEdits = mode >= 85;
        ClassNode node = new ClassNode();
        new ClassReader(s.classes().get(s.target())).accept(node, recompute ? ClassReader.SKIP_FRAMES
                : ClassReader.EXPAND_FRAMES);
        String id = pick(r, s.methods());
        MethodNode method = node.methods.stream().filter(m -> (m.name + m.desc).equals(id)).findFirst().orElseThrow();
        method.localVariables = null; // its ranges and slots would not match the edited code; the JVM checks them
        method.visibleLocalVariableAnnotations = null;
        method.invisibleLocalVariableAnnotations = null;
        List<String> edits = new ArrayList<>();
        edits.add(recompute ? "frames recomputed" : frameEdits ? "frames edited" : "frames kept");
        int wanted = r.nextInt(4) == 0 ? 3 : 2;
        for (int attempt = 0; attempt < 40 && edits.size() < wanted; attempt++) {
            String e = frameEdits ? frameEdit(r, method, s) : edit(r, method, s);
            if (e != null) {
                edits.add(e);
            }
        }
        if (edits.size() == 1) {
            return new Mutant(seed, s, id, edits, null);
        }
        ClassWriter cw = !recompute ? new ClassWriter(ClassWriter.COMPUTE_MAXS)
                : new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
                    @Override
                    protected String getCommonSuperClass(String a, String b) {
                        return s.hierarchy().commonSuperClass(a, b);
                    }
                };
        try {
            node.accept(cw);
            return new Mutant(seed, s, id, edits, cw.toByteArray());
        } catch (RuntimeException | AssertionError e) { // ASM cannot write this one
            return new Mutant(seed, s, id, edits, null);
        }
    }

    /** The JVM's reason, without the details: its first line, numbers blanked. */
    static String reason(LinkageError e) {
        String m = String.valueOf(e.getMessage());
        int details = m.indexOf("Exception Details");
        String reason = (details < 0 ? m : m.substring(0, details)).replaceAll("\\s+", " ");
        reason = reason.replaceAll("\\(class: [^)]*\\)", "").replaceAll(" in class file .*", "")
                .replaceAll("[0-9]+", "N").trim();
        return e.getClass().getSimpleName() + ": " + reason;
    }

    static String report(Mutant mutant, Verdicts v) {
        return "seed " + mutant.seed() + " (rerun: -Dweft.verifycheck.seed=" + mutant.seed()
                + " -Dweft.verifycheck.mutants=1), " + mutant.subject().label() + ", edits " + mutant.edits()
                + "\n  JVM: " + (v.jvm() == null ? "links it" : v.jvm().toString().replace("\n", "\n    "))
                + "\n  check: " + (v.checkAccepts() ? "passes it" : v.check())
                + "\n" + methodText(mutant.bytes(), mutant.method());
    }

    @Test
    @Timeout(3600)
    void mutantsOfRewrittenMethods() {
        long setUp = System.nanoTime();
        List<Subject> all = subjects();
        double setUpSeconds = (System.nanoTime() - setUp) / 1e9;
        int count = Integer.getInteger("weft.verifycheck.mutants", DEFAULT_MUTANTS);
        long seed = Long.getLong("weft.verifycheck.seed", DEFAULT_SEED);
        int written = 0;
        int jvmRejects = 0;
        int checkRejects = 0;
        Map<String, Integer> errors = new TreeMap<>();
        List<String> falseAccepts = new ArrayList<>();
        List<String> falseRejects = new ArrayList<>();
        Map<String, Integer> reasons = new TreeMap<>();
        Map<String, String> examples = new HashMap<>();
        long started = System.nanoTime();
        for (int k = 0; k < count; k++) {
            Mutant mutant = mutant(all, seed + k);
            if (mutant.bytes() == null) {
                continue;
            }
            written++;
            Subject s = mutant.subject();
            Map<String, byte[]> classes = new HashMap<>(s.classes());
            classes.put(s.target(), mutant.bytes());
            LinkageError jvm = jvm(classes, s.generated(), s.target());
            List<EmittedCodeCheck.Failure> check = EmittedCodeCheck.check(mutant.bytes(), s.hierarchy(), s.source(),
                    (n, d) -> true);
            Verdicts v = new Verdicts(jvm, check);
            if (jvm != null) {
                jvmRejects++;
                errors.merge(jvm.getClass().getSimpleName(), 1, Integer::sum);
            }
            if (!check.isEmpty()) {
                checkRejects++;
            }
            if (!v.jvmAccepts() && v.checkAccepts()) {
                falseAccepts.add(report(mutant, v));
                String why = "false accept: " + reason(jvm);
                reasons.merge(why, 1, Integer::sum);
                examples.putIfAbsent(why, "seed " + mutant.seed() + ", " + mutant.subject().label() + " "
                        + mutant.method() + ", " + mutant.edits());
            } else if (v.jvmAccepts() && !v.checkAccepts()) {
                falseRejects.add(report(mutant, v));
                String why = "false reject: " + check.get(0).message().replaceAll("[0-9]+", "N");
                reasons.merge(why, 1, Integer::sum);
                examples.putIfAbsent(why, "seed " + mutant.seed() + ", " + mutant.subject().label() + " "
                        + mutant.method() + ", " + mutant.edits());
            }
        }
        String summary = String.format("EmittedCodeCheck vs the JVM (%s %s): %d mutants asked (seed %d), %d written, "
                        + "the JVM refuses %d %s, the check %d; false accepts %d, false rejects %d; %.1f s (%d subjects "
                        + "in %.1f s)",
                System.getProperty("java.vendor"), System.getProperty("java.version"), count, seed, written,
                jvmRejects, errors, checkRejects, falseAccepts.size(), falseRejects.size(),
                (System.nanoTime() - started) / 1e9, all.size(), setUpSeconds);
        System.out.println(summary);
        if (!falseAccepts.isEmpty() || !falseRejects.isEmpty()) {
            List<String> shown = new ArrayList<>(falseAccepts.subList(0, Math.min(5, falseAccepts.size())));
            shown.addAll(falseRejects.subList(0, Math.min(5, falseRejects.size())));
            fail(summary + "\n" + reasons.entrySet().stream().map(e -> e.getValue() + " x " + e.getKey() + "\n    e.g. " + examples.get(e.getKey()))
                    .collect(Collectors.joining("\n")) + "\n\n" + String.join("\n\n", shown));
        }
        assertTrue(written > count / 2, summary);
    }
}
