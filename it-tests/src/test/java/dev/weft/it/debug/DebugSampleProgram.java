package dev.weft.it.debug;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.ToolProvider;

/**
 * The program the debugger tests drive ({@code src/test/resources/debug-sample/app/DebugSample.java}), compiled
 * once with {@code javac -g} (debug information, as Maven compiles by default) into two class directories:
 * {@link #plainClasses()}, javac's output, run under {@code -javaagent:async-agent.jar}; and
 * {@link #rewrittenClasses()}, the same classes rewritten ahead of time by the transformer the Maven plugin runs
 * ({@code java -jar async-agent.jar --transform}, the same {@code AsyncTransformer} the plugin's
 * {@code Instrumenter} calls), run with no agent.
 *
 * <p>Lines are found by the markers at their ends ({@code // @static-print}), so the source can change freely.
 */
final class DebugSampleProgram {

    static final String MAIN = "app.DebugSample";
    static final String SOURCE_NAME = "DebugSample.java";
    private static final String RESOURCE = "/debug-sample/app/DebugSample.java";
    private static final Pattern MARKER = Pattern.compile("//\\s*@([a-z][a-z0-9-]*)\\s*$");

    private final Path plain;
    private final Path rewritten;
    private final Map<String, Integer> lines;
    private final List<String> sourceLines;

    private DebugSampleProgram(Path plain, Path rewritten, Map<String, Integer> lines, List<String> sourceLines) {
        this.plain = plain;
        this.rewritten = rewritten;
        this.lines = lines;
        this.sourceLines = sourceLines;
    }

    /** Compiles the sample into {@code dir/plain} and rewrites a copy into {@code dir/rewritten}. */
    static DebugSampleProgram build(Path dir) throws IOException, InterruptedException, URISyntaxException {
        String source;
        try (InputStream in = DebugSampleProgram.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + RESOURCE);
            }
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Path src = Files.createDirectories(dir.resolve("src/app")).resolve(SOURCE_NAME);
        Files.writeString(src, source);
        Path plain = Files.createDirectories(dir.resolve("plain"));
        List<String> args = List.of("-g", "-d", plain.toString(), "-cp", runtimeClassPath(), src.toString());
        int javac = ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(new String[0]));
        if (javac != 0) {
            throw new IllegalStateException("javac failed on " + src);
        }
        Path rewritten = Files.createDirectories(dir.resolve("rewritten"));
        copyTree(plain, rewritten);
        transform(rewritten);

        Map<String, Integer> lines = new LinkedHashMap<>();
        List<String> sourceLines = source.lines().toList();
        for (int i = 0; i < sourceLines.size(); i++) {
            Matcher m = MARKER.matcher(sourceLines.get(i));
            if (m.find() && lines.put(m.group(1), i + 1) != null) {
                throw new IllegalStateException("marker @" + m.group(1) + " twice in " + RESOURCE);
            }
        }
        return new DebugSampleProgram(plain, rewritten, lines, sourceLines);
    }

    /** The line that carries {@code // @marker}. */
    int line(String marker) {
        Integer line = lines.get(marker);
        if (line == null) {
            throw new IllegalArgumentException("no line marked @" + marker + " in " + RESOURCE);
        }
        return line;
    }

    /** The source text of a line, for messages. */
    String text(int line) {
        return line >= 1 && line <= sourceLines.size() ? sourceLines.get(line - 1).strip() : "?";
    }

    /** The marker of a line, or its number. */
    String name(int line) {
        return lines.entrySet().stream().filter(e -> e.getValue() == line).map(e -> "@" + e.getKey()).findFirst()
                .orElse("line " + line);
    }

    Path plainClasses() {
        return plain;
    }

    Path rewrittenClasses() {
        return rewritten;
    }

    /** The class path a run needs: the program's classes, then the runtime and the annotation. */
    String classPath(Path classes) {
        try {
            return classes + File.pathSeparator + runtimeClassPath();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String runtimeClassPath() throws URISyntaxException {
        return String.join(File.pathSeparator, location(dev.weft.runtime.Task.class), location(dev.weft.Async.class));
    }

    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** agent/target/async-agent.jar, as the agent it-tests use (system property {@code weft.agent.jar}). */
    static Path agentJar() {
        String agent = System.getProperty("weft.agent.jar");
        Path jar = agent != null ? Path.of(agent) : Path.of("..", "agent", "target", "async-agent.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no agent jar at " + jar.toAbsolutePath()
                    + " (build the agent module first: mvn -B -q install -DskipTests)");
        }
        return jar.toAbsolutePath();
    }

    /** The transformer's CLI rewrites the directory in place, as the plugin's instrument goal does. */
    private static void transform(Path classes) throws IOException, InterruptedException {
        String cp;
        try {
            cp = agentJar() + File.pathSeparator + runtimeClassPath();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", cp, "dev.weft.agent.Main", "--transform", classes.toString()).redirectErrorStream(true).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("the transformer CLI did not finish in 60 s");
        }
        String text = out.join();
        boolean framesWritten;
        try (Stream<Path> files = Files.list(classes.resolve("app"))) {
            framesWritten = files.anyMatch(f -> f.getFileName().toString().contains("$async$"));
        }
        if (p.exitValue() != 0 || !framesWritten) {
            throw new IllegalStateException("the transformer CLI failed (exit " + p.exitValue() + "): " + text);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        List<Path> all;
        try (Stream<Path> walk = Files.walk(from)) {
            all = new ArrayList<>(walk.sorted(Comparator.naturalOrder()).toList());
        }
        for (Path p : all) {
            Path target = to.resolve(from.relativize(p).toString());
            if (Files.isDirectory(p)) {
                Files.createDirectories(target);
            } else {
                Files.copy(p, target);
            }
        }
    }
}
