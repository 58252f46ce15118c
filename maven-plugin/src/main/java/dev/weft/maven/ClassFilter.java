package dev.weft.maven;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code includes} / {@code excludes} of the goals: Ant-style patterns over internal class names
 * ({@code com/acme/Foo$Inner}), where {@code *} matches within one package level, {@code **} across levels and
 * {@code ?} one character. Dots are read as slashes, so {@code com.acme.**} works too. A class is processed
 * when it matches an include (all classes when there are none) and no exclude.
 *
 * <pre>{@code
 * ClassFilter filter = ClassFilter.of(List.of("com/acme/**"), List.of("com/acme/generated/**"));
 * filter.accepts("com/acme/Foo");              // true
 * filter.accepts("com/acme/generated/Bar");    // false
 * }</pre>
 */
final class ClassFilter {
    private final List<Pattern> includes;
    private final List<Pattern> excludes;

    private ClassFilter(List<Pattern> includes, List<Pattern> excludes) {
        this.includes = includes;
        this.excludes = excludes;
    }

    static ClassFilter of(List<String> includes, List<String> excludes) {
        return new ClassFilter(compile(includes), compile(excludes));
    }

    /** True when the class (internal name, without {@code .class}) is to be checked and rewritten. */
    boolean accepts(String internalName) {
        return (includes.isEmpty() || matchesAny(includes, internalName)) && !matchesAny(excludes, internalName);
    }

    private static boolean matchesAny(List<Pattern> patterns, String name) {
        for (Pattern p : patterns) {
            if (p.matcher(name).matches()) {
                return true;
            }
        }
        return false;
    }

    private static List<Pattern> compile(List<String> globs) {
        List<Pattern> patterns = new ArrayList<>();
        if (globs != null) {
            for (String glob : globs) {
                if (glob != null && !glob.isBlank()) {
                    patterns.add(toRegex(glob.trim()));
                }
            }
        }
        return patterns;
    }

    static Pattern toRegex(String glob) {
        String g = glob.endsWith(".class") ? glob.substring(0, glob.length() - ".class".length()) : glob;
        g = g.replace('.', '/');
        if (g.endsWith("/")) {
            g = g + "**";
        }
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < g.length(); i++) {
            char c = g.charAt(i);
            if (c == '*' && i + 1 < g.length() && g.charAt(i + 1) == '*') {
                boolean slashFollows = i + 2 < g.length() && g.charAt(i + 2) == '/';
                regex.append(slashFollows ? "(?:.*/)?" : ".*");
                i += slashFollows ? 2 : 1;
            } else if (c == '*') {
                regex.append("[^/]*");
            } else if (c == '?') {
                regex.append("[^/]");
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }
}
