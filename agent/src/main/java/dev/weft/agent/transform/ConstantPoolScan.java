package dev.weft.agent.transform;

import java.nio.charset.StandardCharsets;
import org.objectweb.asm.ClassReader;

/**
 * The fast path: decides from the constant pool alone, without parsing methods, whether a class can have
 * anything to rewrite. A class that mentions neither {@code dev/weft/Async} nor {@code dev/weft/runtime/Await}
 * has no async method and no await; one that carries the {@code dev/weft/Transformed} marker was rewritten
 * already.
 *
 * <p>{@link #isCandidate} is what the Java agent runs on every class that every class loader defines, so it reads
 * the class file's bytes itself, builds nothing and loads no other class (not ASM's {@code ClassReader}, which
 * indexes the whole constant pool first): one pass over the constant pool's entries, comparing only the UTF-8
 * entries that have the length of one of the three names.
 */
public final class ConstantPoolScan {
    private static final byte[] ASYNC = Names.ASYNC_DESC.getBytes(StandardCharsets.UTF_8);
    private static final byte[] AWAIT = Names.AWAIT.getBytes(StandardCharsets.UTF_8);
    private static final byte[] TRANSFORMED = Names.TRANSFORMED_DESC.getBytes(StandardCharsets.UTF_8);
    private static final int UTF8 = 1;

    private ConstantPoolScan() {
    }

    enum Verdict { NOTHING_TO_DO, ALREADY_TRANSFORMED, CANDIDATE }

    private static final byte[] WEFT = "dev/weft/".getBytes(StandardCharsets.UTF_8);

    /**
     * True when the class may have something to rewrite (see {@link AsyncTransformer#isCandidate}), from its bytes
     * alone. Bytes this scan cannot walk (not a class file, a truncated one, a constant pool tag it does not know)
     * go to ASM's reader, which decides as it always did, or throws.
     */
    public static boolean isCandidate(byte[] bytes) {
        Verdict v = walk(bytes);
        if (v == null) {
            return mayMentionWeft(bytes) && scan(new ClassReader(bytes), bytes) == Verdict.CANDIDATE;
        }
        return v == Verdict.CANDIDATE;
    }

    /**
     * The verdict of {@link #scan(ClassReader, byte[])}, reading the constant pool straight from the bytes; null
     * when they cannot be walked.
     */
    static Verdict walk(byte[] b) {
        int n = b.length;
        if (n < 10 || b[0] != (byte) 0xCA || b[1] != (byte) 0xFE || b[2] != (byte) 0xBA || b[3] != (byte) 0xBE) {
            return null;
        }
        int count = ((b[8] & 0xFF) << 8) | (b[9] & 0xFF);
        int offset = 10;
        boolean mentions = false;
        for (int i = 1; i < count; i++) {
            if (offset >= n) {
                return null;
            }
            switch (b[offset]) {
                case UTF8 -> {
                    if (offset + 3 > n) {
                        return null;
                    }
                    int length = ((b[offset + 1] & 0xFF) << 8) | (b[offset + 2] & 0xFF);
                    int start = offset + 3;
                    if (start + length > n) {
                        return null;
                    }
                    if (length == TRANSFORMED.length && equalsAt(b, start, length, TRANSFORMED)) {
                        return Verdict.ALREADY_TRANSFORMED;
                    }
                    if (length == AWAIT.length && equalsAt(b, start, length, AWAIT)
                            || length == ASYNC.length && equalsAt(b, start, length, ASYNC)) {
                        mentions = true;
                    }
                    offset = start + length;
                }
                // Class, String, MethodType, Module, Package
                case 7, 8, 16, 19, 20 -> offset += 3;
                // MethodHandle
                case 15 -> offset += 4;
                // Integer, Float, Fieldref, Methodref, InterfaceMethodref, NameAndType, Dynamic, InvokeDynamic
                case 3, 4, 9, 10, 11, 12, 17, 18 -> offset += 5;
                // Long, Double: two entries
                case 5, 6 -> {
                    offset += 9;
                    i++;
                }
                default -> {
                    return null;
                }
            }
        }
        return mentions ? Verdict.CANDIDATE : Verdict.NOTHING_TO_DO;
    }

    /**
     * The first sieve, before even the constant pool is indexed: every name the scan looks for starts with
     * {@code dev/weft/}, and a class whose bytes do not contain it cannot mention any of them.
     */
    static boolean mayMentionWeft(byte[] bytes) {
        byte first = WEFT[0];
        int last = bytes.length - WEFT.length;
        outer:
        for (int i = 0; i <= last; i++) {
            if (bytes[i] != first) {
                continue;
            }
            for (int j = 1; j < WEFT.length; j++) {
                if (bytes[i + j] != WEFT[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    static Verdict scan(ClassReader reader, byte[] bytes) {
        boolean mentions = false;
        for (int i = 1; i < reader.getItemCount(); i++) {
            int offset = reader.getItem(i);
            if (offset == 0 || bytes[offset - 1] != UTF8) {
                continue;
            }
            int length = ((bytes[offset] & 0xFF) << 8) | (bytes[offset + 1] & 0xFF);
            int start = offset + 2;
            if (equalsAt(bytes, start, length, TRANSFORMED)) {
                return Verdict.ALREADY_TRANSFORMED;
            }
            if (equalsAt(bytes, start, length, ASYNC) || equalsAt(bytes, start, length, AWAIT)) {
                mentions = true;
            }
        }
        return mentions ? Verdict.CANDIDATE : Verdict.NOTHING_TO_DO;
    }

    private static boolean equalsAt(byte[] bytes, int start, int length, byte[] wanted) {
        if (length != wanted.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (bytes[start + i] != wanted[i]) {
                return false;
            }
        }
        return true;
    }
}
