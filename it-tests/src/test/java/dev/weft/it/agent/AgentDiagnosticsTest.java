package dev.weft.it.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the agent says, and where, in a real JVM under {@code -javaagent} (issue #10, items 3 and 5): one report
 * per refusal, on stderr by default, through System.Logger under {@code logger}, nowhere under {@code quiet}; and
 * the error of an untransformed {@code await} on a loop thread names the real cause (the refusal, the options that
 * exclude the class, the bad option) instead of saying to start the JVM with the agent it runs under. Also: a
 * class defined with {@code defineClass(null, ...)} is rewritten like any other.
 */
class AgentDiagnosticsTest {

    private static final String WORK = """
            package app;

            import dev.weft.Async;
            import dev.weft.runtime.EventLoop;
            import dev.weft.runtime.Task;
            import dev.weft.runtime.Tasks;
            import java.time.Duration;
            import static dev.weft.runtime.Await.await;

            public class Work {
                @Async
                static Task<Integer> answer() {
                    await(Tasks.sleep(Duration.ZERO));
                    return Task.completed(42);
                }

                public static int run() {
                    return EventLoop.run(() -> answer());
                }
            }
            """;

    /** Fine on its own, but the class has two methods the agent refuses, so all of it loads unchanged. */
    private static final String REFUSED = """
            package app;

            import dev.weft.Async;
            import dev.weft.runtime.EventLoop;
            import dev.weft.runtime.Future;
            import dev.weft.runtime.Task;
            import dev.weft.runtime.Tasks;
            import java.time.Duration;
            import static dev.weft.runtime.Await.await;

            public class Refused {
                @Async
                static Task<Integer> answer() {
                    await(Tasks.sleep(Duration.ZERO));
                    return Task.completed(42);
                }

                static int blocking(Future<Integer> f) {
                    return await(f);
                }

                @Async
                static String name() {
                    return "x";
                }

                public static int run() {
                    return EventLoop.run(() -> answer());
                }
            }
            """;

    private static final String MAIN = """
            package app;

            public class Main {
                public static void main(String[] args) throws Exception {
                    try {
                        System.out.println("result " + (args[0].equals("work") ? Work.run() : Refused.run()));
                    } catch (IllegalStateException e) {
                        System.out.println("refused at run time: " + e.getMessage());
                    }
                }
            }
            """;

    /** Defines app.Work, from a directory off the class path, with {@code defineClass(null, ...)}. */
    private static final String NAMELESS = """
            package app;

            import java.nio.file.Files;
            import java.nio.file.Path;

            public class Nameless extends ClassLoader {
                Nameless() {
                    super(Nameless.class.getClassLoader());
                }

                public static void main(String[] args) throws Exception {
                    byte[] bytes = Files.readAllBytes(Path.of(args[0], "app", "Work.class"));
                    Class<?> work = new Nameless().defineClass(null, bytes, 0, bytes.length);
                    System.out.println("defined " + work.getName());
                    System.out.println("result " + work.getMethod("run").invoke(null));
                }
            }
            """;

    @TempDir
    static Path dir;
    private static Path classes;
    private static Path offClassPath;

    @BeforeAll
    static void compile() throws IOException, URISyntaxException {
        Path src = Files.createDirectories(dir.resolve("src/app"));
        Files.writeString(src.resolve("Work.java"), WORK);
        Files.writeString(src.resolve("Refused.java"), REFUSED);
        Files.writeString(src.resolve("Main.java"), MAIN);
        Files.writeString(src.resolve("Nameless.java"), NAMELESS);
        classes = Files.createDirectories(dir.resolve("classes"));
        javac(classes, src.resolve("Work.java"), src.resolve("Refused.java"), src.resolve("Main.java"),
                src.resolve("Nameless.java"));
        offClassPath = Files.createDirectories(dir.resolve("off-class-path"));
        javac(offClassPath, src.resolve("Work.java"));   // what Nameless defines, from bytes no loader knows
    }

    private static void javac(Path out, Path... files) throws URISyntaxException {
        List<String> args = new ArrayList<>(List.of("-d", out.toString(), "-cp", runtimeClassPath()));
        for (Path f : files) {
            args.add(f.toString());
        }
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(new String[0])),
                "javac");
    }

    private record Run(String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).collect(Collectors.toList());
        }
    }

    @Test
    void eachRefusalIsOneLineOnStderrAndTheAwaitQuotesIt() throws Exception {
        Run run = java("", "app.Main", "refused");
        List<String> reports = run.errLines();
        assertFalse(reports.isEmpty(), "nothing reported");
        for (String line : reports) {
            assertTrue(line.startsWith("[weft] Refused.java:") && line.endsWith(" -- app.Refused loads unchanged"),
                    "only refusal lines, nothing from a logger: " + run.err);
            assertTrue(line.contains(": app.Refused.blocking: ") || line.contains(": app.Refused.name: "), line);
        }
        assertEquals(reports.size(), reports.stream().distinct().count(), "each refusal once: " + run.err);
        String error = run.out;
        assertTrue(error.contains("refused at run time: await(...) was called on the event loop thread"), error);
        assertTrue(error.contains("(app.Refused.answer)"), error);
        assertTrue(error.contains("The Weft agent is running but refused app.Refused, which loaded unchanged: "),
                error);
        for (String line : reports) {
            String reason = line.substring("[weft] ".length(), line.length() - " -- app.Refused loads unchanged".length());
            assertTrue(error.contains(reason), "the error quotes every refusal: " + reason + "\n" + error);
        }
        assertFalse(error.contains("start the JVM with -javaagent"), error);
    }

    @Test
    void quietPrintsNothingButTheAwaitStillSaysWhy() throws Exception {
        Run run = java("=quiet", "app.Main", "refused");
        assertEquals("", run.err, "quiet is quiet");
        assertTrue(run.out.contains("The Weft agent is running but refused app.Refused"), run.out);
    }

    @Test
    void underLoggerEachRefusalGoesThroughSystemLoggerOnce() throws Exception {
        Run run = java("=logger", "app.Main", "refused");
        // the JDK's default backend (java.util.logging's console handler) prints "WARNING: message" on stderr
        List<String> logged = run.errLines().stream().filter(l -> l.contains("app.Refused loads unchanged"))
                .collect(Collectors.toList());
        assertFalse(logged.isEmpty(), run.err);
        for (String line : logged) {
            assertTrue(line.startsWith("WARNING: [weft] Refused.java:"), "through the logger only: " + run.err);
        }
        assertEquals(logged.size(), logged.stream().distinct().count(), "each refusal once: " + run.err);
        assertTrue(run.out.contains("The Weft agent is running but refused app.Refused"), run.out);
    }

    @Test
    void aClassTheOptionsExcludeIsNamedInTheAwaitsError() throws Exception {
        Run run = java("=includes=other", "app.Main", "work");
        assertEquals("", run.err);
        assertTrue(run.out.contains("(app.Work.answer)"), run.out);
        assertTrue(run.out.contains("The Weft agent is running but its options exclude app.Work ('includes=other'); "
                + "add app to includes= or take it out of excludes=."), run.out);
    }

    @Test
    void aBadOptionIsPrintedOnceAndNamedInTheAwaitsError() throws Exception {
        Run run = java("=verbose,fast", "app.Main", "work");
        assertEquals(List.of("[weft] unknown async-agent option 'fast'; known: includes=pkg;pkg, excludes=pkg;pkg, "
                + "verbose, quiet, logger, debugLocals, cache=dir|off; the agent is not installed"), run.errLines());
        assertTrue(run.out.contains("The Weft agent was started but stopped at a bad option (unknown async-agent "
                + "option 'fast'; known: includes=pkg;pkg, excludes=pkg;pkg, verbose, quiet, logger, debugLocals, "
                + "cache=dir|off), so it rewrites "
                + "nothing; correct its options ('verbose,fast')."), run.out);
    }

    @Test
    void aClassDefinedWithoutANameIsRewritten() throws Exception {
        Run run = java("=verbose", "app.Nameless", offClassPath.toString());
        assertTrue(run.out.contains("defined app.Work"), run.out);
        assertTrue(run.out.contains("result 42"), "rewritten, so its await suspends on the loop: " + run.out
                + run.err);
        assertTrue(run.err.contains("[weft] rewrote app.Work: "), run.err);
    }

    // --- helpers ---

    private static String runtimeClassPath() throws URISyntaxException {
        return String.join(File.pathSeparator, location(dev.weft.runtime.Task.class), location(dev.weft.Async.class));
    }

    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static Path agentJar() {
        String agent = System.getProperty("weft.agent.jar");
        assertTrue(agent != null && Files.isRegularFile(Path.of(agent)), "agent jar: " + agent);
        return Path.of(agent);
    }

    /** Runs {@code main} under {@code -javaagent:async-agent.jar<options>}, stdout and stderr apart. */
    private static Run java(String options, String main, String arg) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-javaagent:" + agentJar() + options,
                "-cp", classes + File.pathSeparator + runtimeClassPath(), main, arg));
        Process p = new ProcessBuilder(command).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertEquals(0, p.waitFor(), out + err.get());
        return new Run(out, err.get());
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
