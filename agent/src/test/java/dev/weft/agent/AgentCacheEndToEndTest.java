package dev.weft.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent in real JVMs: started twice with {@code -javaagent} on one cache directory, the second start takes
 * the rewritten class from the cache; and a JVM whose classes never mention Weft loads none of the rewrite's
 * machinery.
 */
class AgentCacheEndToEndTest {

    private static final String ADDER = """
            package app;

            import dev.weft.Async;
            import dev.weft.runtime.Task;
            import dev.weft.runtime.Tasks;
            import java.time.Duration;
            import static dev.weft.runtime.Await.await;

            public class Adder {
                @Async
                static Task<Integer> slowAdd(int a, int b) {
                    await(Tasks.sleep(Duration.ZERO));
                    return Task.completed(a + b);
                }
            }
            """;

    private static final String MAIN = """
            package app;

            import dev.weft.runtime.EventLoop;

            public class Main {
                public static void main(String[] args) {
                    System.out.println("sum=" + EventLoop.run(() -> Adder.slowAdd(20, 22)));
                }
            }
            """;

    private static final String PLAIN = """
            package app;

            import java.util.ArrayList;
            import java.util.List;

            public class Plain {
                public static void main(String[] args) {
                    List<String> names = new ArrayList<>(List.of("a", "b"));
                    System.out.println("plain " + names.size());
                }
            }
            """;

    private record Run(String out, String err) {
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A jar that is only a manifest naming the agent's class: the JVM appends it to the class path and finds
     * {@code AsyncAgent} there, in the agent's classes as the build just compiled them (the shaded jar is made
     * after the tests).
     */
    private static Path agentJar(Path dir) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", AsyncAgent.class.getName());
        Path jar = dir.resolve("agent.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, manifest)) {
            j.flush();
        }
        return jar;
    }

    private static String classPath(Path program) {
        List<String> entries = new ArrayList<>(List.of(location(AsyncAgent.class),
                location(org.objectweb.asm.ClassReader.class), location(org.objectweb.asm.tree.ClassNode.class),
                location(org.objectweb.asm.tree.analysis.Analyzer.class),
                location(org.objectweb.asm.util.CheckClassAdapter.class),
                location(net.bytebuddy.agent.ByteBuddyAgent.class), location(dev.weft.runtime.Task.class),
                location(dev.weft.Async.class), program.toString()));
        return entries.stream().distinct().collect(Collectors.joining(File.pathSeparator));
    }

    private static Run java(Path home, List<String> options, Path program, String main) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Duser.home=" + home));
        command.addAll(options);
        command.addAll(List.of("-cp", classPath(program), main));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("WEFT_AGENT_CACHE");
        pb.environment().remove("XDG_CACHE_HOME");
        Process p = pb.start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertEquals(0, p.waitFor(), out + err.get());
        return new Run(out, err.get());
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).count();
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted()
                    .collect(Collectors.toList());
        }
    }

    @Test
    void theSecondStartTakesTheRewrittenClassFromTheCache(@TempDir Path tmp) throws Exception {
        Path program = JavaSources.compile(tmp.resolve("program"), Map.of("app/Adder.java", ADDER,
                "app/Main.java", MAIN));
        Path cache = tmp.resolve("cache");
        Path home = Files.createDirectories(tmp.resolve("home"));
        List<String> agent = List.of("-javaagent:" + agentJar(tmp) + "=verbose,cache=" + cache);

        Run cold = java(home, agent, program, "app.Main");
        assertEquals("sum=42", cold.out().strip(), cold.err());
        assertTrue(cold.err().contains("[weft] rewrote app.Adder: [slowAdd(II)Ldev/weft/runtime/Task;]\n")
                || cold.err().contains("[weft] rewrote app.Adder: [slowAdd(II)Ldev/weft/runtime/Task;]" + System.lineSeparator()),
                cold.err());
        assertFalse(cold.err().contains("from the class cache"), cold.err());
        assertTrue(cold.err().contains(": 0 hits (0 from the pack), 1 misses, 1 written, 0 damaged entries ignored"),
                cold.err());
        assertEquals(List.of(ClassCache.PACK), names(cache), "the entry, folded into the pack at exit");

        Run warm = java(home, agent, program, "app.Main");
        assertEquals("sum=42", warm.out().strip(), warm.err());
        assertTrue(warm.err().contains("[weft] rewrote app.Adder: [slowAdd(II)Ldev/weft/runtime/Task;] "
                + "(from the class cache)"), warm.err());
        assertTrue(warm.err().contains(": 1 hits (1 from the pack), 0 misses, 0 written, 0 damaged entries ignored"),
                warm.err());
        assertEquals(List.of(ClassCache.PACK), names(cache));
        assertEquals(0, files(home), "nothing under the home directory");

        Run off = java(home, List.of("-javaagent:" + agentJar(tmp) + "=verbose,cache=off"), program, "app.Main");
        assertEquals("sum=42", off.out().strip(), off.err());
        assertFalse(off.err().contains("class cache"), off.err());
        assertEquals(0, files(home), "cache=off writes nothing, not even in the default directory");
    }

    @Test
    void aJvmWhoseClassesNeverMentionWeftLoadsNoneOfTheRewrite(@TempDir Path tmp) throws Exception {
        Path program = JavaSources.compile(tmp.resolve("program"), Map.of("app/Plain.java", PLAIN));
        Path home = Files.createDirectories(tmp.resolve("home"));
        Run run = java(home, List.of("-javaagent:" + agentJar(tmp) + "=verbose", "-verbose:class"), program,
                "app.Plain");
        // (the JDK's own ASM, jdk.internal.org.objectweb.asm, spins the module system's lambdas under any agent)
        List<String> loaded = run.out().lines().filter(l -> l.contains(" source: "))
                .map(l -> l.replaceAll(".*\\] ([^ ]+) source.*", "$1"))
                .filter(c -> c.startsWith("dev.weft.") || c.startsWith("org.objectweb.")
                        || c.startsWith("net.bytebuddy."))
                .collect(Collectors.toList());
        assertTrue(run.out().contains("plain 2"), run.out());
        assertTrue(loaded.contains("dev.weft.agent.AsyncClassFileTransformer"), loaded.toString());
        List<String> unexpected = loaded.stream().filter(c -> !List.of("dev.weft.agent.AsyncAgent",
                "dev.weft.agent.AgentOptions", "dev.weft.agent.AgentReporter", "dev.weft.agent.AgentStatus",
                "dev.weft.agent.AsyncClassFileTransformer", "dev.weft.agent.transform.ConstantPoolScan",
                "dev.weft.agent.transform.ConstantPoolScan$Verdict").contains(c)).collect(Collectors.toList());
        assertEquals(List.of(), unexpected, "no ASM, no Byte Buddy, no rewriter: " + loaded);
        assertEquals(0, files(home), "no cache without a class to keep");
    }
}
