package dev.weft.agent;

import dev.weft.agent.transform.AsyncTransformer;
import dev.weft.agent.transform.ConstantPoolScan;
import java.io.File;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.concurrent.atomic.AtomicLong;
import org.objectweb.asm.ClassReader;

/**
 * The load-time half of Weft: rewrites classes as the JVM loads them, and never breaks the application.
 *
 * <p>Each class first goes through the constant-pool scan ({@link AsyncTransformer#isCandidate}): a class that
 * mentions neither {@code @Async} nor {@code await} is returned untouched without being parsed. A class that
 * cannot be rewritten is reported, one line per refusal (class, method, file, line, reason; on stderr, or through
 * {@link System.Logger} "dev.weft.agent" under {@code logger}, or not at all under {@code quiet}: see
 * {@link AgentOptions}), and loads unchanged; the refusal is also published for the runtime's "not transformed"
 * error ({@link AgentStatus}). A class defined without a name ({@code defineClass(null, ...)}, as generated code
 * often is) is named from its bytes and treated like any other. Classes already being redefined are left
 * alone (adding methods to a loaded class is not allowed); classes rewritten at build time carry a marker and are
 * skipped by the scan.
 *
 * <p>The coroutine frame classes a rewrite adds are defined in the class's own loader before the rewritten class
 * is returned, so the verifier finds them ({@link FrameClassDefiner}).
 *
 * <p><b>Start-up cost.</b> This class runs for every class that every class loader but the boot loader defines,
 * from the JVM's first classes on, mostly in the interpreter; it is kept to a few checks and the scan, which reads
 * the class file's constant pool straight from its bytes ({@link ConstantPoolScan}) and loads nothing. Everything
 * else (the rewrite, ASM, the cache, the reporter, the frame definer and its opening of {@code java.lang}) is in
 * {@link LoadTimeRewriter}, made at the first candidate: a JVM whose classes never mention Weft loads about ten
 * classes of the agent's.
 */
final class AsyncClassFileTransformer implements ClassFileTransformer {
    private final AgentOptions options;
    private final Instrumentation instrumentation;
    private final boolean defaultCache;
    private final String buildId;
    private volatile LoadTimeRewriter rewriter;
    /** The rewriter could not be made (reported once): every class loads unchanged. */
    private volatile boolean broken;
    final AtomicLong scanned = new AtomicLong();
    final AtomicLong rewritten = new AtomicLong();
    final AtomicLong refused = new AtomicLong();

    /** For tests: no instrumentation, and a class cache only when the options name a directory. */
    AsyncClassFileTransformer(AgentOptions options) {
        this(options, null, false, null);
    }

    /** For tests of the cache: {@code buildId} instead of the agent build's own. */
    AsyncClassFileTransformer(AgentOptions options, String buildId) {
        this(options, null, false, buildId);
    }

    /** The agent's: the class cache in its default directory unless the options say otherwise. */
    AsyncClassFileTransformer(AgentOptions options, Instrumentation instrumentation) {
        this(options, instrumentation, true, null);
    }

    private AsyncClassFileTransformer(AgentOptions options, Instrumentation instrumentation, boolean defaultCache,
                                      String buildId) {
        this.options = options;
        this.instrumentation = instrumentation;
        this.defaultCache = defaultCache;
        this.buildId = buildId;
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        try {
            if (classBeingRedefined != null || loader == null) {
                return null;
            }
            if (className == null) {
                // named from its bytes only when it may be rewritten: reading the name takes ASM's reader
                if (!ConstantPoolScan.isCandidate(classfileBuffer)) {
                    return null;
                }
                className = nameOf(classfileBuffer);
                if (className == null || !options.covers(className)) {
                    return null;
                }
                scanned.incrementAndGet();
            } else {
                if (!options.covers(className)) {
                    if (className.startsWith(DefinedClasses.RUNTIME)) {
                        DefinedClasses.note(loader, className, classfileBuffer);
                    }
                    return null;
                }
                scanned.incrementAndGet();
                if (!ConstantPoolScan.isCandidate(classfileBuffer)) {
                    return null;
                }
            }
            if (broken) {
                return null;
            }
            return rewriter().transform(loader, className, protectionDomain, classfileBuffer);
        } catch (Throwable e) {
            LoadTimeRewriter r = rewriter;
            if (r == null) {
                notMade(e);
                return null;
            }
            try {
                r.internalError(className, e);
            } catch (Throwable ignored) {
                // nothing left to report with; the class loads unchanged
            }
            return null;
        }
    }

    /** The rewriter could not be made: said once, on stderr (the reporter is part of what failed), then quiet. */
    private synchronized void notMade(Throwable e) {
        if (!broken) {
            broken = true;
            System.err.println("[weft] the agent could not start rewriting (" + e + "); classes with @Async methods "
                    + "load unchanged. Please report it.");
        }
    }

    /** Made at the first candidate. */
    LoadTimeRewriter rewriter() {
        LoadTimeRewriter r = rewriter;
        if (r == null) {
            synchronized (this) {
                r = rewriter;
                if (r == null) {
                    File cache = options.cacheDirectory(defaultCache);
                    r = new LoadTimeRewriter(this, options, instrumentation, cache, buildId);
                    rewriter = r;
                }
            }
        }
        return r;
    }

    /** The internal name a class file gives itself, or null when it cannot be read. */
    private static String nameOf(byte[] classfileBuffer) {
        try {
            return new ClassReader(classfileBuffer).getClassName();
        } catch (RuntimeException e) {
            return null; // not a class file the agent can read; the JVM will say what is wrong with it
        }
    }
}
