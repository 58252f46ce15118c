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
 *       of objects kept reachable longer.</li>
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
                           boolean logger, boolean debugLocals) {

    /** Packages never looked at: the JDK's and the agent's own. */
    static final List<String> ALWAYS_EXCLUDED = List.of("java/", "javax/", "jdk/", "sun/", "com/sun/",
            "dev/weft/agent/", "dev/weft/shaded/", "dev/weft/runtime/");

    public static AgentOptions defaults() {
        return new AgentOptions(List.of(), List.of(), false, false, false, false);
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
                    default -> throw new IllegalArgumentException("unknown async-agent option '" + key
                            + "'; known: includes=pkg;pkg, excludes=pkg;pkg, verbose, quiet, logger, debugLocals");
                }
            }
        }
        return new AgentOptions(List.copyOf(includes), List.copyOf(excludes), verbose, quiet, logger, debugLocals);
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

    /** Whether a class (internal name) is to be looked at. */
    public boolean covers(String internalName) {
        for (String ex : ALWAYS_EXCLUDED) {
            if (internalName.startsWith(ex)) {
                return false;
            }
        }
        for (String ex : excludes) {
            if (internalName.startsWith(ex)) {
                return false;
            }
        }
        if (includes.isEmpty()) {
            return true;
        }
        for (String in : includes) {
            if (internalName.startsWith(in)) {
                return true;
            }
        }
        return false;
    }
}
