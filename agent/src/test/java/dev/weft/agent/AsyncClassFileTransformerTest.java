package dev.weft.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's transformer, driven the way the JVM drives it, through a class loader. */
class AsyncClassFileTransformerTest {

    private static final String ASYNC_SOURCE = """
            package app;

            import dev.weft.Async;
            import dev.weft.runtime.EventLoop;
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

                public static int run() {
                    return EventLoop.run(() -> slowAdd(20, 22));
                }
            }
            """;

    private static final String REFUSED_SOURCE = """
            package app;

            import dev.weft.Async;
            import dev.weft.runtime.Task;

            public class Refused {
                @Async
                static int notAFuture() {
                    return 1;
                }
            }
            """;

    /** A loader that passes every class of {@code dir} through the agent's transformer, as the JVM would. */
    private static final class TransformingLoader extends ClassLoader {
        private final Path dir;
        private final AsyncClassFileTransformer transformer;

        TransformingLoader(Path dir, AsyncClassFileTransformer transformer) {
            super(AsyncClassFileTransformerTest.class.getClassLoader());
            this.dir = dir;
            this.transformer = transformer;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null && Files.exists(dir.resolve(name.replace('.', '/') + ".class"))) {
                    c = findClass(name);
                }
                return c != null ? c : super.loadClass(name, resolve);
            }
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            try {
                String internal = name.replace('.', '/');
                byte[] bytes = Files.readAllBytes(dir.resolve(internal + ".class"));
                byte[] rewritten = transformer.transform(this, internal, null, null, bytes);
                byte[] used = rewritten != null ? rewritten : bytes;
                return defineClass(name, used, 0, used.length);
            } catch (IOException e) {
                throw new ClassNotFoundException(name, e);
            }
        }
    }

    @Test
    void rewritesAsyncClassesAndDefinesTheirFramesInTheSameLoader(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp, Map.of("app/Adder.java", ASYNC_SOURCE));
        AsyncClassFileTransformer transformer = new AsyncClassFileTransformer(AgentOptions.defaults());
        TransformingLoader loader = new TransformingLoader(classes, transformer);
        Method run = loader.loadClass("app.Adder").getDeclaredMethod("run");
        assertEquals(42, run.invoke(null));
        assertEquals(1, transformer.rewritten.get());
        Class<?> frame = loader.loadClass("app.Adder$async$slowAdd$0");
        assertEquals(loader, frame.getClassLoader(), "the frame class lives beside its host");
    }

    @Test
    void aClassWithoutAsyncIsNotTouched(@TempDir Path tmp) throws IOException {
        Path classes = JavaSources.compile(tmp, Map.of("app/Plain.java", "package app; public class Plain {}"));
        AsyncClassFileTransformer transformer = new AsyncClassFileTransformer(AgentOptions.defaults());
        byte[] bytes = Files.readAllBytes(classes.resolve("app/Plain.class"));
        assertNull(transformer.transform(getClass().getClassLoader(), "app/Plain", null, null, bytes));
        assertEquals(1, transformer.scanned.get());
        assertEquals(0, transformer.rewritten.get());
    }

    @Test
    void aClassThatCannotBeRewrittenIsReportedAndLoadsUnchanged(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp, Map.of("app/Refused.java", REFUSED_SOURCE));
        AsyncClassFileTransformer transformer = new AsyncClassFileTransformer(AgentOptions.defaults());
        byte[] bytes = Files.readAllBytes(classes.resolve("app/Refused.class"));
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(captured, true));
        byte[] result;
        try {
            result = transformer.transform(getClass().getClassLoader(), "app/Refused", null, null, bytes);
        } finally {
            System.setErr(original);
        }
        assertNull(result, "the class loads unchanged");
        assertEquals(1, transformer.refused.get());
        String report = captured.toString();
        assertTrue(report.contains("Refused.java:9"), report); // bytecode knows the first line of the body
        assertTrue(report.contains("app.Refused.notAFuture"), report);
        assertTrue(report.contains("must return Task<T>"), report);
        assertTrue(report.contains("loads unchanged"), report);
        TransformingLoader loader = new TransformingLoader(classes,
                new AsyncClassFileTransformer(AgentOptions.parse("quiet")));
        assertNotNull(loader.loadClass("app.Refused"), "the application goes on");
    }

    @Test
    void classesBeingRedefinedAndExcludedPackagesAreLeftAlone(@TempDir Path tmp) throws IOException {
        Path classes = JavaSources.compile(tmp, Map.of("app/Adder.java", ASYNC_SOURCE));
        byte[] bytes = Files.readAllBytes(classes.resolve("app/Adder.class"));
        AsyncClassFileTransformer all = new AsyncClassFileTransformer(AgentOptions.defaults());
        assertNull(all.transform(getClass().getClassLoader(), "app/Adder", Object.class, null, bytes));
        AsyncClassFileTransformer excluding = new AsyncClassFileTransformer(AgentOptions.parse("excludes=app"));
        assertNull(excluding.transform(getClass().getClassLoader(), "app/Adder", null, null, bytes));
        AsyncClassFileTransformer including = new AsyncClassFileTransformer(AgentOptions.parse("includes=other"));
        assertNull(including.transform(getClass().getClassLoader(), "app/Adder", null, null, bytes));
        assertEquals(0, excluding.scanned.get() + including.scanned.get());
    }

    @Test
    void optionsAreParsedAndUnknownOnesNamed() {
        AgentOptions o = AgentOptions.parse("includes=com.acme;org.example, excludes=com.acme.gen, verbose");
        assertTrue(o.verbose());
        assertTrue(o.covers("com/acme/Foo"));
        assertTrue(o.covers("org/example/x/Bar"));
        assertTrue(!o.covers("com/acme/gen/Baz"));
        assertTrue(!o.covers("net/other/Qux"));
        assertTrue(!AgentOptions.defaults().covers("java/lang/String"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("fast"));
        assertTrue(e.getMessage().contains("'fast'"), e.getMessage());
    }

    @Test
    void theCommandLinePrintsTheRewrittenMethods(@TempDir Path tmp) throws IOException {
        Path classes = JavaSources.compile(tmp, Map.of("app/Adder.java", ASYNC_SOURCE));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"--print", classes.resolve("app/Adder.class").toString()},
                new PrintStream(out, true), new PrintStream(err, true));
        assertEquals(0, status, err.toString());
        String text = out.toString();
        assertTrue(text.contains("async$slowAdd$0"), text);
        assertTrue(text.contains("suspendOn"), text);
        assertTrue(text.contains("LINENUMBER 13"), text);
    }
}
