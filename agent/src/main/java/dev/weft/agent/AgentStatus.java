package dev.weft.agent;

import java.util.List;

/**
 * What the agent tells the runtime, so that an {@code await} that runs untransformed on a loop thread can say why
 * (contract item 8; {@code dev.weft.runtime.Await} reads these when, and only when, it throws that error).
 *
 * <p>The channel is a handful of system properties, all with {@code String} values. The runtime depends on nothing
 * and the agent may live in another class loader (or be relocated), so the two share no class; system properties
 * are the one JDK-level map both can see, and plain strings keep them safe for code that copies or stores the
 * system properties (a non-String value breaks {@code Properties.store} and many a {@code (String)} cast).
 * <ul>
 *   <li>{@code dev.weft.agent.state}: {@code "<pid> running"}, or {@code "<pid> stopped <message>"} when the agent
 *       stopped at a bad option. The pid is this JVM's, so a child JVM started with a copy of these properties
 *       but without the agent does not believe it runs;</li>
 *   <li>{@code dev.weft.agent.options}: the option string as given (quoted in the runtime's messages);</li>
 *   <li>{@code dev.weft.agent.includes}, {@code dev.weft.agent.excludes}, {@code dev.weft.agent.never}: the
 *       packages of {@link AgentOptions#covers}, as internal-name prefixes separated by {@code ;};</li>
 *   <li>{@code dev.weft.agent.refused.<class>}: the refusals of a class that loaded unchanged, one per line;</li>
 *   <li>{@code dev.weft.agent.early.<class>}: a class with {@code @Async} code that was loaded before
 *       {@link AsyncAgent#install()} ran.</li>
 * </ul>
 * Each is written once, when the agent starts or a class is refused; nothing is written for a class the agent
 * rewrites or leaves alone, so the cost is off every path but the refusals'.
 */
final class AgentStatus {
    static final String PREFIX = "dev.weft.agent.";
    static final String STATE = PREFIX + "state";
    static final String OPTIONS = PREFIX + "options";
    static final String INCLUDES = PREFIX + "includes";
    static final String EXCLUDES = PREFIX + "excludes";
    static final String NEVER = PREFIX + "never";
    static final String REFUSED = PREFIX + "refused.";
    static final String EARLY = PREFIX + "early.";

    private AgentStatus() {
    }

    /** The agent runs with {@code options}, given as {@code text}. */
    static void running(AgentOptions options, String text) {
        set(OPTIONS, text == null ? "" : text);
        set(INCLUDES, String.join(";", options.includes()));
        set(EXCLUDES, String.join(";", options.excludes()));
        set(NEVER, String.join(";", AgentOptions.ALWAYS_EXCLUDED));
        set(STATE, pid() + " running");
    }

    /** The agent did not install itself: {@code message} says which option was wrong. */
    static void stopped(String text, String message) {
        set(OPTIONS, text == null ? "" : text);
        set(STATE, pid() + " stopped " + message);
    }

    /** {@code className} (internal or binary name) loads unchanged, for these reasons. */
    static void refused(String className, List<String> reasons) {
        set(REFUSED + className.replace('/', '.'), String.join("\n", reasons));
    }

    /** {@code className} (binary name) was loaded before the agent was installed, and runs untransformed. */
    static void loadedEarly(String className) {
        set(EARLY + className, "true");
    }

    /**
     * This JVM's pid. On Linux from {@code /proc/self}, a link named after it: {@code ProcessHandle.current()}
     * costs about 25 ms in a JVM that is starting (its class sets up the process reaper's executor, lambdas and
     * all), and the agent asks at every start.
     */
    static String pid() {
        try {
            java.io.File self = new java.io.File("/proc/self");
            if (self.isDirectory()) {
                String name = self.getCanonicalFile().getName();
                boolean digits = !name.isEmpty() && name.length() < 19;
                for (int i = 0; digits && i < name.length(); i++) {
                    digits = name.charAt(i) >= '0' && name.charAt(i) <= '9';
                }
                if (digits) {
                    return name;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux, or no /proc: ask the JDK
        }
        try {
            return Long.toString(ProcessHandle.current().pid());
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private static void set(String key, String value) {
        try {
            System.setProperty(key, value);
        } catch (RuntimeException e) {
            // a SecurityManager that forbids it: the runtime's message is then the generic one
        }
    }
}
