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
 *   <li>{@code verbose} — print each rewritten class and method;</li>
 *   <li>{@code quiet} — do not print refusals (they are still logged through {@code System.Logger}).</li>
 * </ul>
 * Example: {@code -javaagent:async-agent.jar=includes=com.acme,verbose}.
 */
public record AgentOptions(List<String> includes, List<String> excludes, boolean verbose, boolean quiet) {

    /** Packages never looked at: the JDK's and the agent's own. */
    private static final List<String> ALWAYS_EXCLUDED = List.of("java/", "javax/", "jdk/", "sun/", "com/sun/",
            "dev/weft/agent/", "dev/weft/shaded/", "dev/weft/runtime/");

    public static AgentOptions defaults() {
        return new AgentOptions(List.of(), List.of(), false, false);
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
                    default -> throw new IllegalArgumentException("unknown async-agent option '" + key
                            + "'; known: includes=pkg;pkg, excludes=pkg;pkg, verbose, quiet");
                }
            }
        }
        return new AgentOptions(List.copyOf(includes), List.copyOf(excludes), verbose, quiet);
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
