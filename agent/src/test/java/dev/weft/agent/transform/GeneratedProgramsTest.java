package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.agent.transform.ProgramGenerator.Program;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The generative differential fuzzer of the transformer (issue #10): {@link ProgramGenerator} writes random
 * {@code @Async} programs, {@link GeneratedProgramChecker} runs each untransformed with every future already done
 * (plain Java semantics, the oracle) and transformed on an event loop where futures really suspend, and the two
 * traces must be equal; it also fails on refusals, verifier rejections, escaped exceptions and hangs.
 *
 * <p>CI runs a fixed range of seeds. To run more, from any seed, by hand:
 * <pre>
 * mvn -pl agent test -Dtest=GeneratedProgramsTest -Dweft.fuzz.seed=123456 -Dweft.fuzz.count=5000
 * </pre>
 * Other switches: {@code -Dweft.fuzz.awaitInNew=false} generates no await among constructor arguments (to look
 * past that family of bugs), {@code -Dweft.fuzz.batch=N} programs per javac run, and the harness's
 * {@code -Dweft.test.compact=true} has the transformer write every method in its compact shape. Every failure is
 * printed with its seed, its kind, the details and the numbered program (the first three of each kind in full);
 * the test goes on to the end and then fails with a summary (count per kind, first seeds of each).
 *
 * <p>javac runs as {@link GeneratedJavac} says: {@code -g} on JDK 25 and later, no {@code -g} flag on older ones.
 * The seeds give the same programs on every JDK, except the few that javac crashes on, which are regenerated without
 * the constructs javac trips over (the summary counts them).
 */
class GeneratedProgramsTest {

    /** The seeds CI checks: fixed, so a failure names a seed anyone can rerun. */
    static final long DEFAULT_FIRST_SEED = 1;
    static final int DEFAULT_COUNT = 200;
    static final int DEFAULT_BATCH = 20;

    @Test
    void generatedProgramsGiveTheOraclesTraceWhenTransformedAndSuspending() {
        long first = Long.getLong("weft.fuzz.seed", DEFAULT_FIRST_SEED);
        int count = Integer.getInteger("weft.fuzz.count", DEFAULT_COUNT);
        int batchSize = Math.max(1, Integer.getInteger("weft.fuzz.batch", DEFAULT_BATCH));
        ProgramGenerator.Config config = new ProgramGenerator.Config(
                Boolean.parseBoolean(System.getProperty("weft.fuzz.awaitInNew", "true")), false);

        GeneratedProgramChecker checker = new GeneratedProgramChecker(config);
        long start = System.nanoTime();
        checker.run(first, count, batchSize);
        String summary = checker.summary((System.nanoTime() - start) / 1_000_000);
        System.out.println(summary);
        if (!checker.failures().isEmpty()) {
            fail(summary + "\nthe first failure:\n" + GeneratedProgramChecker.fullReport(checker.failures().get(0))
                    + "---- demo.Support\n" + InMemoryJavac.numbered(ProgramGenerator.SUPPORT_SOURCE));
        }
        assertTrue(checker.suspendedPrograms() * 2 > checker.checked(),
                () -> "most programs should suspend when transformed: " + summary);
    }

    /**
     * The checker itself: a program whose trace shows the mode must be reported as a mismatch, one that does not
     * must pass, and one javac rejects is the generator's fault.
     */
    @Test
    void theCheckerTellsAMismatchFromAMatchAndBlamesJavacErrorsOnTheGenerator() {
        String header = """
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static demo.Support.*;
                import static dev.weft.runtime.Await.await;

                """;
        Program same = new Program(-1, "demo.CheckerSame", header + """
                public class CheckerSame {
                    @Async
                    public static Task<String> run(boolean suspendMode) {
                        suspend = suspendMode;
                        return Task.completed("got " + ((int) await(later(41)) + (int) await(now(1))));
                    }
                }
                """);
        Program leaks = new Program(-2, "demo.CheckerLeaks", header + """
                public class CheckerLeaks {
                    @Async
                    public static Task<String> run(boolean suspendMode) {
                        suspend = suspendMode;
                        return Task.completed("suspending: " + suspendMode + ", got " + (int) await(later(42)));
                    }
                }
                """);
        Program wrong = new Program(-3, "demo.CheckerWrong", header + """
                public class CheckerWrong {
                    @Async
                    public static Task<String> run(boolean suspendMode) {
                        int x = "not an int";
                        return Task.completed("" + x);
                    }
                }
                """);
        GeneratedProgramChecker checker = new GeneratedProgramChecker(ProgramGenerator.Config.DEFAULT);
        checker.check(List.of(same, leaks, wrong));
        List<String> kinds = new ArrayList<>();
        for (GeneratedProgramChecker.Failure f : checker.failures()) {
            kinds.add(f.seed() + " " + f.kind());
        }
        assertEquals(List.of("-2 trace mismatch (transformed, suspending, on a loop)",
                "-3 generator bug: javac rejects the program"), kinds);
        assertTrue(checker.failures().get(0).detail().contains("suspending: false"), checker.failures().get(0).detail());
    }

    @Test
    void theGeneratorIsDeterministic() {
        for (long seed : new long[] {0, 1, 42, -7, 123456789012L}) {
            assertEquals(ProgramGenerator.generate(seed).source(), ProgramGenerator.generate(seed).source(),
                    "seed " + seed);
        }
        assertNotEquals(ProgramGenerator.generate(1).source().replace("Gen1", "GenX"),
                ProgramGenerator.generate(2).source().replace("Gen2", "GenX"));
        assertEquals("demo.GenM7", ProgramGenerator.generate(-7).className());
    }

    /** Each construct the fuzzer is meant to mix shows up within the CI seeds (a generator that lost one would still pass). */
    @Test
    void theCiSeedsCoverEveryConstruct() {
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            all.append(ProgramGenerator.generate(DEFAULT_FIRST_SEED + i).source());
        }
        String text = all.toString();
        List<String> missing = new ArrayList<>();
        for (String construct : List.of(
                // locals and values of every type
                "long j", "double dd", "float f", "boolean z", "char ch", "byte by", "short sh", "String s",
                "Object o", "int[] a", "long[] a", "double[] a", "String[] a", "Box bx", "Cell ce", "StringBuilder sb",
                "Color co",
                // the three kinds of awaited value, and futures of both families
                "await(now(", "await(later(", "await(cfLater(", "await(cfNow(", "failNow(", "failLater(",
                // operand positions
                " += (int) await(", "[(int) await(", "new Box((int) await(", "new Cell((long) await(",
                "? new Box(", "(switch (", "yield ", "&& (boolean) await(",
                // control flow
                "if (", "} else {", ": for (int i", ": while (", ": do {", " : Arrays.<", "switch (Math.floorMod(",
                "switch (String.valueOf(", "case RED", "try {", "} catch (", "} finally {", "try (Res r",
                "try (r", "break L", "continue L", "break B", "throw new", " instanceof Box q", " instanceof Integer q",
                // methods and lambdas, in every kind of host
                "static Task<", "CompletableFuture<", "CompletionStage<", "self.m", "Supplier<Task<Integer>> l",
                "Function<Integer, CompletableFuture<String>> l", "AsyncFn l", " - 1", "private ",
                "N.m|nObj.m", "self.inner.m|I.m", "F.m|fObj.m", "@Async\n        default ",
                ".this.")) {
            boolean found = false;
            for (String alternative : construct.split("\\|")) {
                found |= text.contains(alternative);
            }
            if (!found) {
                missing.add(construct);
            }
        }
        assertTrue(missing.isEmpty(), () -> "no program among the first 60 seeds contains " + missing);
    }
}
