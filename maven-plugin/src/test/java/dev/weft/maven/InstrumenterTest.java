package dev.weft.maven;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.agent.transform.AsyncTransformException;
import dev.weft.agent.transform.AsyncTransformer;
import dev.weft.agent.transform.ClassHierarchy;
import dev.weft.runtime.Task;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.apache.maven.plugin.logging.SystemStreamLog;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One goal run over a classes directory that javac just wrote: what is rewritten, what is written where, what
 * the second run skips, and how refusals are reported. The sources are compiled here, so the class files are
 * those of a real build.
 */
class InstrumenterTest {
    private static final String GREETER = String.join("\n",
            "package com.acme;",
            "import dev.weft.Async;",
            "import dev.weft.runtime.EventLoop;",
            "import dev.weft.runtime.Task;",
            "import dev.weft.runtime.Tasks;",
            "import java.time.Duration;",
            "import static dev.weft.runtime.Await.await;",
            "public class Greeter {",
            "    @Async",
            "    static Task<String> greet(String name) {",
            "        await(Tasks.sleep(Duration.ofMillis(1)));",
            "        return Task.completed(\"hello \" + name);",
            "    }",
            "    public static String run() {",
            "        return EventLoop.run(() -> greet(\"weft\"));",
            "    }",
            "}");
    private static final String PLAIN = String.join("\n",
            "package com.acme;",
            "public class Plain {",
            "    public int answer() { return 42; }",
            "}");
    /** Passes the source checks (lambdas are judged by bytecode), refused by the transformer. */
    private static final String LAMBDA_RETURNING_INT = String.join("\n",
            "package com.acme;",
            "import java.util.concurrent.CompletableFuture;",
            "import java.util.function.Supplier;",
            "import static dev.weft.runtime.Await.await;",
            "public class Sums {",
            "    static Supplier<Integer> later(CompletableFuture<Integer> f) {",
            "        return () -> await(f) + 1;",
            "    }",
            "}");

    @TempDir
    Path dir;
    private Path sources;
    private Path classes;
    private final RecordingLog log = new RecordingLog();

    @BeforeEach
    void layout() throws IOException {
        sources = Files.createDirectories(dir.resolve("src/main/java"));
        classes = Files.createDirectories(dir.resolve("target/classes"));
    }

    @Test
    void rewritesAsyncClassesInPlaceAndWritesTheirFramesBeside() throws Exception {
        compile("com/acme/Greeter.java", GREETER, "com/acme/Plain.java", PLAIN);
        byte[] plainBefore = Files.readAllBytes(classes.resolve("com/acme/Plain.class"));

        Instrumenter.Summary summary = instrumenter(true, List.of()).run();

        assertEquals(2, summary.scanned());
        assertEquals(1, summary.rewrittenClasses());
        assertEquals(1, summary.rewrittenMethods());
        assertEquals(0, summary.refused());
        assertTrue(log.infos.get(log.infos.size() - 1).matches(
                "weft: 2 classes scanned, 1 rewritten \\(1 methods\\), 0 refused in \\d+ ms"), log.infos.toString());
        assertEquals(List.of("Greeter$async$greet$0.class", "Greeter.class", "Plain.class"), classFileNames());
        assertArrayEquals(plainBefore, Files.readAllBytes(classes.resolve("com/acme/Plain.class")));
        assertEquals("hello weft", runGreeter());
    }

    /** A greeter whose {@code shout} is in scope at the await but dead there. */
    private static final String DEAD_AT_THE_AWAIT = GREETER.replace(
            "        await(Tasks.sleep(Duration.ofMillis(1)));",
            "        String shout = name.toUpperCase();\n        await(Tasks.sleep(Duration.ofMillis(1)));");

    @Test
    void debugLocalsSavesAVariableThatIsDeadAtTheAwait() throws Exception {
        compile("com/acme/Greeter.java", DEAD_AT_THE_AWAIT);
        new Instrumenter(settings(true, false, List.of()), log).run();
        assertEquals(List.of("l0"), referenceFields("com/acme/Greeter$async$greet$0.class"), "name only");

        compile("com/acme/Greeter.java", DEAD_AT_THE_AWAIT);
        Files.deleteIfExists(stateFile());
        Instrumenter.Settings plain = settings(true, false, List.of());
        Instrumenter.Settings debugging = new Instrumenter.Settings(plain.classesDirectory(), plain.classPath(),
                plain.sourceRoots(), plain.declarationRoots(), plain.sourceEncoding(), plain.filter(),
                plain.failOnError(), plain.warnDroppedTasks(), true, plain.verbose(), plain.stateFile(), plain.stamp());
        new Instrumenter(debugging, log).run();
        assertEquals(List.of("l0", "l1"), referenceFields("com/acme/Greeter$async$greet$0.class"), "name and shout");
        assertEquals("hello weft", runGreeter());
    }

    private List<String> referenceFields(String classFile) throws IOException {
        List<String> names = new ArrayList<>();
        new org.objectweb.asm.ClassReader(Files.readAllBytes(classes.resolve(classFile))).accept(
                new org.objectweb.asm.ClassVisitor(org.objectweb.asm.Opcodes.ASM9) {
                    @Override
                    public org.objectweb.asm.FieldVisitor visitField(int access, String name, String desc,
                                                                     String signature, Object value) {
                        if (desc.startsWith("L") && !name.equals("self")) {
                            names.add(name);
                        }
                        return null;
                    }
                }, 0);
        return names;
    }

    @Test
    void verboseListsEachRewrittenMethod() throws Exception {
        compile("com/acme/Greeter.java", GREETER);
        new Instrumenter(settings(true, true, List.of()), log).run();
        assertTrue(log.infos.contains("weft: rewrote com.acme.Greeter.greet(java.lang.String)"), log.infos.toString());
    }

    @Test
    void secondRunReadsNothingAndRewritesNothing() throws Exception {
        compile("com/acme/Greeter.java", GREETER, "com/acme/Plain.java", PLAIN);
        instrumenter(true, List.of()).run();
        byte[] rewritten = Files.readAllBytes(classes.resolve("com/acme/Greeter.class"));
        String state = Files.readString(stateFile());

        Instrumenter.Summary again = instrumenter(true, List.of()).run();

        assertEquals(2, again.scanned());
        assertEquals(0, again.rewrittenClasses());
        assertArrayEquals(rewritten, Files.readAllBytes(classes.resolve("com/acme/Greeter.class")));
        assertEquals(state, Files.readString(stateFile()));
        assertEquals("hello weft", runGreeter());
    }

    @Test
    void alreadyRewrittenClassIsLeftAloneWithoutState() throws Exception {
        compile("com/acme/Greeter.java", GREETER);
        instrumenter(true, List.of()).run();
        byte[] rewritten = Files.readAllBytes(classes.resolve("com/acme/Greeter.class"));
        Files.delete(stateFile());
        Files.setLastModifiedTime(classes.resolve("com/acme/Greeter.class"), FileTime.fromMillis(1_000_000));

        assertEquals(0, instrumenter(true, List.of()).run().rewrittenClasses());
        assertArrayEquals(rewritten, Files.readAllBytes(classes.resolve("com/acme/Greeter.class")));
    }

    @Test
    void recompiledClassIsRewrittenAgainAndItsStaleFramesDeleted() throws Exception {
        compile("com/acme/Greeter.java", GREETER);
        instrumenter(true, List.of()).run();
        String renamed = GREETER.replace("greet", "welcome");
        compile("com/acme/Greeter.java", renamed);

        Instrumenter.Summary summary = instrumenter(true, List.of()).run();

        assertEquals(1, summary.rewrittenClasses());
        assertEquals(List.of("Greeter$async$welcome$0.class", "Greeter.class"), classFileNames());
        assertEquals("hello weft", runGreeter());
    }

    @Test
    void framesOfADeletedClassAreDeleted() throws Exception {
        compile("com/acme/Greeter.java", GREETER, "com/acme/Plain.java", PLAIN);
        instrumenter(true, List.of()).run();
        Files.delete(classes.resolve("com/acme/Greeter.class"));   // as the compiler does when the source goes

        instrumenter(true, List.of()).run();

        assertEquals(List.of("Plain.class"), classFileNames());
    }

    @Test
    void excludedClassesAreNeitherCheckedNorRewritten() throws Exception {
        compile("com/acme/Greeter.java", GREETER, "com/acme/Plain.java", PLAIN);
        byte[] before = Files.readAllBytes(classes.resolve("com/acme/Greeter.class"));

        Instrumenter.Summary summary = instrumenter(true, List.of("com/acme/Greeter")).run();

        assertEquals(1, summary.scanned());
        assertEquals(0, summary.rewrittenClasses());
        assertArrayEquals(before, Files.readAllBytes(classes.resolve("com/acme/Greeter.class")));
    }

    @Test
    void sourceProblemsFailTheBuildBeforeAnyClassIsTouched() throws Exception {
        String blocking = String.join("\n",
                "package com.acme;",
                "import java.util.concurrent.CompletableFuture;",
                "import static dev.weft.runtime.Await.await;",
                "public class Blocking {",
                "    static int get(CompletableFuture<Integer> f) {",
                "        return await(f);",
                "    }",
                "}");
        compile("com/acme/Greeter.java", GREETER, "com/acme/Blocking.java", blocking);
        byte[] before = Files.readAllBytes(classes.resolve("com/acme/Greeter.class"));

        Instrumenter.Failure failure = assertThrows(Instrumenter.Failure.class, () -> instrumenter(true, List.of()).run());

        assertEquals("1 problem in @Async code, see the errors above", failure.getMessage());
        Path source = sources.resolve("com/acme/Blocking.java").toAbsolutePath();
        assertEquals(List.of(source + ":[6,16] await(...) in a method that is neither @Async nor an async lambda; "
                + "annotate get with @dev.weft.Async (its return type must be Task<T>, CompletableFuture<T> or "
                + "CompletionStage<T>) (in com.acme.Blocking.get)"), log.errors, "the bytecode's refusal of the "
                + "same await is not reported again");
        assertArrayEquals(before, Files.readAllBytes(classes.resolve("com/acme/Greeter.class")));
        assertFalse(Files.exists(stateFile()));
    }

    @Test
    void transformerRefusalIsReportedAtTheSourceLineAndNothingIsWritten() throws Exception {
        compile("com/acme/Greeter.java", GREETER, "com/acme/Sums.java", LAMBDA_RETURNING_INT);
        byte[] before = Files.readAllBytes(classes.resolve("com/acme/Greeter.class"));

        Instrumenter.Failure failure = assertThrows(Instrumenter.Failure.class, () -> instrumenter(true, List.of()).run());

        assertEquals("1 class could not be rewritten, see the errors above; nothing was written", failure.getMessage());
        assertEquals(1, log.errors.size(), log.errors.toString());
        String error = log.errors.get(0);
        String prefix = sources.resolve("com/acme/Sums.java").toAbsolutePath() + ":[7,1] await(...) in a lambda";
        assertTrue(error.startsWith(prefix), error);
        assertTrue(error.contains("(in com.acme.Sums.lambda$later$0)"), error);
        assertTrue(log.infos.get(log.infos.size() - 1).matches(
                "weft: 2 classes scanned, 0 rewritten \\(0 methods\\), 1 refused in \\d+ ms"), log.infos.toString());
        assertArrayEquals(before, Files.readAllBytes(classes.resolve("com/acme/Greeter.class")));
    }

    @Test
    void withoutFailOnErrorRefusedClassesStayUnchangedAndTheRestIsRewritten() throws Exception {
        compile("com/acme/Greeter.java", GREETER, "com/acme/Sums.java", LAMBDA_RETURNING_INT);
        byte[] sumsBefore = Files.readAllBytes(classes.resolve("com/acme/Sums.class"));

        Instrumenter.Summary summary = instrumenter(false, List.of()).run();

        assertEquals(1, summary.rewrittenClasses());
        assertEquals(1, summary.refused());
        assertEquals(List.of(), log.errors);
        assertEquals(1, log.warnings.size());
        assertTrue(log.warnings.get(0).endsWith("(failOnError is false: the class is left unchanged)"));
        assertArrayEquals(sumsBefore, Files.readAllBytes(classes.resolve("com/acme/Sums.class")));
        assertEquals("hello weft", runGreeter());

        // not recorded as done: the next run warns again
        instrumenter(false, List.of()).run();
        assertEquals(2, log.warnings.size());
    }

    @Test
    void oneBuildReportsTheSourceProblemsAndTheRefusalsOnlyTheBytecodeShows() throws Exception {
        String locked = String.join("\n",
                "package com.acme;",
                "import dev.weft.Async;",
                "import dev.weft.runtime.Task;",
                "import java.util.concurrent.CompletableFuture;",
                "import static dev.weft.runtime.Await.await;",
                "public class Locked {",
                "    @Async",
                "    Task<Integer> add(CompletableFuture<Integer> f) {",
                "        synchronized (this) {",
                "            return Task.completed(await(f));",
                "        }",
                "    }",
                "}");
        compile("com/acme/Greeter.java", GREETER, "com/acme/Sums.java", LAMBDA_RETURNING_INT,
                "com/acme/Locked.java", locked);
        byte[] before = Files.readAllBytes(classes.resolve("com/acme/Greeter.class"));

        Instrumenter.Failure failure = assertThrows(Instrumenter.Failure.class, () -> instrumenter(true, List.of()).run());

        assertEquals("2 problems in @Async code, see the errors above", failure.getMessage());
        assertEquals(2, log.errors.size(), log.errors.toString());
        assertEquals(sources.resolve("com/acme/Locked.java").toAbsolutePath() + ":[10,35] "
                + SourceChecker.AWAIT_IN_SYNCHRONIZED + " (in com.acme.Locked.add)", log.errors.get(0));
        assertTrue(log.errors.get(1).startsWith(sources.resolve("com/acme/Sums.java").toAbsolutePath()
                + ":[7,1] await(...) in a lambda"), log.errors.get(1));
        assertTrue(log.errors.get(1).endsWith("(in com.acme.Sums.lambda$later$0)"), log.errors.get(1));
        assertArrayEquals(before, Files.readAllBytes(classes.resolve("com/acme/Greeter.class")));
        assertFalse(Files.exists(stateFile()), "a failed build records nothing");

        // failOnError off: the same two, as warnings saying the classes stay as they are; the rest is rewritten
        Instrumenter.Summary summary = instrumenter(false, List.of()).run();
        assertEquals(2, log.warnings.size(), log.warnings.toString());
        for (String warning : log.warnings) {
            assertTrue(warning.endsWith(") (failOnError is false: the class is left unchanged)"), warning);
        }
        assertEquals(2, summary.refused());
        assertEquals(1, summary.rewrittenClasses());
        assertEquals("hello weft", runGreeter());
    }

    @Test
    void eachRefusalOfAClassIsItsOwnErrorWithFileLineClassAndMethod() throws Exception {
        String lambdas = String.join("\n",
                "package com.acme;",
                "import java.util.concurrent.CompletableFuture;",
                "import java.util.function.Supplier;",
                "import static dev.weft.runtime.Await.await;",
                "public class Lambdas {",
                "    static Supplier<Integer> one(CompletableFuture<Integer> f) {",
                "        return () -> await(f) + 1;",
                "    }",
                "    static Supplier<Integer> two(CompletableFuture<Integer> f) {",
                "        return () -> await(f) + 2;",
                "    }",
                "}");
        compile("com/acme/Lambdas.java", lambdas);
        List<AsyncTransformException> refusals;
        try (ClassPathSource source = new ClassPathSource(List.of(classes))) {
            AsyncTransformException e = assertThrows(AsyncTransformException.class,
                    () -> new AsyncTransformer(ClassHierarchy.of(source))
                            .transform(Files.readAllBytes(classes.resolve("com/acme/Lambdas.class"))));
            refusals = e.all();
        }

        Instrumenter.Failure failure = assertThrows(Instrumenter.Failure.class, () -> instrumenter(true, List.of()).run());

        assertEquals("1 class could not be rewritten, see the errors above; nothing was written", failure.getMessage());
        Path file = sources.resolve("com/acme/Lambdas.java").toAbsolutePath();
        assertEquals(refusals.stream().map(r -> file + ":[" + r.line() + ",1] " + r.reason() + " (in com.acme.Lambdas."
                + r.methodName() + ")").collect(Collectors.toList()), log.errors, "one error per refusal");
        for (String error : log.errors) {   // each lambda's own line, whichever the class file lists first
            // javac numbers lambdas per class up to JDK 21 (lambda$two$1) and per method since (lambda$two$0)
            assertTrue(error.startsWith(file + ":[7,1] await(...) in a lambda") && error.matches(".*lambda\\$one\\$\\d+\\)")
                    || error.startsWith(file + ":[10,1] await(...) in a lambda") && error.matches(".*lambda\\$two\\$\\d+\\)"),
                    error);
        }
        assertTrue(log.infos.get(log.infos.size() - 1).matches(
                "weft: 1 classes scanned, 0 rewritten \\(0 methods\\), 1 refused in \\d+ ms"), log.infos.toString());
    }

    @Test
    void aTaskOfTheUsersOwnIsRefusedOnceAtItsReturnTypeAndACompletableFutureImportedOnDemandPasses()
            throws Exception {
        String task = String.join("\n",
                "package com.acme;",
                "public class Task<T> { }");
        String jobs = String.join("\n",
                "package com.acme;",
                "import dev.weft.Async;",
                "public class Jobs {",
                "    @Async",
                "    static Task<String> run() { return new Task<>(); }",
                "}");
        String onDemand = String.join("\n",
                "package com.acme;",
                "import dev.weft.Async;",
                "import java.util.concurrent.*;",
                "import static dev.weft.runtime.Await.await;",
                "public class OnDemand {",
                "    @Async",
                "    static CompletableFuture<String> run(CompletableFuture<String> f) {",
                "        return CompletableFuture.completedFuture(await(f));",
                "    }",
                "}");
        compile("com/acme/Task.java", task, "com/acme/Jobs.java", jobs, "com/acme/OnDemand.java", onDemand);

        assertThrows(Instrumenter.Failure.class, () -> instrumenter(true, List.of()).run());
        assertEquals(List.of(sources.resolve("com/acme/Jobs.java").toAbsolutePath() + ":[5,12] @Async methods must "
                + "return Task<T>, CompletableFuture<T> or CompletionStage<T>, not Task<String> (Task here is not "
                + "dev.weft.runtime.Task, which this file does not import); change the return type and end with "
                + "return Task.completed(value) (in com.acme.Jobs.run)"), log.errors);

        Files.delete(sources.resolve("com/acme/Jobs.java"));
        Files.delete(classes.resolve("com/acme/Jobs.class"));
        log.errors.clear();
        assertEquals(1, instrumenter(true, List.of()).run().rewrittenClasses(), "OnDemand: on-demand import");
    }

    @Test
    void aDroppedTaskIsAWarningAtItsLineInEveryBuildAndNeverStopsTheRewrite() throws Exception {
        String nightly = String.join("\n",
                "package com.acme;",
                "public class Nightly {",
                "    public static void run() {",
                "        Greeter.greet(\"nobody\");",
                "    }",
                "}");
        compile("com/acme/Greeter.java", GREETER, "com/acme/Nightly.java", nightly);
        String expected = sources.resolve("com/acme/Nightly.java").toAbsolutePath() + ":[4,17] the Task returned by "
                + "@Async com.acme.Greeter.greet is dropped: ";

        Instrumenter.Summary summary = instrumenter(true, List.of()).run();   // failOnError: still not an error

        assertEquals(1, summary.rewrittenClasses());
        assertEquals(List.of(), log.errors);
        assertEquals(1, log.warnings.size(), log.warnings.toString());
        assertTrue(log.warnings.get(0).startsWith(expected), log.warnings.get(0));
        assertTrue(log.warnings.get(0).endsWith(" (in com.acme.Nightly.run)"), log.warnings.get(0));
        assertEquals("hello weft", runGreeter());

        // nothing left to rewrite: the sources still say the same
        assertEquals(0, instrumenter(true, List.of()).run().rewrittenClasses());
        assertEquals(2, log.warnings.size());
        assertEquals(log.warnings.get(0), log.warnings.get(1));
    }

    // --- helpers ---

    private Instrumenter instrumenter(boolean failOnError, List<String> excludes) {
        return new Instrumenter(settings(failOnError, false, excludes), log);
    }

    private Instrumenter.Settings settings(boolean failOnError, boolean verbose, List<String> excludes) {
        return new Instrumenter.Settings(classes, runtimeClassPath(), List.of(sources), List.of(),
                StandardCharsets.UTF_8, ClassFilter.of(List.of(), excludes), failOnError, true, false, verbose, stateFile(),
                "test");
    }

    private Path stateFile() {
        return dir.resolve("target/weft/instrument.state");
    }

    private static List<Path> runtimeClassPath() {
        try {
            return List.of(Path.of(Async.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
                    Path.of(Task.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes and compiles {@code path, source} pairs into the classes directory, as the compiler plugin does. */
    private void compile(String... pathsAndSources) throws IOException {
        List<String> args = new ArrayList<>(List.of("-g", "-d", classes.toString(), "-classpath",
                runtimeClassPath().stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator))));
        for (int i = 0; i < pathsAndSources.length; i += 2) {
            Path file = sources.resolve(pathsAndSources[i]);
            Files.createDirectories(file.getParent());
            Files.writeString(file, pathsAndSources[i + 1]);
            args.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, args.toArray(new String[0])), "javac failed");
    }

    private List<String> classFileNames() throws IOException {
        try (Stream<Path> files = Files.list(classes.resolve("com/acme"))) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    /** Runs {@code Greeter.run()} from the classes directory, the runtime coming from the test class path. */
    private String runGreeter() throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            return (String) loader.loadClass("com.acme.Greeter").getMethod("run").invoke(null);
        }
    }

    /** A Maven log that keeps what it is given; shared with the mojo tests. */
    static final class RecordingLog extends SystemStreamLog {
        final List<String> infos = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        final List<String> errors = new ArrayList<>();

        @Override
        public void info(CharSequence content) {
            infos.add(content.toString());
        }

        @Override
        public void warn(CharSequence content) {
            warnings.add(content.toString());
        }

        @Override
        public void error(CharSequence content) {
            errors.add(content.toString());
        }
    }
}
