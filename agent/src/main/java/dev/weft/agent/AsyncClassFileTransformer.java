package dev.weft.agent;

import dev.weft.agent.transform.AsyncTransformException;
import dev.weft.agent.transform.AsyncTransformer;
import dev.weft.agent.transform.ClassHierarchy;
import dev.weft.agent.transform.TransformResult;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load-time half of Weft: rewrites classes as the JVM loads them, and never breaks the application.
 *
 * <p>Each class first goes through the constant-pool scan ({@link AsyncTransformer#isCandidate}): a class that
 * mentions neither {@code @Async} nor {@code await} is returned untouched without being parsed. A class that
 * cannot be rewritten is reported (class, method, file, line, reason, on stderr unless {@code quiet}, and
 * through {@link System.Logger} "dev.weft.agent") and loads unchanged. Classes already being redefined are left
 * alone (adding methods to a loaded class is not allowed); classes rewritten at build time carry a marker and are
 * skipped by the scan.
 *
 * <p>The coroutine frame classes a rewrite adds are defined in the class's own loader before the rewritten class
 * is returned, so the verifier finds them ({@link FrameClassDefiner}).
 */
final class AsyncClassFileTransformer implements ClassFileTransformer {
    private static final System.Logger LOG = System.getLogger("dev.weft.agent");

    private final AgentOptions options;
    private final Map<ClassLoader, AsyncTransformer> transformers = new WeakHashMap<>();
    final AtomicLong scanned = new AtomicLong();
    final AtomicLong rewritten = new AtomicLong();
    final AtomicLong refused = new AtomicLong();

    private final FrameClassDefiner definer;

    AsyncClassFileTransformer(AgentOptions options) {
        this(options, null);
    }

    AsyncClassFileTransformer(AgentOptions options, java.lang.instrument.Instrumentation instrumentation) {
        this.options = options;
        this.definer = FrameClassDefiner.create(instrumentation);
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        try {
            if (className == null || classBeingRedefined != null || loader == null || !options.covers(className)) {
                return null;
            }
            scanned.incrementAndGet();
            if (!AsyncTransformer.isCandidate(classfileBuffer)) {
                return null;
            }
            TransformResult result = transformerFor(loader).transform(classfileBuffer);
            if (!result.changed()) {
                return null;
            }
            definer.define(loader, protectionDomain, result.generatedClasses());
            rewritten.incrementAndGet();
            if (options.verbose()) {
                System.err.println("[weft] rewrote " + className.replace('/', '.') + ": " + result.rewrittenMethods());
            }
            return result.bytes();
        } catch (AsyncTransformException e) {
            report(className, e.getMessage(), null);
            return null;
        } catch (Throwable e) {
            report(className, "internal error while rewriting (" + e + "); please report it with the class file", e);
            return null;
        }
    }

    private synchronized AsyncTransformer transformerFor(ClassLoader loader) {
        return transformers.computeIfAbsent(loader, l -> new AsyncTransformer(ClassHierarchy.of(l)));
    }

    private void report(String className, String message, Throwable cause) {
        refused.incrementAndGet();
        String line = "[weft] " + message + " -- " + (className == null ? "a class" : className.replace('/', '.'))
                + " loads unchanged";
        if (!options.quiet()) {
            System.err.println(line);
        }
        LOG.log(System.Logger.Level.WARNING, line, cause);
    }
}
