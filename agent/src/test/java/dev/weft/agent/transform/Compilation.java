package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.ClassNode;

/**
 * What javac made of some sources: class files by internal name ({@code demo/Foo$Inner}), untransformed.
 * Shared between tests (see {@link InMemoryJavac}): read the arrays, never write them.
 *
 * @param options the javac options used
 * @param classes every class file javac wrote, by internal name
 * @param sources the sources compiled
 */
record Compilation(InMemoryJavac.Options options, Map<String, byte[]> classes, List<String> sources) {

    /** The class file of {@code internalName}; fails when javac did not write it. */
    byte[] bytes(String internalName) {
        byte[] b = classes.get(internalName);
        assertNotNull(b, () -> "javac wrote no " + internalName + "; it wrote " + classes.keySet());
        return b;
    }

    /** The class file of {@code internalName}, parsed. */
    ClassNode classNode(String internalName) {
        return AsyncTestSupport.classNode(bytes(internalName));
    }

    /** The transformer's input for {@code internalName}: a copy, so the memoized class file stays as javac wrote it. */
    byte[] copyOf(String internalName) {
        return bytes(internalName).clone();
    }

    /** The major version of every class file written, e.g. 52 for release 8. */
    static int majorVersion(byte[] classFile) {
        return new ClassReader(classFile).readUnsignedShort(6);
    }
}
