package dev.weft.agent.transform;

import dev.weft.agent.transform.ProgramGenerator.Program;
import dev.weft.runtime.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks generated programs, differentially, and collects what went wrong instead of stopping at the first
 * failure.
 *
 * <p>For each program (javac runs once for a batch of them; every program is then checked on its own class files):
 * <ol>
 *   <li>the oracle: the class files as javac wrote them, on a plain thread (no loop), with {@code suspend = false},
 *       so every awaited future is already done and {@code await} is the blocking fallback, which returns at once:
 *       plain Java semantics;</li>
 *   <li>the transformer on every class of the program; a refusal or a crash is a failure;</li>
 *   <li>the output checked by ASM's verifier and by the JVM's (each class defined in a fresh loader and linked);</li>
 *   <li>the subject: the transformed program on {@code EventLoop.run} with {@code suspend = true} (the "later"
 *       helpers complete on a later turn, failures after a suspension); its trace must equal the oracle's;</li>
 *   <li>the transformed program on a loop with {@code suspend = false}: the same trace again (the code paths where
 *       no await suspends).</li>
 * </ol>
 * Every run has the harness's time limit ({@link AsyncTestSupport#TIMEOUT_SECONDS}), so a hang is a failure too.
 */
final class GeneratedProgramChecker {

    /** One failed program: what kind of failure (for the summary), the details, and its source. */
    record Failure(long seed, String kind, String detail, String source) {
    }

    /** How a run ended: with a trace, an exception, or not within the time limit. */
    private record Outcome(String trace, Throwable error, boolean hung) {
        String describe() {
            if (hung) {
                return "no result within " + AsyncTestSupport.TIMEOUT_SECONDS + " s: " + error.getMessage();
            }
            return error != null ? "threw " + stackTrace(error) : "returned the trace";
        }
    }

    /** A program with what javac made of it: its classes, or javac's errors. */
    private record Unit(Program program, Map<String, byte[]> classes, String javacErrors, boolean regenerated) {
    }

    private static final int FULL_REPORTS_PER_KIND = 3;

    private final ProgramGenerator.Config config;
    private final List<Failure> failures = new ArrayList<>();
    private final Map<String, List<Long>> seedsByKind = new TreeMap<>();
    private int checked;
    /** Programs regenerated because javac crashed on them (or wrote bad class files), and those skipped after all. */
    private int regenerated;
    private int skipped;
    /** Nanoseconds spent in javac, the oracle, the transformer, the verifiers and the transformed runs. */
    private final AtomicLong javacNanos = new AtomicLong();
    private long oracleNanos;
    private long transformNanos;
    private long verifyNanos;
    private long runNanos;
    private int suspendedPrograms;
    private long traceLines;

    GeneratedProgramChecker(ProgramGenerator.Config config) {
        this.config = config;
    }

    int checked() {
        return checked;
    }

    List<Failure> failures() {
        return failures;
    }


    /**
     * Checks {@code count} programs from seed {@code first}. javac (the slowest part) compiles {@code batchSize}
     * programs per run, on a thread of its own: it compiles the next batch while this thread checks the current one.
     */
    void run(long first, int count, int batchSize) {
        ExecutorService javacThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "weft-fuzz-javac");
            t.setDaemon(true);
            return t;
        });
        try {
            long end = first + count;
            java.util.concurrent.Future<List<Unit>> next = javacThread.submit(() -> compile(first, Math.min(end, first + batchSize)));
            for (long start = first; start < end; start += batchSize) {
                List<Unit> units = next.get();
                long nextStart = start + batchSize;
                if (nextStart < end) {
                    next = javacThread.submit(() -> compile(nextStart, Math.min(end, nextStart + batchSize)));
                }
                for (Unit u : units) {
                    check(u);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            throw new AssertionError("generating or compiling the programs failed", e.getCause());
        } finally {
            javacThread.shutdownNow();
        }
    }

    /**
     * Generates the programs of seeds {@code [from, to)} and compiles them in one javac run; when javac rejects the
     * batch, each program alone, so the error is pinned on its program. A program javac itself crashes on (javac 17
     * has bugs around patterns and switch expressions: see {@link ProgramGenerator.Config#avoidJavacBugs}) is
     * regenerated from the same seed without those constructs.
     */
    private List<Unit> compile(long from, long to) {
        List<Program> programs = new ArrayList<>();
        for (long seed = from; seed < to; seed++) {
            programs.add(ProgramGenerator.generate(seed, config));
        }
        return compile(programs);
    }

    /** Checks given programs, on this thread (for the checker's own tests). */
    void check(List<Program> programs) {
        for (Unit u : compile(programs)) {
            check(u);
        }
    }

    private List<Unit> compile(List<Program> programs) {
        List<String> sources = new ArrayList<>(List.of(ProgramGenerator.SUPPORT_SOURCE));
        for (Program p : programs) {
            sources.add(p.source());
        }
        long t0 = System.nanoTime();
        try {
            GeneratedJavac.Result all = GeneratedJavac.compile(sources);
            List<Unit> units = new ArrayList<>();
            for (Program p : programs) {
                if (all.ok()) {
                    units.add(new Unit(p, classesOf(p, all.classes()), null, false));
                    continue;
                }
                GeneratedJavac.Result alone = GeneratedJavac.compile(List.of(ProgramGenerator.SUPPORT_SOURCE, p.source()));
                if (!alone.ok() && isJavacCrash(alone.errors())) {
                    System.out.println("[weft-fuzz] seed " + p.seed() + ": javac crashed (" + crashLine(alone.errors())
                            + "); regenerated without patterns and tries in switch expressions");
                    Program safer = ProgramGenerator.generate(p.seed(), config.avoidingJavacBugs());
                    GeneratedJavac.Result again = GeneratedJavac.compile(List.of(ProgramGenerator.SUPPORT_SOURCE, safer.source()));
                    units.add(new Unit(safer, classesOf(safer, again.classes()), again.ok() ? null : again.errors(), true));
                    continue;
                }
                units.add(new Unit(p, classesOf(p, alone.classes()), alone.errors(), false));
            }
            return units;
        } finally {
            javacNanos.addAndGet(System.nanoTime() - t0);
        }
    }

    /** The exception javac crashed with, from the text it printed. */
    private static String crashLine(String errors) {
        int at = errors.indexOf("java.lang.");
        return firstLine(at < 0 ? errors : errors.substring(at));
    }

    static boolean isJavacCrash(String errors) {
        return errors != null && (errors.contains("An exception has occurred in the compiler") || errors.startsWith("javac threw"));
    }

    private void check(Unit u) {
        if (u.regenerated()) {
            regenerated++;
        }
        if (u.javacErrors() == null) {
            if (!checkOne(u.program(), u.classes())) {
                if (u.regenerated()) {
                    skipped++;
                    System.out.println("[weft-fuzz] seed " + u.program().seed() + " skipped: javac's class files fail "
                            + "the JVM's verifier even without patterns");
                    return;
                }
                checked--;
                System.out.println("[weft-fuzz] seed " + u.program().seed() + ": javac's class files fail the JVM's "
                        + "verifier; regenerated without patterns and tries in switch expressions");
                Program safer = ProgramGenerator.generate(u.program().seed(), config.avoidingJavacBugs());
                GeneratedJavac.Result again = GeneratedJavac.compile(List.of(ProgramGenerator.SUPPORT_SOURCE, safer.source()));
                check(new Unit(safer, classesOf(safer, again.classes()), again.ok() ? null : again.errors(), true));
            }
        } else if (isJavacCrash(u.javacErrors())) {
            checked++;
            skipped++;
            System.out.println("[weft-fuzz] seed " + u.program().seed() + " skipped: javac crashes on it even without "
                    + "patterns: " + crashLine(u.javacErrors()));
        } else {
            checked++;
            fail(u.program(), "generator bug: javac rejects the program", u.javacErrors());
        }
    }

    /** The program's classes: its class, its nested ones, and the support classes (each program gets its own copy). */
    private static Map<String, byte[]> classesOf(Program p, Map<String, byte[]> all) {
        Map<String, byte[]> mine = new TreeMap<>();
        String name = p.internalName();
        String support = ProgramGenerator.SUPPORT_CLASS.replace('.', '/');
        for (Map.Entry<String, byte[]> e : all.entrySet()) {
            String k = e.getKey();
            if (k.equals(name) || k.startsWith(name + "$") || k.equals(support) || k.startsWith(support + "$")) {
                mine.put(e.getKey(), e.getValue());
            }
        }
        return mine;
    }

    /**
     * Checks one compiled program, recording any failure; false when javac's own class files do not pass the JVM's
     * verifier (javac 17 emits inconsistent stack map frames for some programs with patterns and switch
     * expressions), so the program must be regenerated without them.
     */
    private boolean checkOne(Program p, Map<String, byte[]> classes) {
        checked++;
        Compilation javac = new Compilation(GeneratedJavac.OPTIONS, classes, List.of(p.source(), ProgramGenerator.SUPPORT_SOURCE));
        String cls = p.className();

        long t0 = System.nanoTime();
        Compiled untransformed = AsyncTestSupport.untransformed(javac);
        Outcome oracle = outcome(() -> AsyncTestSupport.onFreshThread(() -> {
            Object returned = untransformed.call(cls, "run", false);
            Task<?> task = (Task<?>) returned;
            if (!task.isDone()) {
                throw new IllegalStateException("untransformed, with every future done, run() returned a task that is not done");
            }
            return (String) task.result();
        }));
        if (oracle.error() instanceof VerifyError) {
            return false;
        }
        if (oracle.trace() == null) {
            fail(p, "generator bug: the untransformed oracle run did not return a trace", oracle.describe());
            return true;
        }
        traceLines += oracle.trace().lines().count();
        long t1 = System.nanoTime();
        oracleNanos += t1 - t0;

        Map<String, TransformResult> results;
        try {
            results = AsyncTestSupport.transformAll(javac);
        } catch (AsyncTransformException e) {
            fail(p, "transform refusal: " + normalize(e.reason()), e.getMessage());
            return true;
        } catch (Throwable e) {
            fail(p, "transformer crash: " + e.getClass().getName() + ": " + normalize(firstLine(e.getMessage())),
                    stackTrace(e));
            return true;
        }

        long t2 = System.nanoTime();
        transformNanos += t2 - t1;
        Compiled transformed = loadAndVerify(p, javac, results);
        long t3 = System.nanoTime();
        verifyNanos += t3 - t2;
        if (transformed == null) {
            return true;
        }
        try {
            runTransformed(p, cls, oracle, transformed);
        } finally {
            runNanos += System.nanoTime() - t3;
        }
        return true;
    }

    private void runTransformed(Program p, String cls, Outcome oracle, Compiled transformed) {
        boolean[] suspended = new boolean[1];
        Outcome subject = outcome(() -> AsyncTestSupport.onLoop(() -> {
            Object returned = transformed.call(cls, "run", true);
            suspended[0] = returned instanceof java.util.concurrent.Future<?> f && !f.isDone();
            return returned;
        }));
        if (suspended[0]) {
            suspendedPrograms++;
        }
        if (!compare(p, "transformed, suspending, on a loop", oracle, subject)) {
            return;
        }
        Outcome doneOnLoop = outcome(() -> AsyncTestSupport.onLoop(() -> transformed.call(cls, "run", false)));
        compare(p, "transformed, every future done, on a loop", oracle, doneOnLoop);
    }

    /**
     * Defines the transformer's output in a fresh loader (generated classes first, as an agent must), has ASM's
     * verifier check every class and the JVM link every class; returns the loaded program, or null after recording
     * the failure with both verifiers' messages.
     */
    private Compiled loadAndVerify(Program p, Compilation javac, Map<String, TransformResult> results) {
        Map<String, byte[]> generated = new TreeMap<>();
        Map<String, byte[]> hosts = new TreeMap<>();
        for (Map.Entry<String, TransformResult> e : results.entrySet()) {
            hosts.put(e.getKey(), e.getValue().bytes());
            generated.putAll(e.getValue().generatedClasses());
        }
        for (String name : generated.keySet()) {
            if (javac.classes().containsKey(name)) {
                fail(p, "transformer: a generated class clashes with a class of the program", name);
                return null;
            }
        }
        Map<String, byte[]> all = new LinkedHashMap<>(generated);
        all.putAll(hosts);
        AsyncTestSupport.assertJvmVerifierOn();
        MapClassLoader loader = new MapClassLoader("weft-fuzz-transformed", all, AsyncTestSupport.class.getClassLoader());
        List<String> order = new ArrayList<>(all.keySet());
        List<Class<?>> defined = new ArrayList<>();
        StringBuilder jvm = new StringBuilder();
        String jvmKind = null;
        for (String name : order) {
            try {
                defined.add(loader.define(name));
            } catch (ClassNotFoundException | LinkageError e) {
                defined.add(null);
                jvm.append("cannot define ").append(name).append(": ").append(e).append('\n');
                jvmKind = jvmKind != null ? jvmKind : "JVM refuses to define a class: " + normalize(firstLine(String.valueOf(e)));
            }
        }
        StringBuilder asm = new StringBuilder();
        String asmKind = null;
        for (String name : order) {
            try {
                AsyncTestSupport.verifyWithAsm(name, all.get(name), loader);
            } catch (AssertionError e) {
                asm.append(cut(e.getMessage(), 6000)).append('\n');
                asmKind = asmKind != null ? asmKind : "ASM verifier: " + asmReason(e.getMessage());
            }
        }
        for (int i = 0; i < order.size(); i++) {
            if (defined.get(i) == null) {
                continue;
            }
            try {
                defined.get(i).getDeclaredMethods();   // links the class: the JVM verifies it here
            } catch (LinkageError e) {
                jvm.append("the JVM rejects ").append(order.get(i)).append(": ").append(e).append('\n');
                jvmKind = jvmKind != null ? jvmKind : "JVM " + e.getClass().getSimpleName() + ": " + jvmReason(e.getMessage());
            }
        }
        if (jvmKind != null || asmKind != null) {
            String kind = jvmKind != null ? jvmKind : asmKind + " (the JVM accepts it)";
            fail(p, kind, (jvm.length() > 0 ? jvm.toString() : "the JVM accepts every class\n")
                    + (asm.length() > 0 ? "\n" + asm : "\nASM's verifier accepts every class\n"));
            return null;
        }
        return new Compiled(javac, results, loader);
    }

    /** True when {@code actual} gave the oracle's trace; records the failure otherwise. */
    private boolean compare(Program p, String run, Outcome oracle, Outcome actual) {
        if (actual.hung()) {
            fail(p, "hang (" + run + ")", actual.describe());
            return false;
        }
        if (actual.error() != null) {
            fail(p, "exception escaped (" + run + "): " + actual.error().getClass().getName(), actual.describe());
            return false;
        }
        if (!oracle.trace().equals(actual.trace())) {
            fail(p, "trace mismatch (" + run + ")", traceDiff(oracle.trace(), actual.trace()));
            return false;
        }
        return true;
    }

    private static Outcome outcome(Callable<String> run) {
        try {
            return new Outcome(run.call(), null, false);
        } catch (AssertionError e) {
            boolean hung = String.valueOf(e.getMessage()).startsWith("the program did not finish");
            return new Outcome(null, e, hung);
        } catch (Throwable e) {
            return new Outcome(null, e, false);
        }
    }

    private void fail(Program p, String kind, String detail) {
        List<Long> seeds = seedsByKind.computeIfAbsent(kind, k -> new ArrayList<>());
        seeds.add(p.seed());
        if (seeds.size() <= FULL_REPORTS_PER_KIND) {
            Failure f = new Failure(p.seed(), kind, detail, p.source());
            failures.add(f);
            System.out.println(fullReport(f));
        } else {
            // the seed is enough to see it again; thousands of full reports would fill the heap
            failures.add(new Failure(p.seed(), kind, cut(detail, 500), ""));
            System.out.println("[weft-fuzz] seed " + p.seed() + " failed: " + kind);
        }
    }

    static String fullReport(Failure f) {
        return "\n[weft-fuzz] ======== seed " + f.seed() + " failed: " + f.kind() + "\n"
                + "rerun: mvn -pl agent test -Dtest=GeneratedProgramsTest -Dweft.fuzz.seed=" + f.seed()
                + " -Dweft.fuzz.count=1\n"
                + cut(f.detail(), 20_000) + "\n"
                + "---- the program (javac " + String.join(" ", GeneratedJavac.ARGS) + ", with demo.Support: "
                + "ProgramGenerator.SUPPORT_SOURCE)\n"
                + InMemoryJavac.numbered(f.source());
    }

    /** Counts per kind, the first seeds of each, and how much the programs did. */
    String summary(long elapsedMillis) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "[weft-fuzz] %d programs in %.1f s (javac %s): %d failed; %d suspended at "
                        + "least once when transformed; %d trace lines in all%n", checked, elapsedMillis / 1000.0,
                String.join(" ", GeneratedJavac.ARGS), failures.size(), suspendedPrograms, traceLines));
        if (regenerated > 0 || skipped > 0) {
            s.append(String.format(Locale.ROOT, "  javac crashed, or wrote class files the JVM rejects, on %d programs: regenerated without instanceof patterns "
                    + "and tries in switch expressions, %d still failed and were skipped%n", regenerated, skipped));
        }
        s.append(String.format(Locale.ROOT, "  time: javac %.1f s, oracle runs %.1f s, transformer %.1f s, verifiers %.1f s, "
                        + "transformed runs %.1f s%n", javacNanos.get() / 1e9, oracleNanos / 1e9, transformNanos / 1e9,
                verifyNanos / 1e9, runNanos / 1e9));
        for (Map.Entry<String, List<Long>> e : seedsByKind.entrySet()) {
            List<Long> seeds = e.getValue();
            s.append(String.format(Locale.ROOT, "  %5d x %s%n          seeds %s%s%n", seeds.size(), e.getKey(),
                    seeds.subList(0, Math.min(10, seeds.size())), seeds.size() > 10 ? " ..." : ""));
        }
        return s.toString();
    }

    int suspendedPrograms() {
        return suspendedPrograms;
    }

    // ---------------------------------------------------------------------------------------------- messages

    /** The first differing line with its neighbours, then both traces (cut). */
    static String traceDiff(String expected, String actual) {
        String[] a = expected.split("\n", -1);
        String[] b = actual.split("\n", -1);
        int i = 0;
        while (i < a.length && i < b.length && a[i].equals(b[i])) {
            i++;
        }
        StringBuilder s = new StringBuilder("the traces differ first at line " + (i + 1) + ":\n");
        s.append("  oracle (untransformed, everything done): ").append(i < a.length ? a[i] : "(end of trace)").append('\n');
        s.append("  transformed:                             ").append(i < b.length ? b[i] : "(end of trace)").append('\n');
        s.append("---- oracle trace\n").append(numberedLines(a, 200)).append("---- transformed trace\n").append(numberedLines(b, 200));
        return s.toString();
    }

    private static String numberedLines(String[] lines, int max) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < lines.length && i < max; i++) {
            s.append(String.format(Locale.ROOT, "%4d  %s%n", i + 1, cut(lines[i], 300)));
        }
        if (lines.length > max) {
            s.append("... (").append(lines.length - max).append(" more lines)\n");
        }
        return s.toString();
    }

    /**
     * A HotSpot VerifyError's first line, its reason and the failing instruction, without numbers:
     * {@code Bad type on operand stack | Type uninitialized N (current frame, stack[N]) is not assignable to ... at putfield}.
     */
    static String jvmReason(String message) {
        if (message == null) {
            return "(no message)";
        }
        String[] lines = message.split("\n");
        String reason = "";
        String at = "";
        for (int i = 0; i < lines.length - 1; i++) {
            if (lines[i].trim().equals("Reason:")) {
                reason = " | " + lines[i + 1].trim();
            }
            if (lines[i].trim().equals("Location:")) {
                String location = lines[i + 1].trim();
                int colon = location.lastIndexOf(": ");
                at = colon < 0 ? "" : " at " + location.substring(colon + 2);
            }
        }
        return normalize(lines[0].trim() + reason + at);
    }

    /** ASM's analyzer message: {@code Error at instruction N: Expected an object reference, but found I}. */
    static String asmReason(String report) {
        if (report == null) {
            return "(no message)";
        }
        for (String line : report.split("\n")) {
            int at = line.indexOf("AnalyzerException: ");
            if (at >= 0) {
                return normalize(line.substring(at + "AnalyzerException: ".length()));
            }
        }
        return normalize(firstLine(report));
    }

    /** Numbers and generated class names out, so messages about the same bug group together. */
    static String normalize(String s) {
        if (s == null) {
            return "(no message)";
        }
        String n = s.replaceAll("\\(new [\\w.$/]+\\)", "(new ...)").replaceAll("Gen(M)?\\d+", "GenN")
                .replaceAll("\\d+", "N");
        return cut(n, 200);
    }

    static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    static String cut(String s, int max) {
        if (s == null) {
            return "null";
        }
        return s.length() <= max ? s : s.substring(0, max) + "... (" + (s.length() - max) + " more characters)";
    }

    static String stackTrace(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return cut(w.toString(), 8000);
    }
}
