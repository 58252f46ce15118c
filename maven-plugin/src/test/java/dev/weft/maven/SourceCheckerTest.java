package dev.weft.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Each refusal of the source checks, at its line and column, and the code they must accept. */
class SourceCheckerTest {
    private static final Path FILE = Path.of("/src/main/java/com/acme/Foo.java");

    private static final String HEADER = String.join("\n",
            "package com.acme;",
            "import dev.weft.Async;",
            "import dev.weft.runtime.Task;",
            "import dev.weft.runtime.Tasks;",
            "import java.time.Duration;",
            "import java.util.concurrent.CompletableFuture;",
            "import java.util.function.Supplier;",
            "import static dev.weft.runtime.Await.await;",
            "");
    /** The first line of the code after {@link #HEADER}. */
    private static final int FIRST = 9;

    private static List<SourceProblem> check(String... lines) throws Exception {
        return new SourceChecker().check(FILE, HEADER + String.join("\n", lines) + "\n");
    }

    private static List<String> formatted(String... lines) throws Exception {
        return check(lines).stream().map(SourceProblem::format).collect(Collectors.toList());
    }

    // --- refusals ---

    @Test
    void awaitInsideSynchronizedBlockIsRefusedAtTheAwait() throws Exception {
        List<String> problems = formatted(
                "class Foo {",
                "    private final Object lock = new Object();",
                "    @Async",
                "    Task<Integer> get(CompletableFuture<Integer> f) {",
                "        synchronized (lock) {",
                "            int v = await(f);",
                "            return Task.completed(v);",
                "        }",
                "    }",
                "}");
        assertEquals(List.of(FILE + ":[" + (FIRST + 5) + ",21] await(...) is not allowed inside synchronized; move "
                + "the await out of the synchronized block (a monitor cannot be held across a suspension) "
                + "(in com.acme.Foo.get)"), problems);
    }

    @Test
    void awaitNestedDeeperInsideSynchronizedBlockIsRefused() throws Exception {
        List<SourceProblem> problems = check(
                "class Foo {",
                "    @Async",
                "    Task<Integer> get(CompletableFuture<Integer> f) {",
                "        synchronized (this) {",
                "            for (int i = 0; i < 3; i++) {",
                "                if (i == 1) { System.out.println(await(f)); }",
                "            }",
                "        }",
                "        return Task.completed(1);",
                "    }",
                "}");
        assertEquals(1, problems.size());
        assertEquals(FIRST + 5, problems.get(0).line());
        assertEquals(SourceChecker.AWAIT_IN_SYNCHRONIZED + " (in com.acme.Foo.get)", problems.get(0).message());
    }

    @Test
    void awaitInsideSynchronizedAsyncMethodIsRefused() throws Exception {
        List<SourceProblem> problems = check(
                "class Foo {",
                "    @Async",
                "    synchronized Task<Integer> get(CompletableFuture<Integer> f) {",
                "        return Task.completed(await(f));",
                "    }",
                "}");
        assertEquals(1, problems.size());
        SourceProblem p = problems.get(0);
        assertEquals(FIRST + 3, p.line());
        assertEquals(31, p.column());
        assertTrue(p.message().startsWith("await(...) is not allowed inside a synchronized method; remove "
                + "synchronized from get"), p.message());
        assertTrue(p.message().endsWith(" (in com.acme.Foo.get)"), p.message());
    }

    @Test
    void awaitInMethodThatIsNotAsyncIsRefusedWithTheMethodName() throws Exception {
        List<String> problems = formatted(
                "class Foo {",
                "    static int blocking(CompletableFuture<Integer> f) {",
                "        return await(f) + 1;",
                "    }",
                "}");
        assertEquals(List.of(FILE + ":[" + (FIRST + 2) + ",16] await(...) in a method that is neither @Async nor "
                + "an async lambda; annotate blocking with @dev.weft.Async (its return type must be Task<T>, "
                + "CompletableFuture<T> or CompletionStage<T>) (in com.acme.Foo.blocking)"), problems);
    }

    @Test
    void qualifiedAwaitInMethodThatIsNotAsyncIsRefused() throws Exception {
        List<SourceProblem> problems = new SourceChecker().check(FILE, String.join("\n",
                "package com.acme;",
                "import dev.weft.runtime.Await;",
                "class Foo {",
                "    int a(java.util.concurrent.CompletableFuture<Integer> f) { return Await.await(f); }",
                "    int b(java.util.concurrent.CompletableFuture<Integer> f) {",
                "        return dev.weft.runtime.Await.await(f);",
                "    }",
                "}"));
        assertEquals(List.of(4, 6), problems.stream().map(SourceProblem::line).collect(Collectors.toList()));
    }

    @Test
    void awaitInAnonymousClassMethodInsideAsyncMethodIsRefused() throws Exception {
        List<SourceProblem> problems = check(
                "class Foo {",
                "    @Async",
                "    Task<Integer> get(CompletableFuture<Integer> f) {",
                "        Runnable r = new Runnable() {",
                "            public void run() { System.out.println(await(f)); }",
                "        };",
                "        r.run();",
                "        return Task.completed(1);",
                "    }",
                "}");
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).message().contains("annotate run with @dev.weft.Async"));
        assertTrue(problems.get(0).message().endsWith("(in run of an anonymous Runnable in com.acme.Foo.get)"),
                problems.get(0).message());
    }

    @Test
    void awaitInConstructorInitializerOrFieldIsRefused() throws Exception {
        List<SourceProblem> problems = check(
                "class Foo {",
                "    static final CompletableFuture<Integer> F = CompletableFuture.completedFuture(1);",
                "    int field = await(F);",
                "    static { System.out.println(await(F)); }",
                "    Foo() { System.out.println(await(F)); }",
                "}");
        assertEquals(List.of(FIRST + 2, FIRST + 3, FIRST + 4),
                problems.stream().map(SourceProblem::line).collect(Collectors.toList()));
        assertTrue(problems.get(0).message().startsWith("await(...) is not allowed in a constructor, initializer"));
        assertEquals(List.of("(in com.acme.Foo.<init>)", "(in com.acme.Foo.<clinit>)", "(in com.acme.Foo.<init>)"),
                problems.stream().map(p -> p.message().substring(p.message().lastIndexOf(" (in ") + 1))
                        .collect(Collectors.toList()));
    }

    @Test
    void asyncMethodReturningAnotherTypeIsRefusedAtTheReturnType() throws Exception {
        List<String> problems = formatted(
                "class Foo {",
                "    @Async",
                "    static String name() {",
                "        return \"x\";",
                "    }",
                "    @Async static void fire() { }",
                "    @Async static java.util.concurrent.Future<String> old() { return null; }",
                "}");
        assertEquals(List.of(
                FILE + ":[" + (FIRST + 2) + ",12] @Async methods must return Task<T>, CompletableFuture<T> or "
                        + "CompletionStage<T>, not String; change the return type and end with return "
                        + "Task.completed(value) (in com.acme.Foo.name)",
                FILE + ":[" + (FIRST + 5) + ",19] @Async methods must return Task<T>, CompletableFuture<T> or "
                        + "CompletionStage<T>, not void; change the return type and end with return "
                        + "Task.completed(value) (in com.acme.Foo.fire)",
                FILE + ":[" + (FIRST + 6) + ",19] @Async methods must return Task<T>, CompletableFuture<T> or "
                        + "CompletionStage<T>, not java.util.concurrent.Future<String>; change the return type "
                        + "and end with return Task.completed(value) (in com.acme.Foo.old)"), problems);
    }

    @Test
    void asyncMethodWithoutBodyIsRefused() throws Exception {
        List<SourceProblem> problems = check(
                "interface Service {",
                "    @Async Task<String> fetch();",
                "}");
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).message().startsWith("@Async needs a method body"));
        assertTrue(problems.get(0).message().endsWith("(in com.acme.Service.fetch)"), problems.get(0).message());
    }

    @Test
    void fullyQualifiedAsyncAnnotationIsRecognised() throws Exception {
        List<SourceProblem> problems = new SourceChecker().check(FILE, String.join("\n",
                "package com.acme;",
                "class Foo {",
                "    @dev.weft.Async int count() { return 1; }",
                "}"));
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).message().contains("not int"));
    }

    @Test
    void everyProblemOfAFileIsReportedInLineOrder() throws Exception {
        List<SourceProblem> problems = check(
                "class Foo {",
                "    int a(CompletableFuture<Integer> f) { return await(f); }",
                "    @Async String b() { return \"\"; }",
                "    @Async Task<Integer> c(CompletableFuture<Integer> f) {",
                "        synchronized (this) { await(f); }",
                "        return Task.completed(1);",
                "    }",
                "}");
        assertEquals(List.of(FIRST + 1, FIRST + 2, FIRST + 4),
                problems.stream().map(SourceProblem::line).collect(Collectors.toList()));
    }

    // --- every message names the class and the method (contract item 7) ---

    /** The {@code (in ...)} suffix of each problem, in line order. */
    private static List<String> where(List<SourceProblem> problems) {
        return problems.stream().map(p -> {
            String m = p.message();
            assertTrue(m.endsWith(")") && m.contains(" (in "), m);
            return m.substring(m.lastIndexOf(" (in ") + 5, m.length() - 1);
        }).collect(Collectors.toList());
    }

    @Test
    void everyKindOfProblemNamesTheClassAndTheMethod() throws Exception {
        List<SourceProblem> problems = check(
                "class Foo {",
                "    @Async String name() { return \"\"; }",
                "    @Async Foo() { }",
                "    int blocking(CompletableFuture<Integer> f) { return await(f); }",
                "    @Async synchronized Task<Integer> locked(CompletableFuture<Integer> f) {",
                "        return Task.completed(await(f));",
                "    }",
                "    @Async Task<Integer> block(CompletableFuture<Integer> f) {",
                "        synchronized (this) { await(f); }",
                "        return Task.completed(1);",
                "    }",
                "    Supplier<Task<Integer>> lambda(CompletableFuture<Integer> f) {",
                "        return () -> { synchronized (this) { return Task.completed(await(f)); } };",
                "    }",
                "    static class Inner {",
                "        @Async int count() { return 1; }",
                "        class Deeper { int get(CompletableFuture<Integer> f) { return await(f); } }",
                "    }",
                "    void local(CompletableFuture<Integer> f) {",
                "        class Helper { int get() { return await(f); } }",
                "    }",
                "    static int field = await(CompletableFuture.completedFuture(1));",
                "}",
                "enum Color {",
                "    RED { int get(CompletableFuture<Integer> f) { return await(f); } };",
                "}",
                "interface Service { @Async Task<String> fetch(); }");
        assertEquals(List.of(FIRST + 1, FIRST + 2, FIRST + 3, FIRST + 5, FIRST + 8, FIRST + 12, FIRST + 15,
                        FIRST + 16, FIRST + 19, FIRST + 21, FIRST + 24, FIRST + 26),
                problems.stream().map(SourceProblem::line).collect(Collectors.toList()));
        assertEquals(List.of(
                "com.acme.Foo.name",
                "com.acme.Foo.<init>",
                "com.acme.Foo.blocking",
                "com.acme.Foo.locked",
                "com.acme.Foo.block",
                "a lambda in com.acme.Foo.lambda",
                "com.acme.Foo$Inner.count",
                "com.acme.Foo$Inner$Deeper.get",
                "get of local class Helper in com.acme.Foo.local",
                "com.acme.Foo.<clinit>",
                "get of the body of enum constant RED in com.acme.Color",
                "com.acme.Service.fetch"), where(problems));
        assertTrue(problems.get(1).message().startsWith("@Async cannot be put on a constructor"),
                problems.get(1).message());
    }

    // --- return types: resolved through the file, or left to the bytecode pass ---

    /** The problems of a whole file (no header). */
    private static List<SourceProblem> file(String... lines) throws Exception {
        return new SourceChecker().check(FILE, String.join("\n", lines) + "\n");
    }

    @Test
    void aTaskOfTheUsersOwnIsRefusedWhereverTheFileShowsIt() throws Exception {
        // declared in the file
        List<SourceProblem> own = file(
                "package com.acme;",
                "import dev.weft.Async;",
                "import dev.weft.runtime.Task;",      // shadowed by the member type below
                "class Foo {",
                "    static class Task<T> { }",
                "    @Async Task<String> get() { return null; }",
                "}");
        assertEquals(1, own.size());
        assertEquals(6, own.get(0).line());
        assertTrue(own.get(0).message().contains("not Task<String> (Task here is the member type declared in Foo, "
                + "not dev.weft.runtime.Task)"), own.get(0).message());
        assertTrue(own.get(0).message().endsWith("(in com.acme.Foo.get)"), own.get(0).message());

        // imported from elsewhere
        List<SourceProblem> imported = file(
                "package com.acme;",
                "import dev.weft.Async;",
                "import com.acme.jobs.Task;",
                "class Foo { @Async Task<String> get() { return null; } }");
        assertEquals(1, imported.size());
        assertTrue(imported.get(0).message().contains("(Task here is com.acme.jobs.Task, not dev.weft.runtime.Task)"),
                imported.get(0).message());

        // not imported at all: a class of the same package, whatever it is, is not Weft's
        List<SourceProblem> samePackage = file(
                "package com.acme;",
                "import dev.weft.Async;",
                "import java.util.concurrent.Future;",
                "class Foo {",
                "    @Async Task<String> a() { return null; }",
                "    @Async CompletableFuture<String> b() { return null; }",
                "}");
        assertEquals(List.of(5, 6), samePackage.stream().map(SourceProblem::line).collect(Collectors.toList()));
        assertTrue(samePackage.get(0).message().contains("(Task here is not dev.weft.runtime.Task, which this file "
                + "does not import)"), samePackage.get(0).message());

        // qualified otherwise, a type parameter, a top-level type of the file, a local class
        List<SourceProblem> others = file(
                "package com.acme;",
                "import dev.weft.Async;",
                "import dev.weft.runtime.*;",
                "import java.util.concurrent.*;",
                "class Foo {",
                "    @Async com.acme.jobs.Task<String> a() { return null; }",
                "    @Async <Task> Task b() { return null; }",
                "    @Async CompletionStage c() { return null; }",
                "    void d() {",
                "        class Task { }",
                "        Object o = new Object() { @Async Task e() { return null; } };",
                "    }",
                "}",
                "class CompletionStage { }");
        assertEquals(List.of(6, 7, 8, 11), others.stream().map(SourceProblem::line).collect(Collectors.toList()));
        assertTrue(others.get(0).message().contains("(com.acme.jobs.Task is not dev.weft.runtime.Task)"),
                others.get(0).message());
        assertTrue(others.get(1).message().contains("(Task here is a type parameter"), others.get(1).message());
        assertTrue(others.get(2).message().contains("(CompletionStage here is the class declared in this file"),
                others.get(2).message());
        assertTrue(others.get(3).message().contains("(Task here is the local class declared above"),
                others.get(3).message());
        assertTrue(others.get(3).message().endsWith("(in e of an anonymous Object in com.acme.Foo.d)"),
                others.get(3).message());
    }

    @Test
    void aReturnTypeThatMayBeWeftsIsLeftToTheBytecodePass() throws Exception {
        assertEquals(List.of(), file(
                "package com.acme;",
                "import dev.weft.Async;",
                "import dev.weft.runtime.*;",            // a com.acme.Task could shadow it: bytecode decides
                "import java.util.concurrent.*;",
                "class Foo {",
                "    @Async Task<String> a() { return null; }",
                "    @Async CompletableFuture<String> b() { return null; }",
                "    @Async java.util.concurrent.CompletionStage<String> c() { return null; }",
                "    static class Other { static class Task { } }",   // not in scope of a() and b()
                "}"));
        assertEquals(List.of(), file(
                "package dev.weft.runtime;",               // Weft's own package needs no import
                "class Foo { @dev.weft.Async Task<String> a() { return null; } }"));
        assertEquals(List.of(), file(
                "package com.acme;",
                "import static com.acme.Jobs.Task;",      // a static member named Task: maybe a type, maybe not
                "class Foo { @dev.weft.Async Task<String> a() { return null; } }"));
        assertEquals(List.of(), check(
                "class Foo {",
                "    void d() { Object o = new Object() { @Async Task<String> e() { return null; } }; class Task { } }",
                "}"));   // a local class is in scope from its declaration on
    }

    // --- await(future, Thrown.class) is await ---

    @Test
    void theTwoArgumentAwaitIsCheckedLikeTheOneArgumentOne() throws Exception {
        List<SourceProblem> problems = check(
                "class Foo {",
                "    int blocking(CompletableFuture<Integer> f) throws Exception {",
                "        return await(f, java.io.IOException.class);",
                "    }",
                "    @Async Task<Integer> locked(CompletableFuture<Integer> f) throws Exception {",
                "        synchronized (this) { return Task.completed(dev.weft.runtime.Await.await(f, Exception.class)); }",
                "    }",
                "    @Async synchronized Task<Integer> sync(CompletableFuture<Integer> f) throws Exception {",
                "        return Task.completed(await(f, Exception.class));",
                "    }",
                "    Foo(CompletableFuture<Integer> f) throws Exception { await(f, Exception.class); }",
                "    @Async Task<Integer> fine(CompletableFuture<Integer> f) throws Exception {",
                "        return Task.completed(await(f, Exception.class) + await(f));",
                "    }",
                "}");
        assertEquals(List.of(FIRST + 2, FIRST + 5, FIRST + 8, FIRST + 10),
                problems.stream().map(SourceProblem::line).collect(Collectors.toList()));
        assertTrue(problems.get(0).message().startsWith("await(...) in a method that is neither @Async"));
        assertTrue(problems.get(1).message().startsWith(SourceChecker.AWAIT_IN_SYNCHRONIZED));
        assertTrue(problems.get(2).message().startsWith("await(...) is not allowed inside a synchronized method"));
        assertTrue(problems.get(3).message().startsWith("await(...) is not allowed in a constructor"));
        assertEquals(List.of("com.acme.Foo.blocking", "com.acme.Foo.locked", "com.acme.Foo.sync",
                "com.acme.Foo.<init>"), where(problems));
    }

    // --- accepted ---

    @Test
    void awaitInAsyncMethodIsAccepted() throws Exception {
        assertEquals(List.of(), check(
                "class Foo {",
                "    @Async",
                "    static Task<Integer> slowAdd(int a, int b) {",
                "        await(Tasks.sleep(Duration.ofMillis(10)));",
                "        return Task.completed(a + b);",
                "    }",
                "    @Async",
                "    static CompletableFuture<Integer> viaFuture(CompletableFuture<Integer> f) {",
                "        return CompletableFuture.completedFuture(await(f));",
                "    }",
                "    @Async",
                "    static java.util.concurrent.CompletionStage<Integer> viaStage(CompletableFuture<Integer> f) {",
                "        return CompletableFuture.completedFuture(await(f));",
                "    }",
                "    @Async",
                "    static dev.weft.runtime.Task<Integer> qualified(CompletableFuture<Integer> f) {",
                "        return Task.completed(await(f));",
                "    }",
                "}"));
    }

    @Test
    void awaitInLambdaIsAcceptedWhateverTheEnclosingMethod() throws Exception {
        assertEquals(List.of(), check(
                "class Foo {",
                "    static Supplier<Task<Integer>> make(CompletableFuture<Integer> f) {",
                "        return () -> Task.completed(await(f));",
                "    }",
                "    static Supplier<Task<Integer>> block(CompletableFuture<Integer> f) {",
                "        return () -> { int v = await(f); return Task.completed(v); };",
                "    }",
                "}"));
    }

    @Test
    void awaitInNestedLambdaInsideAsyncMethodIsAccepted() throws Exception {
        assertEquals(List.of(), check(
                "class Foo {",
                "    @Async",
                "    static Task<Integer> outer(CompletableFuture<Integer> f) {",
                "        Supplier<Supplier<Task<Integer>>> s = () -> () -> Task.completed(await(f));",
                "        return Task.completed(await(s.get().get()) + await(f));",
                "    }",
                "}"));
    }

    @Test
    void awaitInLambdaInsideSynchronizedBlockIsAccepted() throws Exception {
        assertEquals(List.of(), check(
                "class Foo {",
                "    Supplier<Task<Integer>> make(CompletableFuture<Integer> f) {",
                "        synchronized (this) {",
                "            return () -> Task.completed(await(f));",
                "        }",
                "    }",
                "}"));
    }

    @Test
    void synchronizedElsewhereInTheClassIsAccepted() throws Exception {
        assertEquals(List.of(), check(
                "class Foo {",
                "    private int count;",
                "    synchronized void increment() { count++; }",
                "    @Async",
                "    Task<Integer> get(CompletableFuture<Integer> f) {",
                "        synchronized (this) { count++; }",
                "        int v = await(f);",
                "        synchronized (this) { count += v; }",
                "        return Task.completed(count);",
                "    }",
                "}"));
    }

    @Test
    void awaitComputingTheLockIsAccepted() throws Exception {
        assertEquals(List.of(), check(
                "class Foo {",
                "    @Async",
                "    Task<Integer> get(CompletableFuture<Object> lock) {",
                "        synchronized (await(lock)) { return Task.completed(1); }",
                "    }",
                "}"));
    }

    @Test
    void otherMethodsNamedAwaitAreNotWefts() throws Exception {
        assertEquals(List.of(), new SourceChecker().check(FILE, String.join("\n",
                "package com.acme;",
                "import java.util.concurrent.CountDownLatch;",
                "class Foo {",
                "    void a(CountDownLatch latch) throws InterruptedException { latch.await(); }",
                "    void b(java.util.concurrent.locks.Condition c) throws InterruptedException { c.await(); }",
                "    static int await(int x) { return x; }",
                "    int c() { return await(1); }",
                "}")));
        // a class that declares its own await(...) means that one, even under the static import
        assertEquals(List.of(), check(
                "class Foo {",
                "    static int await(CompletableFuture<Integer> f) { return 0; }",
                "    int c(CompletableFuture<Integer> f) { return await(f); }",
                "}"));
    }

    @Test
    void asyncAnnotationsOfOtherLibrariesAreNotWefts() throws Exception {
        assertEquals(List.of(), new SourceChecker().check(FILE, String.join("\n",
                "package com.acme;",
                "import org.springframework.scheduling.annotation.Async;",
                "class Foo {",
                "    @Async public void sendMail() { }",
                "}")));
        assertEquals(List.of(), new SourceChecker().check(FILE, String.join("\n",
                "package com.acme;",
                "import dev.weft.*;",
                "import org.springframework.scheduling.annotation.Async;",
                "class Foo {",
                "    @Async public void sendMail() { }",
                "}")));
    }

    @Test
    void awaitWithoutTheStaticImportIsNotWefts() throws Exception {
        assertEquals(List.of(), new SourceChecker().check(FILE, String.join("\n",
                "package com.acme;",
                "class Foo extends Base {",
                "    int c(Object f) { return await(f); }",
                "}")));
    }

    @Test
    void filesWithoutWeftNamesAreNotParsed() throws Exception {
        assertEquals(List.of(), new SourceChecker().check(FILE, "this is not Java at all {"));
    }

    @Test
    void unparsableFileIsReportedAsSuch() {
        assertThrows(SourceChecker.UnparsableSourceException.class,
                () -> new SourceChecker().check(FILE, "class Foo { @Async void broken( }"));
    }

    @Test
    void recentSyntaxIsParsed() throws Exception {
        List<SourceProblem> problems = check(
                "record Point(int x, int y) {",
                "    @Async",
                "    static Task<String> describe(Object o, CompletableFuture<Integer> f) {",
                "        String text = switch (o) {",
                "            case Point(int x, int y) when x > 0 -> \"point \" + x;",
                "            case String s -> { yield s; }",
                "            default -> \"\"\"",
                "                other",
                "                \"\"\";",
                "        };",
                "        if (o instanceof Point p && p.y() > await(f)) { return Task.completed(text); }",
                "        return Task.completed(text + await(f));",
                "    }",
                "    int bad(CompletableFuture<Integer> f) { return await(f); }",
                "}");
        assertEquals(List.of(FIRST + 13), problems.stream().map(SourceProblem::line).collect(Collectors.toList()));
    }
}
