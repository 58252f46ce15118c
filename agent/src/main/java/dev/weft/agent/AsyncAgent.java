package dev.weft.agent;

import dev.weft.agent.transform.AsyncTransformer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.agent.ByteBuddyAgent;

/**
 * Load-time transformation of {@code @Async} methods.
 *
 * <pre>
 * java -javaagent:async-agent.jar[=includes=com.acme,verbose] -cp app.jar com.acme.Main
 * </pre>
 *
 * or, for an application that cannot change its command line, as the first statement of {@code main}, in a
 * class that has no {@code @Async} method itself:
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     AsyncAgent.install();           // before any class with @Async methods is loaded
 *     App.run(args);
 * }
 * }</pre>
 *
 * See {@link AgentOptions} for the options.
 */
public final class AsyncAgent {
    private static volatile AsyncClassFileTransformer installed;

    private AsyncAgent() {
    }

    /** {@code -javaagent:} entry. */
    public static void premain(String args, Instrumentation instrumentation) {
        start(args, instrumentation, false);
    }

    /** Dynamic attach entry. */
    public static void agentmain(String args, Instrumentation instrumentation) {
        start(args, instrumentation, true);
    }

    /** Installs the agent into the running JVM with default options; see {@link #install(String)}. */
    public static void install() {
        install("");
    }

    /**
     * Installs the agent into the running JVM (Byte Buddy's self-attach). It must run before the classes it is to
     * rewrite are loaded; classes with {@code @Async} methods loaded earlier stay untransformed, and are named on
     * stderr. Installing twice does nothing.
     *
     * @param options as after {@code -javaagent:async-agent.jar=}
     * @throws IllegalStateException when the JVM does not allow attaching (a JRE without the attach module, or
     *     {@code -XX:+DisableAttachMechanism}); use {@code -javaagent:} instead
     */
    public static synchronized void install(String options) {
        if (installed != null) {
            return;
        }
        Instrumentation instrumentation;
        try {
            instrumentation = ByteBuddyAgent.install();
        } catch (RuntimeException e) {
            throw new IllegalStateException("AsyncAgent.install() could not attach to this JVM (" + e.getMessage()
                    + "); start it with -javaagent:async-agent.jar instead", e);
        }
        start(options, instrumentation, true);
    }

    /** True once the agent runs in this JVM. */
    public static boolean isInstalled() {
        return installed != null;
    }

    private static synchronized void start(String args, Instrumentation instrumentation, boolean late) {
        if (installed != null) {
            return;
        }
        AgentOptions options;
        try {
            options = AgentOptions.parse(args);
        } catch (IllegalArgumentException e) {
            // Always on stderr: the options that could say otherwise are what could not be read.
            System.err.println("[weft] " + e.getMessage() + "; the agent is not installed");
            AgentStatus.stopped(args, e.getMessage());
            return;
        }
        // light: what a rewrite needs is made at the first class that mentions Weft (AsyncClassFileTransformer)
        AsyncClassFileTransformer transformer = new AsyncClassFileTransformer(options, instrumentation);
        AgentStatus.running(options, args);
        instrumentation.addTransformer(transformer, false);
        installed = transformer;
        if (late) {
            warnAboutClassesLoadedTooEarly(instrumentation, options, new AgentReporter(options));
        }
    }

    /** Names the already loaded classes that needed rewriting: they run untransformed. */
    private static void warnAboutClassesLoadedTooEarly(Instrumentation instrumentation, AgentOptions options,
                                                       AgentReporter reporter) {
        List<String> tooEarly = new ArrayList<>();
        for (Class<?> c : instrumentation.getAllLoadedClasses()) {
            ClassLoader loader = c.getClassLoader();
            String internal = c.getName().replace('.', '/');
            if (loader == null || c.isArray() || c.isHidden() || !options.covers(internal)) {
                continue;
            }
            try (InputStream in = loader.getResourceAsStream(internal + ".class")) {
                if (in != null && AsyncTransformer.isCandidate(in.readAllBytes())) {
                    tooEarly.add(c.getName());
                    AgentStatus.loadedEarly(c.getName());
                }
            } catch (IOException | RuntimeException e) {
                // not readable: nothing to say about it
            }
        }
        if (!tooEarly.isEmpty()) {
            reporter.warning("[weft] AsyncAgent was installed after these classes were loaded, so their @Async "
                    + "methods run untransformed: " + tooEarly + ". Call AsyncAgent.install() first thing in main, "
                    + "in a class without @Async methods, or use -javaagent:async-agent.jar.", null);
        }
    }
}
