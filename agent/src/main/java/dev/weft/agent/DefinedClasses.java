package dev.weft.agent;

import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The hashes of the class files of Weft's runtime ({@code dev/weft/runtime/...}) as the JVM loaded them, by class
 * loader: noted by {@link AsyncClassFileTransformer} as each goes by (it is never rewritten), so that the class
 * cache can check that a runtime class an entry's rewrite read is still what it was without reading it again
 * through the loader: the first {@code getResourceAsStream} of a starting JVM costs 2 to 20 ms (the jar URL
 * machinery), more than the whole cache hit it guards.
 *
 * <p>What is noted is what the loader defined (after any agent that ran before this one); when that differs from
 * what an entry's rewrite read, the entry is not used, as when the class file changed. Not noted: classes defined
 * without a name, or by the boot loader (the agent does not see them), and none past {@link #LIMIT} bytes in all.
 *
 * <p>Noting keeps the bytes (the JVM's copy, handed to the transformer) and hashes them when first asked: hashing
 * each runtime class as it loads cost about 60 microseconds a class in a starting JVM, for the two or three that an
 * entry names.
 */
final class DefinedClasses {
    static final String RUNTIME = "dev/weft/runtime/";

    /** Bytes kept, in all loaders, before any is hashed: past it, classes are no longer noted. */
    static final int LIMIT = 4 << 20;

    /** Per loader, per class: its bytes until asked, then their hash. */
    private static final Map<ClassLoader, Map<String, Object>> BY_LOADER = new WeakHashMap<>();
    private static long kept;

    private DefinedClasses() {
    }

    /** {@code loader} is defining {@code internalName} from {@code bytes}. */
    static void note(ClassLoader loader, String internalName, byte[] bytes) {
        synchronized (BY_LOADER) {
            if (kept + bytes.length > LIMIT) {
                return;
            }
            kept += bytes.length;
            Map<String, Object> classes = BY_LOADER.get(loader);
            if (classes == null) {
                classes = new HashMap<>();
                BY_LOADER.put(loader, classes);
            }
            classes.put(internalName, bytes);
        }
    }

    /** The hash of what {@code loader} defined {@code internalName} from, or null when it was not noted. */
    static ContentHash hashOf(ClassLoader loader, String internalName) {
        if (!internalName.startsWith(RUNTIME)) {
            return null;
        }
        synchronized (BY_LOADER) {
            Map<String, Object> classes = BY_LOADER.get(loader);
            Object noted = classes == null ? null : classes.get(internalName);
            if (noted instanceof byte[]) {
                noted = ContentHash.of((byte[]) noted);
                classes.put(internalName, noted);
            }
            return (ContentHash) noted;
        }
    }
}
