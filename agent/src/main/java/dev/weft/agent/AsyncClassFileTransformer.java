package dev.weft.agent;

import dev.weft.agent.transform.AsyncTransformException;
import dev.weft.agent.transform.AsyncTransformer;
import dev.weft.agent.transform.ClassHierarchy;
import dev.weft.agent.transform.TransformResult;
import org.objectweb.asm.ClassReader;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;

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
 */
final class AsyncClassFileTransformer implements ClassFileTransformer {
    private final AgentOptions options;
    private final AgentReporter reporter;
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
        this.reporter = new AgentReporter(options);
        this.definer = FrameClassDefiner.create(instrumentation);
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        try {
            if (classBeingRedefined != null || loader == null) {
                return null;
            }
            if (className == null) {
                className = nameOf(classfileBuffer);
                if (className == null) {
                    return null;
                }
            }
            if (!options.covers(className)) {
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
            reporter.info("[weft] rewrote " + className.replace('/', '.') + ": " + result.rewrittenMethods());
            return result.bytes();
        } catch (AsyncTransformException e) {
            List<String> reasons = new ArrayList<>();
            for (AsyncTransformException refusal : e.all()) {
                reasons.add(refusal.getMessage());
            }
            report(className, reasons, null);
            return null;
        } catch (Throwable e) {
            report(className, List.of("internal error while rewriting (" + e + "); please report it with the class "
                    + "file"), e);
            return null;
        }
    }

    /** The internal name a class file gives itself, or null when it cannot be read. */
    private static String nameOf(byte[] classfileBuffer) {
        try {
            return new ClassReader(classfileBuffer).getClassName();
        } catch (RuntimeException e) {
            return null; // not a class file the agent can read; the JVM will say what is wrong with it
        }
    }

    private synchronized AsyncTransformer transformerFor(ClassLoader loader) {
        return transformers.computeIfAbsent(loader,
                l -> new AsyncTransformer(ClassHierarchy.of(l)).withDebugLocals(options.debugLocals()));
    }

    /** One line per refusal, each once; and the refusals published for the runtime's error message. */
    private void report(String className, List<String> reasons, Throwable cause) {
        refused.incrementAndGet();
        String name = className == null ? "a class" : className.replace('/', '.');
        if (className != null) {
            AgentStatus.refused(className, reasons);
        }
        for (String reason : reasons) {
            reporter.warning("[weft] " + reason + " -- " + name + " loads unchanged", cause);
        }
    }
}
