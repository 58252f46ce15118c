package dev.weft.agent.transform;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;

/** A ClassWriter that computes frames from class files (through {@link ClassHierarchy}), loading nothing. */
final class HierarchyClassWriter extends ClassWriter {
    private final ClassHierarchy hierarchy;

    HierarchyClassWriter(ClassReader reader, int flags, ClassHierarchy hierarchy) {
        super(reader, flags);
        this.hierarchy = hierarchy;
    }

    @Override
    protected String getCommonSuperClass(String type1, String type2) {
        return hierarchy.commonSuperClass(type1, type2);
    }

    @Override
    protected ClassLoader getClassLoader() {
        throw new IllegalStateException("the transformer must not load classes");
    }
}
