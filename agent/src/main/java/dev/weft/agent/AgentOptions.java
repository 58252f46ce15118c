package dev.weft.agent;

import java.util.ArrayList;
import java.util.List;

/**
 * The agent's options, from {@code -javaagent:async-agent.jar=OPTIONS}: comma-separated, each {@code key=value}
 * or a flag.
 * <ul>
 *   <li>{@code includes=com.acme;org.example.app} — only classes in these packages (and their sub-packages) are
 *       looked at; default: every class outside the JDK;</li>
 *   <li>{@code excludes=com.acme.generated} — never these packages;</li>
 *   <li>{@code verbose} — also report each rewritten class and its methods;</li>
 *   <li>{@code logger} — report through {@link System.Logger} {@code "dev.weft.agent"} instead of stderr
 *       (refusals and classes loaded too early at {@code WARNING}, with the exception of an internal error
 *       attached; {@code verbose} lines at {@code INFO}), for an application that routes System.Logger to its
 *       logging (a {@code System.LoggerFinder}, e.g. SLF4J's or Log4j's bridge, or java.util.logging's
 *       configuration);</li>
 *   <li>{@code quiet} — report nothing, neither on stderr nor through the logger (it wins over {@code verbose}
 *       and {@code logger});</li>
 *   <li>{@code debugLocals} — for debugging sessions: every variable in scope in the source stays visible in a
 *       debugger after a resume, dead or not (each await saves it), at the cost of memory per suspended task and
 *       of objects kept reachable longer;</li>
 *   <li>{@code cache=DIR} — keep the classes the agent rewrites (and the frame classes it adds, and its refusals)
 *       in {@code DIR}, so that the next JVM to load the same class file takes them from there instead of
 *       rewriting it again; {@code cache=off} — no cache, every start rewrites. Default: the environment variable
 *       {@code WEFT_AGENT_CACHE} (a directory, or {@code off}) when it is set, else
 *       {@code $XDG_CACHE_HOME/weft-agent} when that variable is set, else {@code ~/.cache/weft-agent}. The
 *       directory must be writable by its owner alone: what it holds is loaded as code. An entry is used only by
 *       the same agent build, with the same {@code debugLocals}, on the same JDK version, for a byte-for-byte
 *       identical class file whose class path neighbours the rewrite read (super types, Weft's runtime) are
 *       unchanged; anything else, and any entry that is truncated or damaged, is a miss and the class is
 *       rewritten. See {@code ClassCache}.</li>
 * </ul>
 * Example: {@code -javaagent:async-agent.jar=includes=com.acme,verbose}.
 *
 * <p><b>Where reports go.</b> By default each refusal is one line on stderr, {@code [weft] File.java:12:
 * com.acme.Foo.get: <reason> -- com.acme.Foo loads unchanged} (one line per refused method, printed once): stderr is
 * where a developer looks when a program misbehaves, and it needs no configuration. The
 * logger is used only when asked for, so a refusal is never printed twice (once on stderr and once more by the
 * JDK's default logger backend, which prints to stderr too), and the agent never initialises the application's
 * logging from inside a class load unless told to. A bad option is always printed on stderr (the options that
 * would say otherwise could not be read), and the agent then installs nothing.
 *
 * <p>Whatever the reporting, an {@code await} that then runs untransformed on a loop thread throws an
 * IllegalStateException that names the cause: the refusal, the options that excluded the class, the bad option,
 * or a class loaded before {@link AsyncAgent#install()} ran. The agent publishes what the runtime needs for that
 * as {@code dev.weft.agent.*} system properties (string values only; see {@code AgentStatus}).
 */
public record AgentOptions(List<String> includes, List<String> excludes, boolean verbose, boolean quiet,
                           boolean logger, boolean debugLocals, String cache) {

    /** {@link #cache()} under {@code cache=off}. */
    static final String CACHE_OFF = "off";

    /** Packages never looked at: the JDK's and the agent's own (each begins with j, s, c or d: see covers). */
    static final List<String> ALWAYS_EXCLUDED = List.of("java/", "javax/", "jdk/", "sun/", "com/sun/",
            "dev/weft/agent/", "dev/weft/shaded/", "dev/weft/runtime/");

    public static AgentOptions defaults() {
        return new AgentOptions(List.of(), List.of(), false, false, false, false, null);
    }

    /**
     * Parses an option string.
     *
     * @throws IllegalArgumentException naming an unknown option
     */
    public static AgentOptions parse(String text) {
        List<String> includes = new ArrayList<>();
        List<String> excludes = new ArrayList<>();
        boolean verbose = false;
        boolean quiet = false;
        boolean logger = false;
        boolean debugLocals = false;
        String cache = null;
        if (text != null && !text.isBlank()) {
            for (String part : text.split(",")) {
                String p = part.trim();
                if (p.isEmpty()) {
                    continue;
                }
                int eq = p.indexOf('=');
                String key = eq < 0 ? p : p.substring(0, eq).trim();
                String value = eq < 0 ? "" : p.substring(eq + 1).trim();
                switch (key) {
                    case "includes" -> includes.addAll(packages(value));
                    case "excludes" -> excludes.addAll(packages(value));
                    case "verbose" -> verbose = true;
                    case "quiet" -> quiet = true;
                    case "logger" -> logger = true;
                    case "debugLocals" -> debugLocals = true;
                    case "cache" -> {
                        if (value.isEmpty()) {
                            throw new IllegalArgumentException("async-agent option 'cache' needs a value: "
                                    + "cache=<directory> or cache=off");
                        }
                        cache = value;
                    }
                    default -> throw new IllegalArgumentException("unknown async-agent option '" + key
                            + "'; known: includes=pkg;pkg, excludes=pkg;pkg, verbose, quiet, logger, debugLocals, "
                            + "cache=dir|off");
                }
            }
        }
        return new AgentOptions(List.copyOf(includes), List.copyOf(excludes), verbose, quiet, logger, debugLocals,
                cache);
    }

    private static List<String> packages(String value) {
        List<String> result = new ArrayList<>();
        for (String pkg : value.split(";")) {
            String p = pkg.trim();
            if (!p.isEmpty()) {
                result.add(p.replace('.', '/') + "/");
            }
        }
        return result;
    }

    /**
     * The class cache directory, or null for none: {@code cache=DIR}, or nothing under {@code cache=off}; when the
     * option is not given, the default directory if {@code withDefault} (the agent proper), else none (a
     * transformer made by a test).
     */
    java.io.File cacheDirectory(boolean withDefault) {
        if (cache != null) {
            return CACHE_OFF.equals(cache) ? null : new java.io.File(cache);
        }
        if (!withDefault) {
            return null;
        }
        String env = System.getenv("WEFT_AGENT_CACHE");
        if (env != null && !env.isBlank()) {
            return CACHE_OFF.equals(env.trim()) ? null : new java.io.File(env.trim());
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && new java.io.File(xdg).isAbsolute()) {
            return new java.io.File(xdg, "weft-agent");
        }
        String home = System.getProperty("user.home");
        if (home == null || home.isBlank() || "?".equals(home)) {
            return null;
        }
        return new java.io.File(new java.io.File(home, ".cache"), "weft-agent");
    }

    /**
     * Whether a class (internal name) is to be looked at. Runs for every class the JVM loads, mostly interpreted:
     * indexed loops (no iterator), and the JDK's and Weft's own packages only tried for names that begin as one
     * of them does.
     */
    public boolean covers(String internalName) {
        if (internalName.isEmpty()) {
            return includes.isEmpty();
        }
        char first = internalName.charAt(0);
        if (first == 'j' || first == 's' || first == 'c' || first == 'd') {
            for (int i = 0; i < ALWAYS_EXCLUDED.size(); i++) {
                if (internalName.startsWith(ALWAYS_EXCLUDED.get(i))) {
                    return false;
                }
            }
        }
        for (int i = 0; i < excludes.size(); i++) {
            if (internalName.startsWith(excludes.get(i))) {
                return false;
            }
        }
        if (includes.isEmpty()) {
            return true;
        }
        for (int i = 0; i < includes.size(); i++) {
            if (internalName.startsWith(includes.get(i))) {
                return true;
            }
        }
        return false;
    }
}
