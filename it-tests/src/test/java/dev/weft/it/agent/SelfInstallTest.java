package dev.weft.it.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code AsyncAgent.install()}, the one-line self-install, in a JVM of its own on classes compiled here and never
 * rewritten at build time: it works when it runs before the @Async classes load, and says which classes it missed
 * when it runs after.
 */
class SelfInstallTest {

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

                public static void touch() {
                }
            }
            """;

    private static final String EARLY = """
            package app;

            public class Early {
                public static void main(String[] args) {
                    dev.weft.agent.AsyncAgent.install();   // before Work is loaded
                    System.out.println("result " + Work.run());
                }
            }
            """;

    private static final String LATE = """
            package app;

            public class Late {
                public static void main(String[] args) {
                    Work.touch();                           // Work is loaded, not rewritten
                    dev.weft.agent.AsyncAgent.install();
                    try {
                        Work.run();
                    } catch (IllegalStateException e) {
                        System.out.println("untransformed await refused: " + e.getMessage());
                    }
                }
            }
            """;

    @Test
    void installedFirstThingInMainItRewritesTheClassesLoadedAfter(@TempDir Path dir) throws Exception {
        String out = run(compile(dir), "app.Early");
        assertTrue(out.contains("result 42"), out);
    }

    @Test
    void installedTooLateItNamesTheClassesItMissed(@TempDir Path dir) throws Exception {
        String out = run(compile(dir), "app.Late");
        assertTrue(out.contains("AsyncAgent was installed after these classes were loaded"), out);
        assertTrue(out.contains("app.Work"), out);
        assertTrue(out.contains("untransformed await refused"), out);
        assertTrue(out.contains("The Weft agent is running but was installed after app.Work was loaded, so app.Work "
                + "runs untransformed: call AsyncAgent.install() first thing in main"), "the error says why: " + out);
    }

    private static Path compile(Path dir) throws IOException, URISyntaxException {
        Path src = Files.createDirectories(dir.resolve("src/app"));
        Files.writeString(src.resolve("Work.java"), WORK);
        Files.writeString(src.resolve("Early.java"), EARLY);
        Files.writeString(src.resolve("Late.java"), LATE);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        int status = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), "-cp",
                classPath(), src.resolve("Work.java").toString(), src.resolve("Early.java").toString(),
                src.resolve("Late.java").toString());
        assertEquals(0, status, "javac");
        return classes;
    }

    private static String classPath() throws URISyntaxException {
        String agent = System.getProperty("weft.agent.jar");
        assertTrue(agent != null && Files.isRegularFile(Path.of(agent)), "agent jar: " + agent);
        return String.join(File.pathSeparator, agent, location(dev.weft.runtime.Task.class),
                location(dev.weft.Async.class));
    }

    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static String run(Path classes, String main) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classes + File.pathSeparator + classPath(), main));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return out;
    }
}
