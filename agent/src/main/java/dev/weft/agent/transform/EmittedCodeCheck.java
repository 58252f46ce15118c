package dev.weft.agent.transform;

import dev.weft.agent.transform.UninitializedValues.InitTrackingFrame;
import dev.weft.agent.transform.UninitializedValues.Uninitialized;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.MultiANewArrayInsnNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * Pass 8: checks what the transformer wrote the way the JVM's verifier will (the type checker of JVMS 4.10.1, as
 * HotSpot implements it in {@code ClassVerifier}), before anyone loads it, so that a mistake of the transformer is
 * a refusal with a location instead of a {@link VerifyError} in production.
 *
 * <p>It reads the written class with its stack map frames and walks each checked method once, in code order:
 * at each stack map frame, the state coming from the previous instruction must be assignable to the frame, which
 * then becomes the state; every jump target and exception handler must have a frame the state is assignable to
 * (for a handler: the locals, the caught type as the only stack entry, and the flag saying {@code this} is not
 * constructed yet); each instruction's operands must have the types it needs. Assignability is HotSpot's: operand
 * stacks are compared slot by slot (a {@code long} is two slots), {@code null} in a frame accepts only
 * {@code null}, an interface accepts any object but only {@code Cloneable} and {@code Serializable} accept arrays,
 * array components of primitive type must be identical. Objects under construction are tracked as the JVM does
 * ({@link UninitializedValues}): they may be loaded, stored in locals, copied, compared, tested for null, locked
 * and constructed, nothing else (no field store, argument, return, cast, throw); a constructor may store its own
 * class's fields before {@code super(...)} and must call it before returning. The protected-member rule (JVMS
 * 4.10.1.8) is checked where the members' access flags can be read (see {@link #check(byte[], ClassHierarchy,
 * ClassHierarchy.ClassFileSource, BiPredicate)}).
 *
 * <p>What it cannot know it accepts, as the JVM would judge it with classes this check does not have: a class whose
 * file the hierarchy cannot read is assumed to fit where a class is expected (never where an array is). Nothing is
 * loaded. It is not stricter than the JVM anywhere known; {@code EmittedCodeCheckTest} compares its verdicts with the
 * JVM's on targeted cases and on random mutants of rewritten methods.
 */
final class EmittedCodeCheck {
    private static final String OBJECT = "java/lang/Object";
    private static final String THROWABLE = "java/lang/Throwable";

    private EmittedCodeCheck() {
    }

    /** A place where the written code would not verify. */
    record Failure(String method, String descriptor, int line, String message) {
    }

    /**
     * Checks the methods of {@code classBytes} that {@code checked} accepts (by name and descriptor). The access
     * flags of other classes' members are not known here, so the protected-member rule is checked only for the
     * members of {@code java.lang.Object} (its protected {@code clone} and {@code finalize}).
     *
     * @return the first failure of each failing method; empty when everything verifies
     */
    static List<Failure> check(byte[] classBytes, ClassHierarchy hierarchy, BiPredicate<String, String> checked) {
        return check(classBytes, hierarchy, null, checked);
    }

    /**
     * As {@link #check(byte[], ClassHierarchy, BiPredicate)}, reading the access flags of other classes' fields and
     * methods from {@code classFiles} (null: unknown) for the protected-member rule.
     */
    static List<Failure> check(byte[] classBytes, ClassHierarchy hierarchy, ClassHierarchy.ClassFileSource classFiles,
                               BiPredicate<String, String> checked) {
        String[] reading = new String[2];
        ClassNode node = new ClassNode(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                reading[0] = name;
                reading[1] = descriptor;
                return super.visitMethod(access, name, descriptor, signature, exceptions);
            }
        };
        try {
            new ClassReader(classBytes).accept(node, ClassReader.EXPAND_FRAMES);
        } catch (RuntimeException e) { // a stack map table or code that does not parse: the JVM refuses it too
            return List.of(unreadable(classBytes, reading[0], reading[1], checked, e));
        }
        Members members = new Members(node, hierarchy, classFiles);
        List<Failure> failures = new ArrayList<>();
        for (MethodNode m : node.methods) {
            if (m.instructions.size() == 0 || !checked.test(m.name, m.desc)) {
                continue;
            }
            StrictVerifier verifier = new StrictVerifier(node, hierarchy, members);
            try {
                new MethodCheck(node, m, verifier).run();
            } catch (AnalyzerException e) {
                failures.add(new Failure(m.name, m.desc, e.node == null ? 0 : ClassContext.lineOf(m, e.node),
                        "at instruction " + (e.node == null ? "?" : m.instructions.indexOf(e.node)) + ": "
                                + e.getMessage()));
            } catch (RuntimeException | AssertionError e) { // ASM's own checks (stack underflow, bad local...)
                failures.add(new Failure(m.name, m.desc, 0, String.valueOf(e)));
            }
        }
        return failures;
    }

    /**
     * The failure of a class file ASM cannot read, at the method being read when it failed, or (when that one is
     * not checked) the first checked method.
     */
    private static Failure unreadable(byte[] classBytes, String name, String desc, BiPredicate<String, String> checked,
                                      RuntimeException e) {
        String message = "the class file cannot be read (" + e + ")";
        if (name != null && checked.test(name, desc)) {
            return new Failure(name, desc, 0, message);
        }
        ClassNode headers = new ClassNode(Opcodes.ASM9);
        new ClassReader(classBytes).accept(headers, ClassReader.SKIP_CODE);
        for (MethodNode m : headers.methods) {
            if ((m.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) == 0 && checked.test(m.name, m.desc)) {
                return new Failure(m.name, m.desc, 0, message + " in " + name + desc);
            }
        }
        throw e;
    }

    /** Package of an internal name ("" for the unnamed package). */
    private static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return slash < 0 ? "" : internalName.substring(0, slash);
    }

    private static boolean isReference(Type t) {
        return t != null && (t.getSort() == Type.OBJECT || t.getSort() == Type.ARRAY);
    }

    private static boolean isNull(Type t) {
        return t.getSort() == Type.OBJECT && "null".equals(t.getInternalName());
    }

    private static boolean isTop(BasicValue v) {
        return v == null || (v.getType() == null && !(v instanceof Uninitialized));
    }

    /** The access flags of fields and methods, as far as class files tell them (for the protected-member rule). */
    private static final class Members {
        /** A field or method found in {@code holder}. */
        record Member(String holder, int access) {
        }

        /** Name + descriptor to access flags, for the fields and the methods of one class. */
        private record Declared(Map<String, Integer> fields, Map<String, Integer> methods) {
        }

        private static final Declared UNKNOWN = new Declared(Map.of(), Map.of());
        /** What every JVM says about Object: its only protected methods (all others are public). */
        private static final Declared OBJECT_MEMBERS = new Declared(Map.of(), Map.of(
                "clone()Ljava/lang/Object;", Opcodes.ACC_PROTECTED | Opcodes.ACC_NATIVE,
                "finalize()V", Opcodes.ACC_PROTECTED));

        private final ClassHierarchy hierarchy;
        private final ClassHierarchy.ClassFileSource classFiles;
        private final Map<String, Declared> declared = new HashMap<>();

        Members(ClassNode node, ClassHierarchy hierarchy, ClassHierarchy.ClassFileSource classFiles) {
            this.hierarchy = hierarchy;
            this.classFiles = classFiles;
            Map<String, Integer> fields = new HashMap<>();
            for (FieldNode f : node.fields) {
                fields.put(f.name + f.desc, f.access);
            }
            Map<String, Integer> methods = new HashMap<>();
            for (MethodNode m : node.methods) {
                methods.put(m.name + m.desc, m.access);
            }
            declared.put(node.name, new Declared(fields, methods));
        }

        private Declared of(String internalName) {
            return declared.computeIfAbsent(internalName, name -> {
                byte[] bytes = classFiles == null ? null : classFiles.find(name);
                if (bytes == null) {
                    return OBJECT.equals(name) ? OBJECT_MEMBERS : UNKNOWN;
                }
                Map<String, Integer> fields = new HashMap<>();
                Map<String, Integer> methods = new HashMap<>();
                new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
                    @Override
                    public FieldVisitor visitField(int access, String n, String d, String s, Object v) {
                        fields.put(n + d, access);
                        return null;
                    }

                    @Override
                    public MethodVisitor visitMethod(int access, String n, String d, String s, String[] e) {
                        methods.put(n + d, access);
                        return null;
                    }
                }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
                return new Declared(fields, methods);
            });
        }

        /**
         * HotSpot's {@code uncached_lookup_method}: the class, then its super classes; null when not found, or when
         * a class on the way cannot be read (it may declare the method: the JVM will judge).
         */
        Member method(String owner, String name, String desc) {
            return find(owner, name + desc, true);
        }

        /** HotSpot's {@code find_field}, restricted to classes (fields of interfaces are public); as {@link #method}. */
        Member field(String owner, String name, String desc) {
            return find(owner, name + desc, false);
        }

        private Member find(String owner, String key, boolean method) {
            for (String c = owner; c != null; c = hierarchy.superName(c)) {
                Declared d = of(c);
                if (d == UNKNOWN) {
                    return null;
                }
                Integer access = (method ? d.methods() : d.fields()).get(key);
                if (access != null) {
                    return new Member(c, access);
                }
                if (d == OBJECT_MEMBERS) {
                    return null;
                }
            }
            return null;
        }
    }

    /** SimpleVerifier's checks, made as strict as HotSpot's for references and objects under construction. */
    private static final class StrictVerifier extends HierarchyVerifier {
        private final Map<TypeInsnNode, Uninitialized> allocations = new IdentityHashMap<>();
        private final ClassNode node;
        private final Type currentClass;
        private final Members members;
        /** The {@code this} of a constructor before its {@code super(...)}: one value for the whole method. */
        final Uninitialized uninitializedThis;

        StrictVerifier(ClassNode node, ClassHierarchy hierarchy, Members members) {
            super(hierarchy, Type.getObjectType(node.name),
                    node.superName == null ? null : Type.getObjectType(node.superName), interfaces(node),
                    (node.access & Opcodes.ACC_INTERFACE) != 0);
            this.node = node;
            this.currentClass = Type.getObjectType(node.name);
            this.members = members;
            this.uninitializedThis = new Uninitialized(currentClass, null);
        }

        private static List<Type> interfaces(ClassNode node) {
            List<Type> interfaces = new ArrayList<>();
            for (String i : node.interfaces) {
                interfaces.add(Type.getObjectType(i));
            }
            return interfaces;
        }

        Uninitialized allocation(TypeInsnNode insn) {
            return allocations.computeIfAbsent(insn, a -> new Uninitialized(Type.getObjectType(a.desc), a));
        }

        @Override
        public BasicValue newOperation(AbstractInsnNode insn) throws AnalyzerException {
            if (insn.getOpcode() == Opcodes.NEW) {
                if (((TypeInsnNode) insn).desc.startsWith("[")) {
                    throw new AnalyzerException(insn, "new of an array type (use newarray or anewarray)");
                }
                return allocation((TypeInsnNode) insn);
            }
            return super.newOperation(insn);
        }

        @Override
        public BasicValue unaryOperation(AbstractInsnNode insn, BasicValue value) throws AnalyzerException {
            switch (insn.getOpcode()) {
                case Opcodes.CHECKCAST, Opcodes.INSTANCEOF -> {
                    if (value instanceof Uninitialized) {
                        throw new AnalyzerException(insn, "expected an object, found " + value);
                    }
                }
                case Opcodes.ATHROW -> {
                    if (!assignable(value, newValue(Type.getObjectType(THROWABLE)))) {
                        throw new AnalyzerException(insn, "expected a Throwable, found " + describe(value));
                    }
                }
                case Opcodes.ANEWARRAY -> {
                    Type element = Type.getObjectType(((TypeInsnNode) insn).desc);
                    if (element.getSort() == Type.ARRAY && element.getDimensions() >= 255) {
                        throw new AnalyzerException(insn, "an array type of more than 255 dimensions");
                    }
                }
                default -> {
                }
            }
            BasicValue result = super.unaryOperation(insn, value);
            if (insn.getOpcode() == Opcodes.GETFIELD) {
                FieldInsnNode f = (FieldInsnNode) insn;
                protectedAccess(insn, f.owner, f.name, f.desc, false, value);
            }
            return result;
        }

        @Override
        public BasicValue binaryOperation(AbstractInsnNode insn, BasicValue value1, BasicValue value2)
                throws AnalyzerException {
            switch (insn.getOpcode()) {
                case Opcodes.IF_ACMPEQ, Opcodes.IF_ACMPNE -> {
                    // any reference, objects under construction included
                    if (!value1.isReference() || !value2.isReference()) {
                        throw new AnalyzerException(insn, "expected two references, found " + describe(value1)
                                + " and " + describe(value2));
                    }
                    return null;
                }
                case Opcodes.PUTFIELD -> {
                    FieldInsnNode f = (FieldInsnNode) insn;
                    BasicValue receiver = value1;
                    if (receiver == uninitializedThis && f.owner.equals(currentClass.getInternalName())
                            && declaresField(f.name, f.desc)) {
                        receiver = newValue(currentClass); // a constructor may set its own fields before super()
                    }
                    BasicValue result = super.binaryOperation(insn, receiver, value2);
                    protectedAccess(insn, f.owner, f.name, f.desc, false, receiver);
                    return result;
                }
                default -> {
                    return super.binaryOperation(insn, value1, value2);
                }
            }
        }

        private boolean declaresField(String name, String desc) {
            for (FieldNode f : node.fields) {
                if (f.name.equals(name) && f.desc.equals(desc)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public BasicValue ternaryOperation(AbstractInsnNode insn, BasicValue value1, BasicValue value2,
                                           BasicValue value3) throws AnalyzerException {
            if (insn.getOpcode() == Opcodes.AASTORE) {
                Type array = value1.getType();
                boolean referenceArray = array != null && !(value1 instanceof Uninitialized) && (isNull(array)
                        || (array.getSort() == Type.ARRAY
                        && (array.getDimensions() > 1 || array.getElementType().getSort() == Type.OBJECT)));
                if (!referenceArray) {
                    throw new AnalyzerException(insn, "First argument: expected an array of references, found "
                            + describe(value1));
                }
                if (!BasicValue.INT_VALUE.equals(value2)) {
                    throw new AnalyzerException(insn, "Second argument: expected I, found " + describe(value2));
                }
                if (!value3.isReference() || value3 instanceof Uninitialized) {
                    throw new AnalyzerException(insn, "Third argument: expected an object, found " + describe(value3));
                }
                return null;
            }
            return super.ternaryOperation(insn, value1, value2, value3);
        }

        @Override
        public BasicValue naryOperation(AbstractInsnNode insn, List<? extends BasicValue> values)
                throws AnalyzerException {
            if (insn instanceof MultiANewArrayInsnNode m) {
                Type type = Type.getType(m.desc);
                if (type.getSort() != Type.ARRAY || m.dims < 1 || m.dims > type.getDimensions()) {
                    throw new AnalyzerException(insn, "multianewarray of " + m.dims + " dimensions of " + m.desc);
                }
                return super.naryOperation(insn, values);
            }
            if (!(insn instanceof MethodInsnNode m)) {
                return super.naryOperation(insn, values);
            }
            int opcode = insn.getOpcode();
            if (m.name.startsWith("<") && (opcode != Opcodes.INVOKESPECIAL || !"<init>".equals(m.name))) {
                throw new AnalyzerException(insn, "illegal call to internal method " + m.name);
            }
            if ((opcode == Opcodes.INVOKEVIRTUAL && m.itf) || (opcode == Opcodes.INVOKEINTERFACE && !m.itf)) {
                throw new AnalyzerException(insn, "the constant of " + m.owner + "." + m.name + " is of the wrong "
                        + "kind (interface or not) for this invoke instruction");
            }
            if (opcode == Opcodes.INVOKESPECIAL && "<init>".equals(m.name)) {
                if (!(values.get(0) instanceof Uninitialized u)) {
                    throw new AnalyzerException(insn, "constructor of " + m.owner + " called on "
                            + describe(values.get(0)) + ", which is not an object under construction");
                }
                boolean fits = u.allocation != null ? m.owner.equals(u.getType().getInternalName())
                        : m.owner.equals(currentClass.getInternalName())
                        || (node.superName != null && m.owner.equals(node.superName));
                if (!fits) {
                    throw new AnalyzerException(insn, "constructor of " + m.owner + " called on " + u);
                }
                if (u.allocation != null && isStrictSuperClass(m.owner)) {
                    Members.Member init = members.method(m.owner, m.name, m.desc);
                    if (init != null && (init.access() & Opcodes.ACC_PROTECTED) != 0
                            && !packageOf(init.holder()).equals(packageOf(currentClass.getInternalName()))
                            && !referenceAssignable(Type.getObjectType(m.owner), currentClass)) {
                        throw new AnalyzerException(insn, "bad access to the protected constructor of " + m.owner);
                    }
                }
                List<BasicValue> constructed = new ArrayList<>(values);
                constructed.set(0, newValue(Type.getObjectType(m.owner)));
                return super.naryOperation(insn, constructed);
            }
            if (opcode == Opcodes.INVOKESPECIAL) {
                String owner = m.owner;
                boolean direct = owner.equals(currentClass.getInternalName()) || owner.equals(node.superName)
                        || node.interfaces.contains(owner);
                if (!direct) {
                    if (!referenceAssignable(currentClass, Type.getObjectType(owner))) {
                        throw new AnalyzerException(insn, "invokespecial of " + owner + "." + m.name + ": the current "
                                + "class is not a subtype of " + owner);
                    }
                    if (m.itf) {
                        throw new AnalyzerException(insn, "invokespecial of " + owner + "." + m.name + ": an "
                                + "interface method of an indirect super interface");
                    }
                }
                if (!assignable(values.get(0), newValue(currentClass))) {
                    throw new AnalyzerException(insn, "invokespecial of " + owner + "." + m.name + " on "
                            + describe(values.get(0)) + ", which is not the current class");
                }
            }
            BasicValue result = super.naryOperation(insn, values);
            if (opcode == Opcodes.INVOKEVIRTUAL) {
                protectedAccess(insn, m.owner, m.name, m.desc, true, values.get(0));
            }
            return result;
        }

        /** True when {@code name} is a super class (not the class itself) of the class being checked. */
        private boolean isStrictSuperClass(String name) {
            for (String c = node.superName; c != null; c = hierarchy.superName(c)) {
                if (c.equals(name)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * JVMS 4.10.1.8, as HotSpot: a protected member of a super class in another package is used only on an
         * object of the current class (or a subclass).
         */
        private void protectedAccess(AbstractInsnNode insn, String owner, String name, String desc, boolean method,
                                     BasicValue receiver) throws AnalyzerException {
            Type type = receiver.getType();
            if (currentClass.equals(type) || !isStrictSuperClass(owner)) {
                return;
            }
            Members.Member member = method ? members.method(owner, name, desc) : members.field(owner, name, desc);
            if (member == null || (member.access() & Opcodes.ACC_PROTECTED) == 0
                    || packageOf(member.holder()).equals(packageOf(currentClass.getInternalName()))) {
                return;
            }
            if (method && OBJECT.equals(owner) && "clone".equals(name) && type != null
                    && type.getSort() == Type.ARRAY) {
                return; // arrays have a public clone()
            }
            if (!assignable(receiver, newValue(currentClass))) {
                throw new AnalyzerException(insn, "bad access to protected " + owner + "." + name + " on "
                        + describe(receiver) + " (the receiver must be a " + currentClass.getInternalName() + ")");
            }
        }

        @Override
        public void returnOperation(AbstractInsnNode insn, BasicValue value, BasicValue expected)
                throws AnalyzerException {
            if (expected == null) {
                throw new AnalyzerException(insn, "the method returns void but this returns " + describe(value));
            }
            super.returnOperation(insn, value, expected);
        }

        @Override
        protected boolean isSubTypeOf(BasicValue value, BasicValue expected) {
            return assignable(value, expected);
        }

        /** HotSpot's {@code is_assignable_from}: may a value {@code from} be used where {@code to} is expected. */
        boolean assignable(BasicValue from, BasicValue to) {
            if (isTop(to)) {
                return true;
            }
            if (isTop(from)) {
                return false;
            }
            if (from instanceof Uninitialized || to instanceof Uninitialized) {
                return from == to;
            }
            Type f = from.getType();
            Type t = to.getType();
            if (!isReference(f) || !isReference(t)) {
                return isReference(f) == isReference(t) && f.equals(t);
            }
            return referenceAssignable(f, t);
        }

        /** References: {@code to} from {@code from}, both object or array types (or the null type). */
        boolean referenceAssignable(Type from, Type to) {
            if (isNull(from)) {
                return true;
            }
            if (isNull(to) || from.equals(to)) {
                return from.equals(to);
            }
            boolean fromArray = from.getSort() == Type.ARRAY;
            if (to.getSort() == Type.ARRAY) {
                if (!fromArray) {
                    return false;
                }
                Type tc = Type.getType(to.getDescriptor().substring(1));
                Type fc = Type.getType(from.getDescriptor().substring(1));
                if (!isReference(tc) || !isReference(fc)) {
                    return tc.equals(fc); // primitive components must be identical
                }
                return referenceAssignable(fc, tc);
            }
            String name = to.getInternalName();
            if (OBJECT.equals(name)) {
                return true;
            }
            boolean arrayRoot = "java/lang/Cloneable".equals(name) || "java/io/Serializable".equals(name);
            if (!hierarchy.isKnown(name) || hierarchy.isInterface(name)) {
                // an interface is Object to the verifier, but for arrays; an unknown class: the JVM will judge
                return !fromArray || arrayRoot;
            }
            if (fromArray) {
                return false;
            }
            for (String c = from.getInternalName(); c != null; c = hierarchy.superName(c)) {
                if (c.equals(name) || !hierarchy.isKnown(c)) {
                    return true; // found, or a class file we cannot read: the JVM will judge with the real one
                }
            }
            return false;
        }
    }

    private static String describe(BasicValue v) {
        return isTop(v) ? "top" : v.toString();
    }

    /** The walk over one method. */
    private static final class MethodCheck {
        /** The second slot of a long or double on the operand stack. */
        private static final Object LONG_2ND = "long_2nd";
        private static final Object DOUBLE_2ND = "double_2nd";

        private final String owner;
        private final MethodNode method;
        private final StrictVerifier verifier;
        private final boolean constructor;
        private final Function<Uninitialized, BasicValue> initialized;
        private final Map<LabelNode, FrameNode> frameAt = new IdentityHashMap<>();
        private final Map<FrameNode, Frame<BasicValue>> declared = new IdentityHashMap<>();
        private final BasicValue returnValue;

        MethodCheck(ClassNode node, MethodNode method, StrictVerifier verifier) {
            this.owner = node.name;
            this.method = method;
            this.verifier = verifier;
            this.constructor = "<init>".equals(method.name) && !OBJECT.equals(owner);
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
            for (TryCatchBlockNode t : method.tryCatchBlocks) {
                if (!coversAnInstruction(t)) {
                    throw new AnalyzerException(t.start, "the range of the exception handler at instruction "
                            + insns.indexOf(t.handler) + " covers no instruction (the JVM refuses the class file)");
                }
                Type caught = Type.getObjectType(t.type == null ? THROWABLE : t.type);
                if (!verifier.referenceAssignable(caught, Type.getObjectType(THROWABLE))) {
                    throw new AnalyzerException(t.handler, "the exception handler at instruction "
                            + insns.indexOf(t.handler) + " catches " + t.type + ", which is not a Throwable");
                }
            }
            Frame<BasicValue> current = initialFrame();
            boolean thisUninit = constructor; // HotSpot's flagThisUninit
            for (int i = 0; i < insns.size(); i++) {
                AbstractInsnNode insn = insns.get(i);
                if (insn instanceof FrameNode f) {
                    Frame<BasicValue> frame = declared(f);
                    if (current != null) {
                        requireAssignable(current, thisUninit, frame, insn, "the stack map frame here");
                    }
                    current = copy(frame);
                    thisUninit = flagThisUninit(frame);
                    continue;
                }
                int opcode = insn.getOpcode();
                if (opcode < 0) {
                    continue;
                }
                if (current == null) {
                    throw new AnalyzerException(insn, "code after an unconditional jump has no stack map frame");
                }
                if (opcode == Opcodes.JSR || opcode == Opcodes.RET) {
                    throw new AnalyzerException(insn, "jsr and ret are not allowed in class files with stack maps");
                }
                requireNoTopOperands(current, insn);
                handlers(current, thisUninit, insn, i);
                Uninitialized receiver = UninitializedValues.isInit(insn)
                        ? ((InitTrackingFrame) current).receiverOfInit(insn) : null;
                Frame<BasicValue> next = copy(current);
                try {
                    next.execute(insn, verifier);
                } catch (IndexOutOfBoundsException e) {
                    throw new AnalyzerException(insn, String.valueOf(e.getMessage()));
                }
                boolean nextUninit = thisUninit && receiver != verifier.uninitializedThis;
                if (receiver != null) {
                    // HotSpot checks the handlers of a constructor call with the outgoing locals too, flagged as
                    // "this uninitialized" when the call constructs this
                    handlers(next, receiver == verifier.uninitializedThis || nextUninit, insn, i);
                }
                if (opcode == Opcodes.RETURN && constructor && thisUninit) {
                    throw new AnalyzerException(insn, "the constructor returns before calling super() or this()");
                }
                for (LabelNode target : targets(insn)) {
                    requireAssignable(next, nextUninit, target(target, insn), insn, "the jump target at instruction "
                            + insns.indexOf(target));
                }
                current = endsFlow(opcode) ? null : next;
                thisUninit = nextUninit;
            }
            if (current != null) {
                throw new AnalyzerException(insns.getLast(), "execution falls off the end of the code");
            }
        }

        /** The class file's start_pc < end_pc: an instruction between the two labels, in this order. */
        private static boolean coversAnInstruction(TryCatchBlockNode t) {
            for (AbstractInsnNode n = t.start; n != null && n != t.end; n = n.getNext()) {
                if (n.getOpcode() >= 0) {
                    for (AbstractInsnNode m = n; m != null; m = m.getNext()) {
                        if (m == t.end) {
                            return true;
                        }
                    }
                    return false;
                }
            }
            return false;
        }

        /** Every exception handler whose range holds instruction {@code i} must accept {@code state}. */
        private void handlers(Frame<BasicValue> state, boolean thisUninit, AbstractInsnNode insn, int i)
                throws AnalyzerException {
            InsnList insns = method.instructions;
            for (TryCatchBlockNode t : method.tryCatchBlocks) {
                if (insns.indexOf(t.start) > i || i >= insns.indexOf(t.end)) {
                    continue;
                }
                Frame<BasicValue> handler = target(t.handler, insn);
                String where = "the exception handler at instruction " + insns.indexOf(t.handler);
                for (int slot = 0; slot < handler.getLocals(); slot++) {
                    if (!verifier.assignable(state.getLocal(slot), handler.getLocal(slot))) {
                        throw new AnalyzerException(insn, "local " + slot + " is " + describe(state.getLocal(slot))
                                + " but " + where + " expects " + describe(handler.getLocal(slot)));
                    }
                }
                BasicValue caught = verifier.newValue(Type.getObjectType(t.type == null ? THROWABLE : t.type));
                if (handler.getStackSize() != 1 || handler.getStack(0).getSize() != 1
                        || !verifier.assignable(caught, handler.getStack(0))) {
                    throw new AnalyzerException(insn, where + " does not have the caught " + caught
                            + " alone on its operand stack");
                }
                if (thisUninit && !flagThisUninit(handler)) {
                    throw new AnalyzerException(insn, "this is not constructed yet here but " + where
                            + " says it is");
                }
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

        /** HotSpot's flagThisUninit of a stack map frame: one of its locals is the uninitialized this. */
        private boolean flagThisUninit(Frame<BasicValue> frame) {
            for (int slot = 0; slot < frame.getLocals(); slot++) {
                if (frame.getLocal(slot) == verifier.uninitializedThis) {
                    return true;
                }
            }
            return false;
        }

        private void requireAssignable(Frame<BasicValue> from, boolean fromUninit, Frame<BasicValue> to,
                                       AbstractInsnNode insn, String where) throws AnalyzerException {
            for (int slot = 0; slot < to.getLocals(); slot++) {
                if (!verifier.assignable(from.getLocal(slot), to.getLocal(slot))) {
                    throw new AnalyzerException(insn, "local " + slot + " is " + describe(from.getLocal(slot))
                            + " but " + where + " says " + describe(to.getLocal(slot)));
                }
            }
            List<Object> fromSlots = stackSlots(from);
            List<Object> toSlots = stackSlots(to);
            if (fromSlots.size() != toSlots.size()) {
                throw new AnalyzerException(insn, "the operand stack holds " + fromSlots.size() + " slots but "
                        + where + " says " + toSlots.size());
            }
            for (int s = 0; s < toSlots.size(); s++) {
                Object f = fromSlots.get(s);
                Object t = toSlots.get(s);
                boolean fits = t == LONG_2ND || t == DOUBLE_2ND ? f == t
                        : isTop((BasicValue) t) || (!(f instanceof String)
                        && verifier.assignable((BasicValue) f, (BasicValue) t));
                if (!fits) {
                    throw new AnalyzerException(insn, "stack slot " + s + " is " + describeSlot(f) + " but " + where
                            + " says " + describeSlot(t));
                }
            }
            if (fromUninit && !flagThisUninit(to)) {
                throw new AnalyzerException(insn, "this is not constructed yet here but " + where + " says it is");
            }
        }

        private static String describeSlot(Object slot) {
            return slot instanceof BasicValue v ? describe(v) : String.valueOf(slot);
        }

        /** The operand stack as the JVM sees it: one entry per slot, a long or double taking two. */
        private static List<Object> stackSlots(Frame<BasicValue> frame) {
            List<Object> slots = new ArrayList<>();
            for (int s = 0; s < frame.getStackSize(); s++) {
                BasicValue v = frame.getStack(s);
                slots.add(v);
                if (v.getSize() == 2) {
                    slots.add(Type.DOUBLE_TYPE.equals(v.getType()) ? DOUBLE_2ND : LONG_2ND);
                }
            }
            return slots;
        }

        /**
         * The JVM rejects any instruction that takes a top off the operand stack (a slot a stack map frame declares
         * top); ASM's stack instructions only look at sizes.
         */
        private static void requireNoTopOperands(Frame<BasicValue> frame, AbstractInsnNode insn)
                throws AnalyzerException {
            int size = frame.getStackSize();
            int taken = switch (insn.getOpcode()) {
                case Opcodes.POP, Opcodes.DUP -> 1;
                case Opcodes.SWAP, Opcodes.DUP_X1 -> 2;
                case Opcodes.POP2, Opcodes.DUP2 -> sizeAt(frame, 0) == 2 ? 1 : 2;
                case Opcodes.DUP2_X1 -> sizeAt(frame, 0) == 2 ? 2 : 3;
                case Opcodes.DUP_X2 -> sizeAt(frame, 1) == 2 ? 2 : 3;
                case Opcodes.DUP2_X2 -> sizeAt(frame, 0) == 2 ? (sizeAt(frame, 1) == 2 ? 2 : 3)
                        : (sizeAt(frame, 2) == 2 ? 3 : 4);
                default -> 0;
            };
            for (int k = 0; k < taken && k < size; k++) {
                if (isTop(frame.getStack(size - 1 - k))) {
                    throw new AnalyzerException(insn, "takes a top value off the operand stack");
                }
            }
        }

        /** Size of the value {@code depth} entries below the top of the stack; 1 when there is none. */
        private static int sizeAt(Frame<BasicValue> frame, int depth) {
            int index = frame.getStackSize() - 1 - depth;
            return index < 0 ? 1 : frame.getStack(index).getSize();
        }

        private Frame<BasicValue> initialFrame() {
            Frame<BasicValue> f = new InitTrackingFrame(method.maxLocals, method.maxStack, initialized);
            f.setReturn(returnValue);
            int slot = 0;
            if ((method.access & Opcodes.ACC_STATIC) == 0) {
                f.setLocal(slot++, constructor ? verifier.uninitializedThis
                        : verifier.newValue(Type.getObjectType(owner)));
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
                    if (slot >= method.maxLocals) {
                        throw new AnalyzerException(node, "the stack map frame has more locals than max_locals");
                    }
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
                return verifier.uninitializedThis;
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
                    || opcode == Opcodes.ATHROW || (opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN);
        }
    }
}
