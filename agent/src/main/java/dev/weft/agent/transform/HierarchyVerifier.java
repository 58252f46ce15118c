package dev.weft.agent.transform;

import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.SimpleVerifier;

/**
 * ASM's {@link SimpleVerifier} (precise reference types for each local and stack slot), answering its
 * sub-type questions from class files through {@link ClassHierarchy} instead of loading classes.
 */
class HierarchyVerifier extends SimpleVerifier {
    private static final Type OBJECT = Type.getObjectType("java/lang/Object");

    final ClassHierarchy hierarchy;

    HierarchyVerifier(ClassHierarchy hierarchy, Type currentClass, Type currentSuper, List<Type> interfaces,
                      boolean isInterface) {
        super(Opcodes.ASM9, currentClass, currentSuper, interfaces, isInterface);
        this.hierarchy = hierarchy;
    }

    @Override
    protected boolean isInterface(Type type) {
        return type.getSort() == Type.OBJECT && hierarchy.isInterface(type.getInternalName());
    }

    @Override
    protected Type getSuperClass(Type type) {
        if (type.getSort() == Type.ARRAY) {
            return OBJECT;
        }
        String s = hierarchy.superName(type.getInternalName());
        return s == null ? null : Type.getObjectType(s);
    }

    @Override
    protected boolean isAssignableFrom(Type to, Type from) {
        if (to.equals(from)) {
            return true;
        }
        if (to.getSort() == Type.ARRAY) {
            if (from.getSort() != Type.ARRAY) {
                return false;
            }
            Type te = to.getElementType();
            Type fe = from.getElementType();
            int td = to.getDimensions();
            int fd = from.getDimensions();
            if (td == fd) {
                if (te.getSort() != Type.OBJECT || fe.getSort() != Type.OBJECT) {
                    return te.equals(fe);
                }
                return isAssignableFrom(te, fe);
            }
            if (td < fd) { // Object[] := int[][] for instance
                return te.getSort() == Type.OBJECT && isArrayCompatibleRoot(te.getInternalName());
            }
            return false;
        }
        if (to.getSort() != Type.OBJECT) {
            return false;
        }
        String t = to.getInternalName();
        if (from.getSort() == Type.ARRAY) {
            return isArrayCompatibleRoot(t);
        }
        if (from.getSort() != Type.OBJECT) {
            return false;
        }
        if ("null".equals(from.getInternalName())) {
            return true;
        }
        return hierarchy.isAssignable(t, from.getInternalName());
    }

    private static boolean isArrayCompatibleRoot(String name) {
        return "java/lang/Object".equals(name) || "java/lang/Cloneable".equals(name)
                || "java/io/Serializable".equals(name);
    }

    /**
     * Lenient for references: the code analysed is valid javac output (plus the pass that makes returns
     * yield the awaited value as Object), and this analysis wants types, not a verdict.
     */
    @Override
    protected boolean isSubTypeOf(BasicValue value, BasicValue expected) {
        Type expectedType = expected.getType();
        Type type = value.getType();
        if (expectedType.getSort() == Type.OBJECT || expectedType.getSort() == Type.ARRAY) {
            return type != null && (type.getSort() == Type.OBJECT || type.getSort() == Type.ARRAY);
        }
        return expectedType.equals(type);
    }

    @Override
    protected Class<?> getClass(Type type) {
        throw new IllegalStateException("the transformer must not load classes (asked for " + type + ")");
    }
}
