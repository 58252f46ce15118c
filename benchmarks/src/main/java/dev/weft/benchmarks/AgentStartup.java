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
 * {@code -javaagent}, with the agent's class cache cold (a new, empty directory for each run: every class is
 * rewritten and written to the cache), warm (the directory an earlier run filled) and off; and the JVM's own cost
 * of {@code -javaagent}, an agent whose only transformer returns null, on the rewritten jar. Then a program with no
 * {@code @Async} code at all (10,000 plain classes): without the agent, under the null-transformer agent, and under
 * Weft's. Wall time to the end of the process, and CPU time (user + system, from {@code /proc/self/stat}'s children
 * times, on Linux), median of repeated runs, the configurations alternated. With a second agent jar ({@code other.jar}, an older build, say), its warm
 * cache and its no-{@code @Async} runs are alternated with the rest, so that two builds are compared under the same
 * load.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.weft.benchmarks.AgentStartup agent/target/async-agent.jar [runs] [other.jar]</pre>
 */
public final class AgentStartup {
    static final int CLASSES = 10_000;
    static final int ASYNC_EVERY = 100;

    private AgentStartup() {
    }

    /** One JVM command line to time, and its runs. */
    private static final class Config {
        final String label;
        final List<String> command;
        final String expected;
        final Path coldCache;
        final long[] wall;
        final long[] cpu;
        /** What this one is compared with; null for a baseline. */
        Config base;

        Config(String label, List<String> command, String expected, Path coldCache, int runs) {
            this.label = label;
            this.command = command;
            this.expected = expected;
            this.coldCache = coldCache;
            this.wall = new long[runs];
            this.cpu = new long[runs];
        }

        double wallMs() {
            return median(wall) / 1e6;
        }

        double cpuMs() {
            return median(cpu) / 1e6;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: AgentStartup <async-agent.jar> [runs] [other-async-agent.jar]");
            System.exit(2);
        }
        Path agent = Path.of(args[0]).toAbsolutePath();
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 11;
        Path other = args.length > 2 ? Path.of(args[2]).toAbsolutePath() : null;
        Path dir = Files.createTempDirectory("weft-startup");
        try {
            run(agent, runs, dir, other);
        } finally {
            delete(dir);
        }
    }

    private static void run(Path agent, int runs, Path dir, Path other) throws Exception {
        Path classes = generate(dir, true);
        Path plainClasses = generate(dir.resolve("no-async"), false);
        Path emptyAgent = emptyAgent(dir.resolve("empty-agent"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path plainJar = jar(classes, dir.resolve("plain.jar"));
        Process transform = new ProcessBuilder(java, "-jar", agent.toString(), "--transform", classes.toString(),
                "--classpath", ownLocation()).inheritIO().start();
        if (transform.waitFor() != 0) {
            throw new IllegalStateException("build-time transformation failed");
        }
        Path builtJar = jar(classes, dir.resolve("built.jar"));
        Path noAsyncJar = jar(plainClasses, dir.resolve("no-async.jar"));
        String own = ownLocation();
        Path warm = dir.resolve("cache-warm");
        Path cold = dir.resolve("cache-cold");
        String weft = "-javaagent:" + agent + "=cache=";
        List<Config> configs = new ArrayList<>(List.of(
                new Config("rewritten at build time, no agent", List.of(java, "-cp",
                        builtJar + File.pathSeparator + own, "gen.Main"), "sum=", null, runs),
                new Config("same, agent whose transformer gives null", List.of(java, "-javaagent:" + emptyAgent, "-cp",
                        builtJar + File.pathSeparator + own, "gen.Main"), "sum=", null, runs),
                new Config("rewritten by the agent, cold cache", List.of(java, weft + cold, "-cp",
                        plainJar + File.pathSeparator + own, "gen.Main"), "sum=", cold, runs),
                new Config("rewritten by the agent, warm cache", List.of(java, weft + warm, "-cp",
                        plainJar + File.pathSeparator + own, "gen.Main"), "sum=", null, runs),
                new Config("rewritten by the agent, cache=off", List.of(java, weft + "off", "-cp",
                        plainJar + File.pathSeparator + own, "gen.Main"), "sum=", null, runs),
                new Config("no @Async code, no agent", List.of(java, "-cp", noAsyncJar.toString(), "plain.Main"),
                        "sum=", null, runs),
                new Config("no @Async code, transformer gives null", List.of(java, "-javaagent:" + emptyAgent,
                        "-cp", noAsyncJar.toString(), "plain.Main"), "sum=", null, runs),
                new Config("no @Async code, under the agent", List.of(java, weft + warm, "-cp",
                        noAsyncJar.toString(), "plain.Main"), "sum=", null, runs)));
        if (other != null) {
            String otherWeft = "-javaagent:" + other + "=cache=";
            Path otherWarm = dir.resolve("cache-warm-other");
            configs.add(new Config("other agent, warm cache", List.of(java, otherWeft + otherWarm, "-cp",
                    plainJar + File.pathSeparator + own, "gen.Main"), "sum=", null, runs));
            configs.add(new Config("other agent, no @Async code", List.of(java, otherWeft + otherWarm, "-cp",
                    noAsyncJar.toString(), "plain.Main"), "sum=", null, runs));
        }
        for (int i = 0; i < configs.size(); i++) {
            // baselines: 0 (the build-time jar) for 1-4 and the other agent's warm cache (8); 5 (no @Async code, no
            // agent) for 6, 7 and the other agent's no-@Async run (9)
            configs.get(i).base = i == 0 || i == 5 ? null : configs.get(i < 5 || i == 8 ? 0 : 5);
        }
        for (Config c : configs) {
            time(c, -1);   // the file cache, and the warm class cache
        }
        for (int i = 0; i < runs; i++) {
            for (Config c : configs) {
                time(c, i);
            }
        }
        System.out.printf("agent start-up, %,d classes (%d with @Async), median of %d runs, %s"
                + " (in brackets: the median of each round's difference to its baseline):%n", CLASSES,
                CLASSES / ASYNC_EVERY, runs, Runtime.version());
        boolean cpu = configs.get(0).cpuMs() > 0;
        for (Config c : configs) {
            Config b = c.base;
            System.out.printf("  %-40s %8.1f ms%s", c.label, c.wallMs(), b == null ? "                  "
                    : String.format(" %+6.1f %% (%+5.1f)", 100.0 * (c.wallMs() - b.wallMs()) / b.wallMs(),
                            pairedPercent(c, b)));
            if (cpu) {
                System.out.printf("   cpu %8.1f ms%s", c.cpuMs(), b == null ? ""
                        : String.format(" %+6.1f %%", 100.0 * (c.cpuMs() - b.cpuMs()) / b.cpuMs()));
            }
            System.out.println();
        }
    }

    /**
     * The median over the rounds of each round's difference to its baseline's run of the same round, in percent
     * of the baseline: the runs of a round are seconds apart, so a load that comes and goes moves both.
     */
    private static double pairedPercent(Config c, Config base) {
        double[] d = new double[c.wall.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = 100.0 * (c.wall[i] - base.wall[i]) / base.wall[i];
        }
        Arrays.sort(d);
        return d[d.length / 2];
    }

    /** Runs {@code c} once; its times go to run {@code i} (none when negative). */
    private static void time(Config c, int i) throws IOException, InterruptedException {
        if (c.coldCache != null) {
            delete(c.coldCache);
        }
        long cpuBefore = childrenCpuNanos();
        long start = System.nanoTime();
        Process p = new ProcessBuilder(c.command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0 || !out.contains(c.expected)) {
            throw new IllegalStateException(c.label + ": the program failed: " + out);
        }
        long wall = System.nanoTime() - start;
        long cpu = childrenCpuNanos() - cpuBefore;
        if (i >= 0) {
            c.wall[i] = wall;
            c.cpu[i] = cpu;
        }
    }

    /**
     * User and system time of this process's waited-for children (fields 16 and 17 of {@code /proc/self/stat}, in
     * clock ticks, taken as 100 a second); 0 where there is no such file.
     */
    private static long childrenCpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ", field 3 is f[0]: cutime is field 16, cstime field 17
            return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * 10_000_000L;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static void delete(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(q);
            }
        }
    }

    /**
     * An agent jar whose premain only registers a transformer that returns null: what {@code -javaagent} and a
     * transforming agent cost the JVM by themselves (every class then goes through Java).
     */
    private static Path emptyAgent(Path dir) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src/empty"));
        Path out = Files.createDirectories(dir.resolve("classes"));
        Path file = src.resolve("EmptyAgent.java");
        Files.writeString(file, """
                package empty;
                public final class EmptyAgent implements java.lang.instrument.ClassFileTransformer {
                    public static void premain(String args, java.lang.instrument.Instrumentation instrumentation) {
                        instrumentation.addTransformer(new EmptyAgent());
                    }

                    @Override
                    public byte[] transform(ClassLoader loader, String name, Class<?> redefined,
                                            java.security.ProtectionDomain domain, byte[] bytes) {
                        return null;
                    }
                }
                """);
        if (ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", out.toString(), file.toString()) != 0) {
            throw new IllegalStateException("javac failed");
        }
        java.util.jar.Manifest manifest = new java.util.jar.Manifest();
        manifest.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", "empty.EmptyAgent");
        Path jar = dir.resolve("empty-agent.jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os, manifest)) {
            jos.putNextEntry(new JarEntry("empty/EmptyAgent.class"));
            jos.write(Files.readAllBytes(out.resolve("empty/EmptyAgent.class")));
            jos.closeEntry();
        }
        return jar;
    }

    private static String ownLocation() throws URISyntaxException {
        return Path.of(AgentStartup.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /**
     * Writes and compiles the classes, package {@code gen} with one class in {@link #ASYNC_EVERY} async, or
     * package {@code plain} with none and no use of Weft; returns the classes directory.
     */
    static Path generate(Path dir, boolean withAsync) throws IOException, URISyntaxException {
        if (!withAsync) {
            return generatePlain(dir);
        }
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

    /** {@link #CLASSES} classes like the plain ones of {@code gen}, and a main that loads them all. */
    private static Path generatePlain(Path dir) throws IOException, URISyntaxException {
        Path src = Files.createDirectories(dir.resolve("src/plain"));
        Path out = Files.createDirectories(dir.resolve("classes"));
        List<String> files = new ArrayList<>();
        StringBuilder main = new StringBuilder("""
                package plain;
                public class Main {
                """);
        for (int i = 0; i < CLASSES; i++) {
            Path f = src.resolve("C" + i + ".java");
            Files.writeString(f, """
                    package plain;
                    public class C%d {
                        private int x = %d;
                        public static int value() { return %d; }
                        public int plus(int y) { return x + y; }
                        @Override public String toString() { return "C%d" + x; }
                    }
                    """.formatted(i, i, i % 7, i));
            files.add(f.toString());
            if (i % 1000 == 0) {
                main.append(i == 0 ? "" : "        return sum;\n    }\n").append("    static long part")
                        .append(i / 1000).append("() {\n        long sum = 0;\n");
            }
            main.append("        sum += C").append(i).append(".value();\n");
        }
        main.append("        return sum;\n    }\n    public static void main(String[] args) {\n        long sum = 0;\n");
        for (int c = 0; c < (CLASSES + 999) / 1000; c++) {
            main.append("        sum += part").append(c).append("();\n");
        }
        main.append("        System.out.println(\"sum=\" + sum);\n    }\n}\n");
        Path mainFile = src.resolve("Main.java");
        Files.writeString(mainFile, main.toString());
        files.add(mainFile.toString());
        List<String> javacArgs = new ArrayList<>(List.of("-d", out.toString(), "-nowarn"));
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
