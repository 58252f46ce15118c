package dev.weft.agent;

import dev.weft.agent.transform.AsyncTransformException;
import dev.weft.agent.transform.AsyncTransformer;
import dev.weft.agent.transform.ClassHierarchy;
import dev.weft.agent.transform.TransformResult;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;
import net.bytebuddy.dynamic.loading.ClassInjector;

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
 * <p>The coroutine frame classes a rewrite adds are defined in the class's own loader, with Byte Buddy's
 * {@link ClassInjector}, before the rewritten class is returned (so the verifier finds them).
 */
final class AsyncClassFileTransformer implements ClassFileTransformer {
    private static final System.Logger LOG = System.getLogger("dev.weft.agent");

    private final AgentOptions options;
    private final Map<ClassLoader, AsyncTransformer> transformers = new WeakHashMap<>();
    final AtomicLong scanned = new AtomicLong();
    final AtomicLong rewritten = new AtomicLong();
    final AtomicLong refused = new AtomicLong();

    AsyncClassFileTransformer(AgentOptions options) {
        this.options = options;
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
            inject(loader, protectionDomain, result.generatedClasses());
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

    private static void inject(ClassLoader loader, ProtectionDomain domain, Map<String, byte[]> classes) {
        if (classes.isEmpty()) {
            return;
        }
        Map<String, byte[]> byName = new LinkedHashMap<>();
        classes.forEach((internal, bytes) -> byName.put(internal.replace('/', '.'), bytes));
        ClassInjector injector;
        if (ClassInjector.UsingReflection.isAvailable()) {
            injector = new ClassInjector.UsingReflection(loader, domain);
        } else if (ClassInjector.UsingUnsafe.isAvailable()) {
            injector = new ClassInjector.UsingUnsafe(loader, domain);
        } else {
            throw new IllegalStateException("no way to define the coroutine frame classes in " + loader
                    + " on this JVM; rewrite this class at build time with dev.weft:async-maven-plugin");
        }
        injector.injectRaw(byName);
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
