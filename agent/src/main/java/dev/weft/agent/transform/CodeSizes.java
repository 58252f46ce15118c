package dev.weft.agent.transform;

import java.util.HashMap;
import java.util.Map;
import org.objectweb.asm.ClassReader;

/** The length of each method's bytecode in a class file, read from its Code attributes (JVMS 4.7.3). */
final class CodeSizes {
    /**
     * HotSpot compiles no method longer than this (its {@code HugeMethodLimit}, with {@code DontCompileHugeMethods}
     * on by default): such a method is interpreted however hot it is.
     */
    static final int JIT_LIMIT = 8000;

    private CodeSizes() {
    }

    /** Code length by method name + descriptor; methods without code are absent. */
    static Map<String, Integer> of(byte[] classFile) {
        ClassReader r = new ClassReader(classFile);
        char[] buf = new char[r.getMaxStringLength()];
        int offset = r.header + 6;                                // access, this, super
        offset += 2 + 2 * r.readUnsignedShort(offset);            // interfaces
        int fields = r.readUnsignedShort(offset);
        offset += 2;
        for (int i = 0; i < fields; i++) {
            offset = skipAttributes(r, offset + 6);
        }
        Map<String, Integer> sizes = new HashMap<>();
        int methods = r.readUnsignedShort(offset);
        offset += 2;
        for (int i = 0; i < methods; i++) {
            String name = r.readUTF8(offset + 2, buf);
            String desc = r.readUTF8(offset + 4, buf);
            int attributes = r.readUnsignedShort(offset + 6);
            offset += 8;
            for (int a = 0; a < attributes; a++) {
                String attribute = r.readUTF8(offset, buf);
                int length = r.readInt(offset + 2);
                if ("Code".equals(attribute)) {
                    sizes.put(name + desc, r.readInt(offset + 10));  // max_stack, max_locals, code_length
                }
                offset += 6 + length;
            }
        }
        return sizes;
    }

    private static int skipAttributes(ClassReader r, int offset) {
        int attributes = r.readUnsignedShort(offset);
        offset += 2;
        for (int a = 0; a < attributes; a++) {
            offset += 6 + r.readInt(offset + 2);
        }
        return offset;
    }
}
