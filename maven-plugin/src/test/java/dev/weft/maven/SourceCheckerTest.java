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
                + "the await out of the synchronized block (a monitor cannot be held across a suspension)"), problems);
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
        assertEquals(SourceChecker.AWAIT_IN_SYNCHRONIZED, problems.get(0).message());
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
                + "CompletableFuture<T> or CompletionStage<T>)"), problems);
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
                        + "Task.completed(value)",
                FILE + ":[" + (FIRST + 5) + ",19] @Async methods must return Task<T>, CompletableFuture<T> or "
                        + "CompletionStage<T>, not void; change the return type and end with return "
                        + "Task.completed(value)",
                FILE + ":[" + (FIRST + 6) + ",19] @Async methods must return Task<T>, CompletableFuture<T> or "
                        + "CompletionStage<T>, not java.util.concurrent.Future<String>; change the return type "
                        + "and end with return Task.completed(value)"), problems);
    }

    @Test
    void asyncMethodWithoutBodyIsRefused() throws Exception {
        List<SourceProblem> problems = check(
                "interface Service {",
                "    @Async Task<String> fetch();",
                "}");
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).message().startsWith("@Async needs a method body"));
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
