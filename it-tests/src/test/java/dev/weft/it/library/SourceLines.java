package dev.weft.it.library;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The source line of a marker comment in a test's own source file, to check the lines reports name. */
public final class SourceLines {
    private SourceLines() {
    }

    /**
     * The 1-based line of {@code test}'s source that contains {@code marker} (exactly one must), not counting the
     * lines that look it up ({@code lineOf(..., "marker")}).
     */
    public static int lineOf(Class<?> test, String marker) {
        Path source = Path.of("src/test/java", test.getName().replace('.', '/') + ".java");
        try {
            List<String> lines = Files.readAllLines(source);
            int found = -1;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.contains(marker) && !line.contains("\"" + marker)) { // the marker, not a lookup of it
                    if (found >= 0) {
                        throw new IllegalArgumentException(marker + " is on two lines of " + source);
                    }
                    found = i + 1;
                }
            }
            if (found < 0) {
                throw new IllegalArgumentException(marker + " is not in " + source);
            }
            return found;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
