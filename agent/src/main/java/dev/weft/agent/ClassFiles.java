package dev.weft.agent;

import dev.weft.agent.transform.ClassHierarchy;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The class files a class loader's rewrites read (super types, Weft's runtime, the exceptions a method catches),
 * read once per loader and kept: each rewrite builds its hierarchy afresh, and without this every one of them read
 * {@code Task}, {@code Future}, {@code Throwable} ... again through {@code getResourceAsStream} (about 5 ms a
 * class in a JVM that is starting, a third of the rewrite).
 *
 * <p>A class file found once is taken to stay what it is for the loader's lifetime, as the class the loader
 * defines from it does. Absent ones are not kept (they are asked for again). Past {@link #LIMIT} class files,
 * further ones are read each time and not kept.
 */
final class ClassFiles {
    static final int LIMIT = 2_000;

    /** A class file and, once asked for, its hash. */
    static final class Found {
        final byte[] bytes;
        private volatile ContentHash hash;

        Found(byte[] bytes) {
            this.bytes = bytes;
        }

        ContentHash hash() {
            ContentHash h = hash;
            if (h == null) {
                h = ContentHash.of(bytes);
                hash = h;
            }
            return h;
        }
    }

    /**
     * Weakly: the agent keeps a loader's ClassFiles in a WeakHashMap keyed by the loader, whose values must not
     * reach their key, or no loader that ever loaded a candidate could be collected (an application server's
     * redeployed applications).
     */
    private final java.lang.ref.WeakReference<ClassLoader> loader;
    private final Map<String, Found> found = new ConcurrentHashMap<>();

    /** The class files of {@code loader}, as {@link ClassHierarchy#resourcesOf} reads them. */
    ClassFiles(ClassLoader loader) {
        this.loader = new java.lang.ref.WeakReference<>(loader != null ? loader : ClassLoader.getPlatformClassLoader());
    }

    /** The loader's resource, else the system class loader's (the JDK's classes come through either). */
    private byte[] read(String internalName) {
        String resource = internalName + ".class";
        ClassLoader loader = this.loader.get();
        if (loader == null) {
            return null; // collected: nothing of it is being rewritten any more
        }
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in != null) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            return null;
        }
        if (loader != ClassLoader.getSystemClassLoader()) {
            try (InputStream in = ClassLoader.getSystemResourceAsStream(resource)) {
                return in == null ? null : in.readAllBytes();
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    /**
     * The hash of {@code internalName}'s class file, or null when the loader has none: for Weft's runtime classes
     * that this loader defined already, the hash of the bytes it defined them from ({@link DefinedClasses}), with
     * no read; else of what it reads.
     */
    ContentHash hashOf(String internalName) {
        ClassLoader loader = this.loader.get();
        ContentHash defined = loader == null ? null : DefinedClasses.hashOf(loader, internalName);
        if (defined != null) {
            return defined;
        }
        Found f = find(internalName);
        return f == null ? null : f.hash();
    }

    /** The class file of {@code internalName}, or null when the loader has none. */
    Found find(String internalName) {
        Found f = found.get(internalName);
        if (f != null) {
            return f;
        }
        byte[] bytes = read(internalName);
        if (bytes == null) {
            return null;
        }
        f = new Found(bytes);
        if (found.size() < LIMIT) {
            Found raced = found.putIfAbsent(internalName, f);
            if (raced != null) {
                return raced;
            }
        }
        return f;
    }

    /**
     * A source for one rewrite that notes each class file it gives (and each it cannot find), but the JDK's
     * {@code java/...} ones: what the rewrite depended on, for the cache to check on a later start.
     */
    Recording record() {
        return new Recording();
    }

    final class Recording implements ClassHierarchy.ClassFileSource {
        /** Internal name to the class file's hash, or null for a class file that was not found. */
        private final Map<String, ContentHash> read = new LinkedHashMap<>();

        @Override
        public byte[] find(String internalName) {
            Found f = ClassFiles.this.find(internalName);
            if (!internalName.startsWith("java/")) {   // the JDK's own: the cache's key names the JDK
                synchronized (read) {
                    read.put(internalName, f == null ? null : f.hash());
                }
            }
            return f == null ? null : f.bytes;
        }

        Map<String, ContentHash> read() {
            synchronized (read) {
                return new LinkedHashMap<>(read);
            }
        }
    }
}
