package dev.weft.agent;

import dev.weft.agent.transform.AsyncTransformException;
import dev.weft.agent.transform.AsyncTransformer;
import dev.weft.agent.transform.ClassHierarchy;
import dev.weft.agent.transform.TransformResult;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.nio.charset.StandardCharsets;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * What the agent does with a candidate (a class whose constant pool names {@code @Async} or {@code Await}): made
 * by {@link AsyncClassFileTransformer} at the first one, so that a JVM whose classes never mention Weft loads
 * none of this, nor the reporter, the frame definer, the cache or ASM.
 *
 * <p>For each candidate: the class cache's entry when there is one that may be used ({@link ClassCache}), else
 * the rewrite, whose outcome is then kept; either way the frame classes are defined first, then the class is
 * returned, and a refusal is reported, once per JVM, exactly as it was when the class was rewritten.
 */
final class LoadTimeRewriter {
    /** The resource that names this agent build, written by the build (see the agent's pom). */
    static final String BUILD_ID_RESOURCE = "dev/weft/agent/build-id";

    private final AsyncClassFileTransformer counters;
    private final AgentOptions options;
    private final AgentReporter reporter;
    private final FrameClassDefiner definer;
    private final ClassCache cache;
    private final Map<ClassLoader, ClassFiles> loaders = new WeakHashMap<>();

    /**
     * @param cacheRoot the cache directory, or null for none
     * @param buildId   this agent build's id (part of the cache's key), or null to read it from the agent's jar
     */
    LoadTimeRewriter(AsyncClassFileTransformer counters, AgentOptions options, Instrumentation instrumentation,
                     File cacheRoot, String buildId) {
        this.counters = counters;
        this.options = options;
        this.reporter = new AgentReporter(options);
        this.definer = FrameClassDefiner.create(instrumentation);
        ClassCache c = null;
        if (cacheRoot != null) {
            String id = buildId != null ? buildId : readBuildId();
            if (id == null) {
                reporter.info("[weft] class cache off: this agent was built without a build id ("
                        + BUILD_ID_RESOURCE + ")");
            } else {
                // the agent's folds its loose entries into the pack at exit; a test's leaves that to the test
                c = new ClassCache(cacheRoot, id, options, reporter, instrumentation != null);
                if (options.verbose() && !options.quiet()) {
                    reporter.info("[weft] class cache: " + c.directory());
                    reportAtExit(c);
                }
            }
        }
        this.cache = c;
    }

    /**
     * This agent build's id: from its jar's manifest ({@code Implementation-Version}, read by the class loader
     * already), else from the resource (classes in a directory); null when there is none, or when the build did not
     * fill it in (an IDE's build of the sources).
     */
    static String readBuildId() {
        Package p = LoadTimeRewriter.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        if (v != null && v.contains("+") && !v.contains("${")) {
            return v;
        }
        try (InputStream in = LoadTimeRewriter.class.getClassLoader() == null
                ? ClassLoader.getSystemResourceAsStream(BUILD_ID_RESOURCE)
                : LoadTimeRewriter.class.getClassLoader().getResourceAsStream(BUILD_ID_RESOURCE)) {
            if (in == null) {
                return null;
            }
            String id = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            return id.isEmpty() || id.contains("${") ? null : id;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void reportAtExit(ClassCache c) {
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> reporter.info("[weft] class cache "
                    + c.directory() + ": " + c.hits.get() + " hits (" + c.packHits.get() + " from the pack), "
                    + c.misses.get() + " misses, " + c.written.get() + " written, " + c.damaged.get()
                    + " damaged entries ignored" + (c.isOff() ? " (turned off)" : "")),
                    "weft-agent-cache-report"));
        } catch (RuntimeException e) {
            // shutting down already, or not allowed: no summary
        }
    }

    ClassCache cache() {
        return cache;
    }

    private synchronized ClassFiles filesOf(ClassLoader loader) {
        ClassFiles files = loaders.get(loader);
        if (files == null) {
            files = new ClassFiles(loader);
            loaders.put(loader, files);
        }
        return files;
    }

    /** The class to define instead of {@code classfileBuffer}, or null to define it unchanged. */
    byte[] transform(ClassLoader loader, String className, ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        try {
            ClassFiles files = filesOf(loader);
            ClassCache c = cache;
            if (c != null) {
                ClassCache.Entry kept = c.lookup(classfileBuffer, files);
                if (kept != null) {
                    return apply(kept, loader, className, protectionDomain, true);
                }
            }
            ClassCache.Entry made = rewrite(files, classfileBuffer, c != null);
            if (c != null) {
                c.store(classfileBuffer, made);
            }
            return apply(made, loader, className, protectionDomain, false);
        } catch (Throwable e) {
            internalError(className, e);
            return null;
        }
    }

    /** Rewrites the class; what the rewrite read is recorded when the outcome is to be kept. */
    private ClassCache.Entry rewrite(ClassFiles files, byte[] classfileBuffer, boolean record) {
        ClassFiles.Recording recording = record ? files.record() : null;
        // a hierarchy of its own per rewrite: every class file the rewrite reads goes through the recording
        ClassHierarchy hierarchy = ClassHierarchy.of(recording != null ? recording : new Unrecorded(files));
        AsyncTransformer transformer = new AsyncTransformer(hierarchy).withDebugLocals(options.debugLocals());
        try {
            TransformResult result = transformer.transform(classfileBuffer);
            Map<String, ContentHash> read = recording != null ? recording.read() : Map.of();
            if (!result.changed()) {
                return ClassCache.Entry.unchanged(read);
            }
            return ClassCache.Entry.rewritten(result.bytes(), result.generatedClasses(), result.rewrittenMethods(),
                    read);
        } catch (AsyncTransformException e) {
            List<String> reasons = new ArrayList<>();
            for (AsyncTransformException refusal : e.all()) {
                reasons.add(refusal.getMessage());
            }
            return ClassCache.Entry.refused(List.copyOf(reasons), recording != null ? recording.read() : Map.of());
        }
    }

    /** The class files of a loader, nothing recorded. */
    private static final class Unrecorded implements ClassHierarchy.ClassFileSource {
        private final ClassFiles files;

        Unrecorded(ClassFiles files) {
            this.files = files;
        }

        @Override
        public byte[] find(String internalName) {
            ClassFiles.Found f = files.find(internalName);
            return f == null ? null : f.bytes;
        }
    }

    private byte[] apply(ClassCache.Entry e, ClassLoader loader, String className, ProtectionDomain domain,
                         boolean cached) throws Throwable {
        switch (e.kind) {
            case ClassCache.REWRITTEN -> {
                definer.define(loader, domain, e.frames);
                counters.rewritten.incrementAndGet();
                if (options.verbose()) {
                    reporter.info("[weft] rewrote " + className.replace('/', '.') + ": " + e.methods
                            + (cached ? " (from the class cache)" : ""));
                }
                return e.bytes;
            }
            case ClassCache.REFUSED -> {
                report(className, e.reasons, null);
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    /** An error of the agent itself while it handled {@code className}: reported, and the class loads unchanged. */
    void internalError(String className, Throwable e) {
        report(className, List.of("internal error while rewriting (" + e + "); please report it with the class "
                + "file"), e);
    }

    /** One line per refusal, each once; and the refusals published for the runtime's error message. */
    private void report(String className, List<String> reasons, Throwable cause) {
        counters.refused.incrementAndGet();
        String name = className == null ? "a class" : className.replace('/', '.');
        if (className != null) {
            AgentStatus.refused(className, reasons);
        }
        for (String reason : reasons) {
            reporter.warning("[weft] " + reason + " -- " + name + " loads unchanged", cause);
        }
    }
}
