package dev.weft.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.agent.transform.AsyncTransformException;
import dev.weft.agent.transform.AsyncTransformer;
import dev.weft.agent.transform.ClassHierarchy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
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

    /** The agent keeps per-loader state (the class files a rewrite reads) without keeping the loader alive. */
    @Test
    void aLoaderWhoseClassesWereRewrittenCanBeCollected(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp, Map.of("app/Adder.java", ASYNC_SOURCE));
        AsyncClassFileTransformer transformer = new AsyncClassFileTransformer(AgentOptions.defaults());
        java.lang.ref.WeakReference<ClassLoader> gone = loadAndRun(classes, transformer);
        for (int i = 0; i < 50 && gone.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(gone.get(), "the agent keeps the class loader reachable");
        assertEquals(1, transformer.rewritten.get()); // the transformer itself stayed reachable meanwhile
    }

    private static java.lang.ref.WeakReference<ClassLoader> loadAndRun(Path classes,
            AsyncClassFileTransformer transformer) throws Exception {
        TransformingLoader loader = new TransformingLoader(classes, transformer);
        assertEquals(42, loader.loadClass("app.Adder").getDeclaredMethod("run").invoke(null));
        return new java.lang.ref.WeakReference<>(loader);
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
        assertTrue(e.getMessage().contains("quiet, logger"), e.getMessage());
        AgentOptions both = AgentOptions.parse("logger, quiet");
        assertTrue(both.logger() && both.quiet() && !AgentOptions.defaults().logger());
        assertTrue(AgentOptions.parse("debugLocals").debugLocals() && !AgentOptions.defaults().debugLocals());
        assertTrue(e.getMessage().contains("debugLocals"), e.getMessage());
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
        assertTrue(text.contains("slowAdd(IILapp/Adder$async$slowAdd$0;Ljava/lang/Object;Ljava/lang/Throwable;)"), text);
        assertTrue(text.contains("suspendOn"), text);
        assertTrue(text.contains("LINENUMBER 13"), text);
    }

    @Test
    void theCommandLineRewritesADirectoryReadingTheClassPathItIsGiven(@TempDir Path tmp) throws IOException {
        Path classes = JavaSources.compile(tmp, Map.of("app/Adder.java", ASYNC_SOURCE));
        byte[] before = Files.readAllBytes(classes.resolve("app/Adder.class"));
        Path runtime = Path.of(dev.weft.runtime.Task.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"--transform", classes.toString(), "--classpath", runtime.toString()},
                new PrintStream(out, true), new PrintStream(err, true));
        assertEquals(0, status, err.toString());
        assertTrue(out.toString().contains("1 rewritten, 0 refused"), out.toString());
        assertFalse(java.util.Arrays.equals(before, Files.readAllBytes(classes.resolve("app/Adder.class"))));
        assertTrue(Files.exists(classes.resolve("app/Adder$async$slowAdd$0.class")), "the frame class is written");

        IOException missing = assertThrows(IOException.class, () -> Main.run(new String[] {"--transform",
                classes.toString(), "--classpath", tmp.resolve("nowhere.jar").toString()},
                new PrintStream(out, true), new PrintStream(err, true)));
        assertTrue(missing.getMessage().contains("nowhere.jar"), missing.getMessage());
    }

    // --- classes defined without a name (issue #10 item 3) ---

    /** Defines every class of {@code dir} with {@code defineClass(null, ...)}, as generated code often does. */
    private static final class NamelessLoader extends ClassLoader {
        private final Path dir;
        private final AsyncClassFileTransformer transformer;

        NamelessLoader(Path dir, AsyncClassFileTransformer transformer) {
            super(AsyncClassFileTransformerTest.class.getClassLoader());
            this.dir = dir;
            this.transformer = transformer;
        }

        Class<?> defineNameless(String internalName) throws IOException {
            byte[] bytes = Files.readAllBytes(dir.resolve(internalName + ".class"));
            byte[] rewritten = transformer.transform(this, null, null, null, bytes);   // what the JVM passes
            byte[] used = rewritten != null ? rewritten : bytes;
            return defineClass(null, used, 0, used.length);
        }
    }

    @Test
    void aClassDefinedWithoutANameIsNamedFromItsBytesAndRewritten(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp, Map.of("app/Adder.java", ASYNC_SOURCE));
        AsyncClassFileTransformer transformer = new AsyncClassFileTransformer(AgentOptions.defaults());
        NamelessLoader loader = new NamelessLoader(classes, transformer);
        Class<?> adder = loader.defineNameless("app/Adder");
        assertEquals("app.Adder", adder.getName());
        assertEquals(1, transformer.rewritten.get());
        assertEquals(42, adder.getDeclaredMethod("run").invoke(null), "rewritten: untransformed it would throw");
        assertEquals(loader, loader.loadClass("app.Adder$async$slowAdd$0").getClassLoader());
    }

    @Test
    void aClassDefinedWithoutANameIsExcludedOrRefusedByItsName(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp, Map.of("app/Adder.java", ASYNC_SOURCE,
                "app/Refused.java", REFUSED_SOURCE));
        byte[] adder = Files.readAllBytes(classes.resolve("app/Adder.class"));
        AsyncClassFileTransformer excluding = new AsyncClassFileTransformer(AgentOptions.parse("excludes=app"));
        assertNull(excluding.transform(getClass().getClassLoader(), null, null, null, adder));
        AsyncClassFileTransformer including = new AsyncClassFileTransformer(AgentOptions.parse("includes=app"));
        assertNotNull(including.transform(getClass().getClassLoader(), null, null, null, adder));
        assertEquals(0, excluding.scanned.get());

        byte[] refused = Files.readAllBytes(classes.resolve("app/Refused.class"));
        String stderr = stderrOf(() -> new AsyncClassFileTransformer(AgentOptions.defaults())
                .transform(getClass().getClassLoader(), null, null, null, refused));
        assertTrue(stderr.contains("-- app.Refused loads unchanged"), "named in the report: " + stderr);
        assertNull(new AsyncClassFileTransformer(AgentOptions.defaults())
                .transform(getClass().getClassLoader(), null, null, null, new byte[] {1, 2, 3}), "not a class file");
    }

    // --- one report per refusal, on one channel (issue #10 item 5) ---

    private static final String TWICE_REFUSED_SOURCE = """
            package app;

            import dev.weft.Async;
            import dev.weft.runtime.Future;
            import dev.weft.runtime.Task;
            import static dev.weft.runtime.Await.await;

            public class TwiceRefused {
                @Async
                static String notAFuture() {
                    return "x";
                }

                static int blocking(Future<Integer> f) {
                    return await(f);
                }
            }
            """;

    /** JUL records of the logger that the JDK's default System.Logger backend gives "dev.weft.agent". */
    private static final class Recorded extends Handler implements AutoCloseable {
        final Logger logger = Logger.getLogger("dev.weft.agent");
        final List<LogRecord> records = new ArrayList<>();
        private final boolean parents = logger.getUseParentHandlers();

        Recorded() {
            logger.addHandler(this);
            logger.setUseParentHandlers(false);   // the test's own console stays clean
        }

        @Override
        public synchronized void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
            logger.setUseParentHandlers(parents);
        }
    }

    /** What {@code action} prints on stderr. */
    private static String stderrOf(Supplier<?> action) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(captured, true));
        try {
            action.get();
        } finally {
            System.setErr(original);
        }
        return captured.toString();
    }

    /** The refusals the transformer itself makes of the class: what the agent must report, each once. */
    private static List<String> refusalsOf(byte[] bytes) {
        try {
            new AsyncTransformer(ClassHierarchy.of(AsyncClassFileTransformerTest.class.getClassLoader()))
                    .transform(bytes);
        } catch (AsyncTransformException e) {
            return e.all().stream().map(Throwable::getMessage).collect(Collectors.toList());
        }
        throw new AssertionError("not refused");
    }

    private static List<String> weftLines(String text) {
        return text.lines().filter(l -> l.startsWith("[weft]")).collect(Collectors.toList());
    }

    @Test
    void byDefaultEachRefusalIsOneLineOnStderrAndNothingGoesToTheLogger(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp, Map.of("app/TwiceRefused.java", TWICE_REFUSED_SOURCE));
        byte[] bytes = Files.readAllBytes(classes.resolve("app/TwiceRefused.class"));
        List<String> refusals = refusalsOf(bytes);
        AsyncClassFileTransformer transformer = new AsyncClassFileTransformer(AgentOptions.defaults());
        String stderr;
        try (Recorded logged = new Recorded()) {
            stderr = stderrOf(() -> transformer.transform(getClass().getClassLoader(), "app/TwiceRefused", null,
                    null, bytes));
            assertEquals(List.of(), logged.records, "the logger is not used unless asked for");
        }
        List<String> expected = refusals.stream().map(r -> "[weft] " + r + " -- app.TwiceRefused loads unchanged")
                .collect(Collectors.toList());
        assertEquals(expected, weftLines(stderr), "one line per refusal, each once");
        assertEquals(expected.size(), stderr.lines().count(), stderr);
        assertTrue(stderr.contains("app.TwiceRefused.blocking") || stderr.contains("app.TwiceRefused.notAFuture"),
                stderr);
        assertEquals(1, transformer.refused.get());
    }

    @Test
    void underLoggerEachRefusalGoesThroughSystemLoggerOnly(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp, Map.of("app/TwiceRefused.java", TWICE_REFUSED_SOURCE,
                "app/Adder.java", ASYNC_SOURCE));
        byte[] refused = Files.readAllBytes(classes.resolve("app/TwiceRefused.class"));
        byte[] adder = Files.readAllBytes(classes.resolve("app/Adder.class"));
        AsyncClassFileTransformer transformer = new AsyncClassFileTransformer(AgentOptions.parse("logger,verbose"));
        try (Recorded logged = new Recorded()) {
            String stderr = stderrOf(() -> {
                transformer.transform(getClass().getClassLoader(), "app/TwiceRefused", null, null, refused);
                return transformer.transform(new ClassLoader(getClass().getClassLoader()) { }, "app/Adder", null,
                        null, adder);
            });
            assertEquals("", stderr, "nothing on stderr under logger");
            List<String> warnings = logged.records.stream().filter(r -> r.getLevel() == Level.WARNING)
                    .map(LogRecord::getMessage).collect(Collectors.toList());
            assertEquals(refusalsOf(refused).stream().map(r -> "[weft] " + r + " -- app.TwiceRefused loads unchanged")
                    .collect(Collectors.toList()), warnings);
            List<String> infos = logged.records.stream().filter(r -> r.getLevel() == Level.INFO)
                    .map(LogRecord::getMessage).collect(Collectors.toList());
            assertEquals(1, infos.size(), infos.toString());
            assertTrue(infos.get(0).startsWith("[weft] rewrote app.Adder: "), infos.toString());
        }
    }

    @Test
    void quietReportsNothingAnywhere(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp, Map.of("app/TwiceRefused.java", TWICE_REFUSED_SOURCE));
        byte[] bytes = Files.readAllBytes(classes.resolve("app/TwiceRefused.class"));
        for (String options : List.of("quiet", "quiet,logger", "verbose,quiet")) {
            AsyncClassFileTransformer transformer = new AsyncClassFileTransformer(AgentOptions.parse(options));
            try (Recorded logged = new Recorded()) {
                String stderr = stderrOf(() -> transformer.transform(getClass().getClassLoader(), "app/TwiceRefused",
                        null, null, bytes));
                assertEquals("", stderr, options);
                assertEquals(List.of(), logged.records, options);
            }
            assertEquals(1, transformer.refused.get(), "still counted: " + options);
        }
    }

    @Test
    void aRefusalIsPublishedForTheRuntimesErrorMessage(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp, Map.of("app/TwiceRefused.java", TWICE_REFUSED_SOURCE));
        byte[] bytes = Files.readAllBytes(classes.resolve("app/TwiceRefused.class"));
        String key = "dev.weft.agent.refused.app.TwiceRefused";
        try {
            stderrOf(() -> new AsyncClassFileTransformer(AgentOptions.parse("quiet"))
                    .transform(getClass().getClassLoader(), "app/TwiceRefused", null, null, bytes));
            assertEquals(String.join("\n", refusalsOf(bytes)), System.getProperty(key));
        } finally {
            System.clearProperty(key);
        }
    }

    @Test
    void theCommandLinePrintsEachRefusalOnItsOwnErrorLine(@TempDir Path tmp) throws IOException {
        Path classes = JavaSources.compile(tmp, Map.of("app/TwiceRefused.java", TWICE_REFUSED_SOURCE));
        Path file = classes.resolve("app/TwiceRefused.class");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"--print", file.toString()}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true));
        assertEquals(1, status);
        assertEquals(refusalsOf(Files.readAllBytes(file)).stream().map(r -> "error: " + r)
                .collect(Collectors.toList()), err.toString().lines().collect(Collectors.toList()));
    }
}
