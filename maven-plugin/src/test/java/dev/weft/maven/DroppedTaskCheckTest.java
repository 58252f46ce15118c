package dev.weft.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.Task;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dropped-task warning: which statements drop the Task of an {@code @Async} call, at which file and line, and
 * every shape where the sources do not prove it, which must stay silent. Each sample is compiled with javac first
 * (so each case is Java that a build would reach), and its class files are the class path, as in a build.
 *
 * <p>In a sample, the lines that end with {@code // dropped} are those the check must warn of, and no other.
 */
class DroppedTaskCheckTest {
    private static final String MARK = "// dropped";

    /** The @Async methods most samples call: static, instance, returning a CompletableFuture, with an overload. */
    private static final String JOBS = String.join("\n",
            "package com.acme;",
            "import dev.weft.Async;",
            "import dev.weft.runtime.Task;",
            "import java.util.concurrent.CompletableFuture;",
            "public class Jobs {",
            "    @Async",
            "    public static Task<Void> refresh() { return Task.completed(null); }",
            "    @Async",
            "    public Task<String> fetch(String url) { return Task.completed(url); }",
            "    @Async",
            "    public CompletableFuture<String> load(String key) { return CompletableFuture.completedFuture(key); }",
            "    @Async",
            "    public Task<Integer> send(String to) { return Task.completed(1); }",
            "    public int send(String to, String body) { return 2; }",
            "    @Async",
            "    public Task<Integer> put(String key) { return Task.completed(1); }",
            "    public int put(Integer key) { return 2; }",
            "}");

    @TempDir
    Path dir;

    // --- what is warned of ---

    @Test
    void staticCallUsedAsStatementIsWarnedAtItsFileLineAndColumnWithWhatToDo() throws Exception {
        List<SourceProblem> warnings = warnings(
                "com/acme/Jobs.java", JOBS,
                "com/acme/Nightly.java", lines(
                        "package com.acme;",
                        "class Nightly {",
                        "    void run() {",
                        "        Jobs.refresh();",
                        "    }",
                        "}"));
        assertEquals(List.of(source("com/acme/Nightly.java") + ":[4,14] the Task returned by @Async "
                + "com.acme.Jobs.refresh is dropped: nothing waits for it to finish, and its failure is reported only "
                + "when the task is garbage-collected or its event loop closes; await(...) it, keep the Task to await "
                + "or cancel it later, or, for an intended fire-and-forget, put "
                + "@SuppressWarnings(\"weft:dropped-task\") on the enclosing method or class "
                + "(in com.acme.Nightly.run)"),
                formatted(warnings));
    }

    @Test
    void unqualifiedCallsInTheDeclaringClassAreWarned() throws Exception {
        expectMarked("com/acme/Cache.java", lines(
                "package com.acme;",
                "import dev.weft.Async;",
                "import dev.weft.runtime.Task;",
                "import static dev.weft.runtime.Await.await;",
                "class Cache {",
                "    @Async",
                "    static Task<Void> evict() { return Task.completed(null); }",
                "    @Async",
                "    Task<String> warm(String key) { return Task.completed(key); }",
                "    static void onTimer() {",
                "        evict(); " + MARK,
                "    }",
                "    @Async",
                "    Task<Void> start() {",
                "        warm(\"a\"); " + MARK,
                "        this.warm(\"b\"); " + MARK,
                "        Cache.evict(); " + MARK,
                "        com.acme.Cache.evict(); " + MARK,
                "        await(warm(\"c\"));",
                "        return Task.completed(null);",
                "    }",
                "}"));
    }

    @Test
    void callsOnAReceiverOfTheDeclaringClassAreWarned() throws Exception {
        expectMarked("com/acme/Jobs.java", JOBS, "com/acme/Client.java", lines(
                "package com.acme;",
                "import java.util.List;",
                "class Client {",
                "    private final Jobs jobs = new Jobs();",
                "    static final Jobs SHARED = new Jobs();",
                "    void run(Jobs param, Object o, List<Jobs> all) {",
                "        Jobs local = new Jobs();",
                "        local.fetch(\"a\"); " + MARK,
                "        param.fetch(\"b\"); " + MARK,
                "        jobs.fetch(\"c\"); " + MARK,
                "        this.jobs.fetch(\"d\"); " + MARK,
                "        Client.SHARED.fetch(\"e\"); " + MARK,
                "        var inferred = new Jobs();",
                "        inferred.fetch(\"f\"); " + MARK,
                "        new Jobs().fetch(\"g\"); " + MARK,
                "        ((Jobs) o).fetch(\"h\"); " + MARK,
                "        for (Jobs each : all) {",
                "            each.fetch(\"i\"); " + MARK,
                "        }",
                "        if (o instanceof Jobs j) {",
                "            j.fetch(\"j\"); " + MARK,
                "        }",
                "        param.send(\"k\"); " + MARK,
                "        param.send(\"k\", \"body\");",
                "    }",
                "}"));
    }

    @Test
    void callsOfTheOuterClassFromNestedClassesAndLambdasAreWarned() throws Exception {
        expectMarked("com/acme/Server.java", lines(
                "package com.acme;",
                "import dev.weft.Async;",
                "import dev.weft.runtime.Task;",
                "class Server {",
                "    @Async",
                "    static Task<Void> flush() { return Task.completed(null); }",
                "    @Async",
                "    Task<Void> accept(int port) { return Task.completed(null); }",
                "    class Connection {",
                "        void close() {",
                "            Server.flush(); " + MARK,
                "            flush(); " + MARK,
                "            accept(1); " + MARK,
                "            Server.this.accept(2); " + MARK,
                "        }",
                "    }",
                "    static class Shutdown {",
                "        static void now() { Server.flush(); } " + MARK,
                "    }",
                "    void start() {",
                "        Runnable later = () -> { accept(3); }; " + MARK,
                "        Runnable anonymous = new Runnable() {",
                "            public void run() { flush(); } " + MARK,
                "        };",
                "        for (int i = 0; i < 3; flush()) { i++; } " + MARK,
                "        switch (later.hashCode()) {",
                "            case 1 -> flush(); " + MARK,
                "            default -> { }",
                "        }",
                "    }",
                "}"));
    }

    @Test
    void aCompletableFutureDroppedSaysThatItReportsNothing() throws Exception {
        List<SourceProblem> warnings = warnings("com/acme/Jobs.java", JOBS, "com/acme/Loader.java", lines(
                "package com.acme;",
                "class Loader {",
                "    void run(Jobs jobs) { jobs.load(\"k\"); }",
                "}"));
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).message().startsWith("the CompletableFuture returned by @Async "
                + "com.acme.Jobs.load is dropped: nothing waits for it to finish, and a CompletableFuture reports no "
                + "failure that nobody retrieves; await(...) it, keep the CompletableFuture"),
                warnings.get(0).message());
    }

    @Test
    void aFileThatNeverMentionsWeftIsCheckedWhenItCallsAnAsyncMethod() throws Exception {
        // neither "await" nor "Async" appears in Plain.java: found by the @Async method's name
        expectMarked("com/acme/Jobs.java", JOBS, "com/acme/other/Plain.java", lines(
                "package com.acme.other;",
                "import com.acme.Jobs;",
                "public class Plain {",
                "    public void go(Jobs jobs) {",
                "        jobs.fetch(\"x\"); " + MARK,
                "        Jobs.refresh(); " + MARK,
                "    }",
                "}"));
    }

    @Test
    void importedStaticallyInheritedAndSuperCallsAreWarned() throws Exception {
        expectMarked("com/acme/Jobs.java", JOBS, "com/acme/more/Uses.java", lines(
                "package com.acme.more;",
                "import com.acme.Jobs;",
                "import static com.acme.Jobs.refresh;",
                "class Uses extends Jobs {",
                "    void go() {",
                "        refresh(); " + MARK,
                "        fetch(\"inherited\"); " + MARK,
                "        super.fetch(\"super\"); " + MARK,
                "    }",
                "}"));
    }

    @Test
    void aPrivateMethodOfASuperclassIsNotInheritedSoTheOuterClassesMethodIsMeant() throws Exception {
        expectMarked("com/acme/Ticker.java", lines(
                "package com.acme;",
                "import dev.weft.Async;",
                "import dev.weft.runtime.Task;",
                "class Ticker {",
                "    @Async",
                "    static Task<Void> tick() { return Task.completed(null); }",
                "    class Inner extends Base {",
                "        void go() { tick(); } " + MARK,
                "    }",
                "    class Sibling extends Base {",
                "        void tick(int times) { }",
                "        void go() { tick(2); }",
                "    }",
                "}",
                "class Base {",
                "    private void tick() { }",
                "}"));
    }

    @Test
    void aTestCallingAnAsyncMethodOfTheMainSourcesIsWarned() throws Exception {
        List<SourceChecker.SourceFile> files = List.of(
                checked("com/acme/JobsTest.java", lines(
                        "package com.acme;",
                        "class JobsTest {",
                        "    void refreshes() {",
                        "        Jobs.refresh(); " + MARK,
                        "    }",
                        "}")),
                declarationsOnly("com/acme/Jobs.java", JOBS + "class Internal { void x() { Jobs.refresh(); } }\n"));
        compile(files);
        assertEquals(marked(files), places(check(files, true).warnings()), "the main sources are not checked here");
    }

    @Test
    void callsInInterfacesEnumsRecordsConstructorsAndInitializersAreWarned() throws Exception {
        expectMarked("com/acme/Jobs.java", JOBS, "com/acme/Shapes.java", lines(
                "package com.acme;",
                "import dev.weft.Async;",
                "import dev.weft.runtime.Task;",
                "interface Service {",
                "    @Async",
                "    default Task<Void> ping() { return Task.completed(null); }",
                "    default void check() { ping(); } " + MARK,
                "}",
                "enum Mode implements Service {",
                "    FAST { void go() { ping(); } }, " + MARK,
                "    SLOW;",
                "    Mode() { Jobs.refresh(); } " + MARK,
                "}",
                "record Point(int x, Jobs jobs) implements Service {",
                "    Point { Jobs.refresh(); } " + MARK,
                "    void go() { jobs.fetch(\"component\"); } " + MARK,
                "}",
                "class Boot implements Service {",
                "    static { Jobs.refresh(); } " + MARK,
                "    Boot(Service s) { s.ping(); } " + MARK,
                "    static class Outer { static class Inner {",
                "        @Async",
                "        static Task<Void> job() { return Task.completed(null); }",
                "    } }",
                "    void members() {",
                "        Outer.Inner.job(); " + MARK,
                "        com.acme.Boot.Outer.Inner.job(); " + MARK,
                "    }",
                "}"));
    }

    @Test
    void onDemandStaticImportsAndSubclassesKnownOnlyFromTheirClassFilesAreFollowed() throws Exception {
        // Special.java names no @Async method: it is not parsed, its class file says it extends Jobs
        expectMarked("com/acme/Jobs.java", JOBS,
                "com/acme/Special.java", lines("package com.acme;", "public class Special extends Jobs { }"),
                "com/acme/other/User.java", lines(
                        "package com.acme.other;",
                        "import com.acme.Special;",
                        "import static com.acme.Jobs.*;",
                        "class User {",
                        "    void go(Special s) {",
                        "        s.fetch(\"x\"); " + MARK,
                        "        refresh(); " + MARK,
                        "    }",
                        "}"));
    }

    @Test
    void aSuperTypeNobodyKnowsSilencesTheUnqualifiedCallsItMightHide() throws Exception {
        Path library = dir.resolve("lib");
        compileInto(library, List.of(), List.of(checked("com/lib/Base.java", lines(
                "package com.lib;",
                "public class Base { }"))));
        // on javac's class path, not on the check's: Base could declare a start() for all the check knows
        List<SourceChecker.SourceFile> files = List.of(checked("com/acme/Jobs.java", JOBS),
                checked("com/acme/Worker.java", lines(
                        "package com.acme;",
                        "import dev.weft.Async;",
                        "import dev.weft.runtime.Task;",
                        "class Worker {",
                        "    @Async",
                        "    Task<Void> start() { return Task.completed(null); }",
                        "    void spawn(Jobs jobs) {",
                        "        new com.lib.Base() {",
                        "            void run() { start(); }",
                        "            void run(Jobs j) { j.fetch(\"a known receiver still counts\"); } " + MARK,
                        "        };",
                        "        start(); " + MARK,
                        "    }",
                        "}")));
        compileInto(dir.resolve("classes"), List.of(library), files);
        assertEquals(marked(files), places(check(files, true).warnings()));
    }

    // --- what is not warned of ---

    @Test
    void aTaskThatIsKeptReturnedPassedAwaitedOrChainedIsNotWarned() throws Exception {
        expectMarked("com/acme/Jobs.java", JOBS, "com/acme/Careful.java", lines(
                "package com.acme;",
                "import dev.weft.Async;",
                "import dev.weft.runtime.Task;",
                "import java.util.List;",
                "import java.util.function.Supplier;",
                "import static dev.weft.runtime.Await.await;",
                "class Careful {",
                "    @Async",
                "    Task<String> run(Jobs jobs, List<Task<String>> pending) {",
                "        Task<String> kept = jobs.fetch(\"a\");",
                "        pending.add(jobs.fetch(\"b\"));",
                "        String value = await(jobs.fetch(\"c\"));",
                "        Supplier<Task<String>> later = () -> jobs.fetch(\"d\");",
                "        jobs.fetch(\"e\").toCompletableFuture();",
                "        Object o = Jobs.refresh();",
                "        Task<Void> chosen = switch (value.length()) {",
                "            case 0 -> Jobs.refresh();",
                "            default -> Task.completed(null);",
                "        };",
                "        Supplier<Task<Void>> viaSwitch = () -> switch (kept.hashCode()) {",
                "            default -> Jobs.refresh();",
                "        };",
                "        if (jobs.put(\"g\") == null) { jobs.fetch(\"f\"); } " + MARK,
                "        return jobs.fetch(\"h\");",
                "    }",
                "}"));
    }

    @Test
    void aMethodOfTheSameNameThatIsNotAsyncIsNotWarned() throws Exception {
        expectMarked("com/acme/Jobs.java", JOBS, "com/acme/Other.java", lines(
                "package com.acme;",
                "class Other {",
                "    static void refresh() { }",
                "    void fetch(String url) { }",
                "    void run(Other other, Jobs jobs) {",
                "        refresh();",
                "        Other.refresh();",
                "        other.fetch(\"x\");",
                "        fetch(\"y\");",
                "        this.fetch(\"z\");",
                "    }",
                "    class Inner {",
                "        void go() { fetch(\"nearest class with a fetch wins\"); }",
                "    }",
                "}",
                "class Overriding extends Jobs {",
                "    @Override",
                "    public dev.weft.runtime.Task<String> fetch(String url) { return super.fetch(url); }",
                "    void go() { fetch(\"the override is not @Async\"); }",
                "}"));
    }

    @Test
    void anOverloadThatIsNotAsyncWithTheSameArgumentCountRulesTheWarningOut() throws Exception {
        expectMarked("com/acme/Jobs.java", JOBS, "com/acme/Puts.java", lines(
                "package com.acme;",
                "class Puts {",
                "    void go(Jobs jobs) {",
                "        jobs.put(\"k\");",
                "        jobs.put(1);",
                "    }",
                "}"));
    }

    @Test
    void aReceiverWhoseTypeTheSourcesDoNotShowIsNotWarned() throws Exception {
        expectMarked("com/acme/Jobs.java", JOBS, "com/acme/Unknowns.java", lines(
                "package com.acme;",
                "import java.util.List;",
                "import java.util.function.Consumer;",
                "class Unknowns<T extends Jobs> {",
                "    Jobs make() { return new Jobs(); }",
                "    void go(List<Jobs> all, T typed, Object o, Jobs[] array) {",
                "        make().fetch(\"method result\");",
                "        all.get(0).fetch(\"element\");",
                "        array[0].fetch(\"array\");",
                "        typed.fetch(\"type variable\");",
                "        Consumer<Jobs> c = j -> { j.fetch(\"implicit lambda parameter\"); };",
                "        if (!(o instanceof Jobs j)) {",
                "            return;",
                "        }",
                "        j.fetch(\"flow-scoped pattern variable\");",
                "    }",
                "}"));
    }

    @Test
    void aNestedClassWhoseSuperTypeHasAMethodOfTheNameHidesTheOuterOne() throws Exception {
        // javac looks for start() in the innermost class that has a method of that name: Thread has one
        expectMarked("com/acme/Worker.java", lines(
                "package com.acme;",
                "import dev.weft.Async;",
                "import dev.weft.runtime.Task;",
                "class Worker {",
                "    @Async",
                "    Task<Void> start() { return Task.completed(null); }",
                "    void spawn() {",
                "        new Thread() {",
                "            public void run() { start(); }",
                "        };",
                "        new Runnable() {",
                "            public void run() { start(); } " + MARK,
                "        };",
                "    }",
                "}"));
    }

    @Test
    void aLocalVariableShadowsAFieldOfTheSameName() throws Exception {
        expectMarked("com/acme/Jobs.java", JOBS, "com/acme/Shadow.java", lines(
                "package com.acme;",
                "class Shadow {",
                "    static class NotJobs { void fetch(String s) { } }",
                "    private final Jobs jobs = new Jobs();",
                "    void go() {",
                "        jobs.fetch(\"field\"); " + MARK,
                "        NotJobs jobs = new NotJobs();",
                "        jobs.fetch(\"local\");",
                "    }",
                "    void lambda(java.util.function.Consumer<NotJobs> c) {",
                "        lambda((NotJobs jobs) -> { jobs.fetch(\"parameter\"); });",
                "    }",
                "}"));
    }

    // --- silencing ---

    @Test
    void suppressWarningsOnTheMethodOrTheClassSilencesIt() throws Exception {
        expectMarked("com/acme/Jobs.java", JOBS, "com/acme/FireAndForget.java", lines(
                "package com.acme;",
                "class FireAndForget {",
                "    @SuppressWarnings(\"weft:dropped-task\")",
                "    void quiet() { Jobs.refresh(); }",
                "    @SuppressWarnings({\"unchecked\", \"weft:dropped-task\"})",
                "    void quietToo() { Jobs.refresh(); }",
                "    @java.lang.SuppressWarnings(value = \"weft:dropped-task\")",
                "    void qualified() { Jobs.refresh(); }",
                "    @SuppressWarnings(\"unchecked\")",
                "    void otherWarning() { Jobs.refresh(); } " + MARK,
                "    void loud() { Jobs.refresh(); } " + MARK,
                "}",
                "@SuppressWarnings(\"weft:dropped-task\")",
                "class Background {",
                "    void a() { Jobs.refresh(); }",
                "    class Nested { void b() { Jobs.refresh(); } }",
                "}"));
    }

    @Test
    void turnedOffThereIsNoWarning() throws Exception {
        List<SourceChecker.SourceFile> files = List.of(checked("com/acme/Jobs.java", JOBS),
                checked("com/acme/Nightly.java", lines(
                        "package com.acme;",
                        "class Nightly { void run() { Jobs.refresh(); } }")));
        compile(files);
        assertEquals(1, check(files, true).warnings().size());
        assertEquals(List.of(), check(files, false).warnings());
    }

    @Test
    void warningsAreNotProblems() throws Exception {
        List<SourceChecker.SourceFile> files = List.of(checked("com/acme/Jobs.java", JOBS),
                checked("com/acme/Nightly.java", lines(
                        "package com.acme;",
                        "class Nightly { void run() { Jobs.refresh(); } }")));
        compile(files);
        SourceChecker.Findings findings = check(files, true);
        assertEquals(List.of(), findings.problems());
        assertEquals(List.of(), List.copyOf(findings.unparsable().keySet()));
    }

    // --- helpers ---

    private static String lines(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    private static Path source(String path) {
        return Path.of("/src/main/java").resolve(path);
    }

    private static SourceChecker.SourceFile checked(String path, String text) {
        return new SourceChecker.SourceFile(source(path), text, true);
    }

    private static SourceChecker.SourceFile declarationsOnly(String path, String text) {
        return new SourceChecker.SourceFile(source(path), text, false);
    }

    /** Compiles the files (pairs of path and text, all checked) and asserts the warnings fall on the marked lines. */
    private void expectMarked(String... pathsAndTexts) throws IOException {
        List<SourceChecker.SourceFile> files = new ArrayList<>();
        for (int i = 0; i < pathsAndTexts.length; i += 2) {
            files.add(checked(pathsAndTexts[i], pathsAndTexts[i + 1]));
        }
        compile(files);
        assertEquals(marked(files), places(check(files, true).warnings()));
    }

    private List<SourceProblem> warnings(String... pathsAndTexts) throws IOException {
        List<SourceChecker.SourceFile> files = new ArrayList<>();
        for (int i = 0; i < pathsAndTexts.length; i += 2) {
            files.add(checked(pathsAndTexts[i], pathsAndTexts[i + 1]));
        }
        compile(files);
        return check(files, true).warnings();
    }

    /** The checks, with the compiled samples, the runtime and the JDK as class path (as a build has them). */
    private SourceChecker.Findings check(List<SourceChecker.SourceFile> files, boolean warnDroppedTasks)
            throws IOException {
        try (ClassPathSource classFiles = new ClassPathSource(List.of(dir.resolve("classes"), jarOf(Task.class),
                jarOf(Async.class)))) {
            return new SourceChecker().check(files, classFiles, warnDroppedTasks);
        }
    }

    /** javac compiles the samples, so that each is Java a build would check. */
    private void compile(List<SourceChecker.SourceFile> files) throws IOException {
        compileInto(dir.resolve("classes"), List.of(), files);
    }

    private void compileInto(Path classes, List<Path> classPath, List<SourceChecker.SourceFile> files)
            throws IOException {
        Files.createDirectories(classes);
        List<String> path = new ArrayList<>(List.of(jarOf(Task.class).toString(), jarOf(Async.class).toString()));
        classPath.forEach(p -> path.add(p.toString()));
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-proc:none", "-classpath",
                String.join(File.pathSeparator, path)));
        for (SourceChecker.SourceFile f : files) {
            Path file = dir.resolve("src").resolve(classes.getFileName().toString())
                    .resolve(source("/").relativize(f.file()));
            Files.createDirectories(file.getParent());
            Files.writeString(file, f.text());
            args.add(file.toString());
        }
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(new String[0])),
                "javac refused the sample");
    }

    private static Path jarOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** file:line of each line of a checked file that ends with the mark. */
    private static List<String> marked(List<SourceChecker.SourceFile> files) {
        List<String> places = new ArrayList<>();
        for (SourceChecker.SourceFile f : files) {
            String[] lines = f.text().split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (f.checked() && lines[i].endsWith(MARK)) {
                    places.add(f.file() + ":" + (i + 1));
                }
            }
        }
        return places;
    }

    private static List<String> places(List<SourceProblem> warnings) {
        return warnings.stream().map(w -> w.file() + ":" + w.line()).collect(Collectors.toList());
    }

    private static List<String> formatted(List<SourceProblem> warnings) {
        return warnings.stream().map(SourceProblem::format).collect(Collectors.toList());
    }
}
