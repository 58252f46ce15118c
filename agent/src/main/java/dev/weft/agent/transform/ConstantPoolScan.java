package dev.weft.agent.transform;

import java.nio.charset.StandardCharsets;
import org.objectweb.asm.ClassReader;

/**
 * The fast path: decides from the constant pool alone, without parsing methods, whether a class can have
 * anything to rewrite. A class that mentions neither {@code dev/weft/Async} nor {@code dev/weft/runtime/Await}
 * has no async method and no await; one that carries the {@code dev/weft/Transformed} marker was rewritten
 * already.
 */
final class ConstantPoolScan {
    private static final byte[] ASYNC = Names.ASYNC_DESC.getBytes(StandardCharsets.UTF_8);
    private static final byte[] AWAIT = Names.AWAIT.getBytes(StandardCharsets.UTF_8);
    private static final byte[] TRANSFORMED = Names.TRANSFORMED_DESC.getBytes(StandardCharsets.UTF_8);
    private static final int UTF8 = 1;

    private ConstantPoolScan() {
    }

    enum Verdict { NOTHING_TO_DO, ALREADY_TRANSFORMED, CANDIDATE }

    private static final byte[] WEFT = "dev/weft/".getBytes(StandardCharsets.UTF_8);

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
