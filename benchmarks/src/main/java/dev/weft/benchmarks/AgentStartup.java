package dev.weft.benchmarks;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;

/**
 * The agent's start-up overhead: a jar of 10,000 generated classes, 1 % of them with an {@code @Async} method,
 * whose main loads every class and runs the async methods. Baseline: the jar rewritten at build time
 * ({@code async-agent.jar --transform}), run without the agent. Measured: the plain jar under
 * {@code -javaagent}. Time to the end of the process, median of repeated runs, alternating the two.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.weft.benchmarks.AgentStartup agent/target/async-agent.jar [runs]</pre>
 */
public final class AgentStartup {
    static final int CLASSES = 10_000;
    static final int ASYNC_EVERY = 100;

    private AgentStartup() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: AgentStartup <async-agent.jar> [runs]");
            System.exit(2);
        }
        Path agent = Path.of(args[0]).toAbsolutePath();
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 11;
        Path dir = Files.createTempDirectory("weft-startup");
        Path classes = generate(dir);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path plainJar = jar(classes, dir.resolve("plain.jar"));
        Process transform = new ProcessBuilder(java, "-jar", agent.toString(), "--transform", classes.toString(),
                "--classpath", ownLocation())
                .inheritIO().start();
        if (transform.waitFor() != 0) {
            throw new IllegalStateException("build-time transformation failed");
        }
        Path builtJar = jar(classes, dir.resolve("built.jar"));
        List<String> plain = List.of(java, "-cp", builtJar + File.pathSeparator + ownLocation(), "gen.Main");
        List<String> withAgent = List.of(java, "-javaagent:" + agent, "-cp",
                plainJar + File.pathSeparator + ownLocation(), "gen.Main");
        run(plain);
        run(withAgent); // warm the file cache
        long[] a = new long[runs];
        long[] b = new long[runs];
        for (int i = 0; i < runs; i++) {
            a[i] = run(plain);
            b[i] = run(withAgent);
        }
        Arrays.sort(a);
        Arrays.sort(b);
        double ma = a[runs / 2] / 1e6;
        double mb = b[runs / 2] / 1e6;
        System.out.printf("agent start-up, %,d classes (%d with @Async), median of %d runs, %s:%n", CLASSES,
                CLASSES / ASYNC_EVERY, runs, Runtime.version());
        System.out.printf("  rewritten at build time, no agent %8.1f ms%n  rewritten by the agent at load    %8.1f ms%n"
                + "  overhead                          %8.1f %%%n", ma, mb, 100.0 * (mb - ma) / ma);
    }

    private static long run(List<String> command) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0 || !out.contains("sum=")) {
            throw new IllegalStateException("generated program failed: " + out);
        }
        return System.nanoTime() - start;
    }

    private static String ownLocation() throws URISyntaxException {
        return Path.of(AgentStartup.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** Writes and compiles the classes; returns the classes directory. */
    static Path generate(Path dir) throws IOException, URISyntaxException {
        Path src = Files.createDirectories(dir.resolve("src/gen"));
        Path out = Files.createDirectories(dir.resolve("classes"));
        List<String> files = new ArrayList<>();
        StringBuilder loads = new StringBuilder();
        for (int i = 0; i < CLASSES; i++) {
            boolean async = i % ASYNC_EVERY == 0;
            String body = async ? """
                    package gen;
                    import dev.weft.Async;
                    import dev.weft.runtime.Task;
                    import dev.weft.runtime.Tasks;
                    import java.time.Duration;
                    import static dev.weft.runtime.Await.await;
                    public class C%d {
                        @Async public static Task<Integer> value() {
                            await(Tasks.sleep(Duration.ZERO));
                            return Task.completed(%d);
                        }
                    }
                    """.formatted(i, i % 7) : """
                    package gen;
                    public class C%d {
                        private int x = %d;
                        public static int value() { return %d; }
                        public int plus(int y) { return x + y; }
                        @Override public String toString() { return "C%d" + x; }
                    }
                    """.formatted(i, i, i % 7, i);
            Path f = src.resolve("C" + i + ".java");
            Files.writeString(f, body);
            files.add(f.toString());
            loads.append(async ? "        tasks.add(C" + i + ".value());\n" : "        sum += C" + i + ".value();\n");
        }
        // main in chunks: one method per 1,000 classes keeps each under the 64 KB code limit
        StringBuilder main = new StringBuilder("""
                package gen;
                import dev.weft.runtime.EventLoop;
                import dev.weft.runtime.Task;
                import java.util.ArrayList;
                import java.util.List;
                public class Main {
                    static List<Task<Integer>> tasks = new ArrayList<>();
                """);
        String[] lines = loads.toString().split("\n");
        int chunks = (lines.length + 999) / 1000;
        for (int c = 0; c < chunks; c++) {
            main.append("    static long part").append(c).append("() {\n        long sum = 0;\n");
            for (int i = c * 1000; i < Math.min(lines.length, (c + 1) * 1000); i++) {
                main.append(lines[i]).append('\n');
            }
            main.append("        return sum;\n    }\n");
        }
        main.append("    public static void main(String[] args) {\n        long[] sum = {0};\n");
        main.append("        EventLoop.run(() -> {\n");
        for (int c = 0; c < chunks; c++) {
            main.append("            sum[0] += part").append(c).append("();\n");
        }
        main.append("""
                            return tasks.get(tasks.size() - 1);
                        });
                        System.out.println("sum=" + sum[0]);
                    }
                }
                """);
        Path mainFile = src.resolve("Main.java");
        Files.writeString(mainFile, main.toString());
        files.add(mainFile.toString());
        List<String> javacArgs = new ArrayList<>(List.of("-d", out.toString(), "-cp", ownLocation(), "-nowarn"));
        javacArgs.addAll(files);
        if (ToolProvider.getSystemJavaCompiler().run(null, null, null, javacArgs.toArray(String[]::new)) != 0) {
            throw new IllegalStateException("javac failed");
        }
        return out;
    }

    static Path jar(Path classes, Path jar) throws IOException {
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os);
             Stream<Path> walk = Files.walk(classes)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                jos.putNextEntry(new JarEntry(classes.relativize(p).toString().replace(File.separatorChar, '/')));
                jos.write(Files.readAllBytes(p));
                jos.closeEntry();
            }
        }
        return jar;
    }
}
