package dev.weft.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The README's performance table from one JMH run ({@code -rf csv}): a row per workload, a column per contender,
 * each cell "ns (B)" per operation; where a contender has several variants for a row, the fastest is shown and
 * named. {@code benchmarks/run} calls it.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.weft.benchmarks.ResultsTable benchmarks/target/jmh-results.csv</pre>
 */
public final class ResultsTable {
    private static final String[] COLUMNS = {"Weft", "CF chain", "CF state machine", "virtual threads", "Kotlin",
        "EA Async 1.2.3"};

    /** One row: its label, its target, and per column the benchmarks (variants) that fill the cell. */
    private record Row(String label, String target, String[][] cells) {
    }

    private static final Row[] ROWS = {
        new Row("W1 await of a done future, per await", "≤ 1 ns, 0 B", new String[][] {
            {"FastPath.weft"}, {"FastPath.completableFuture"}, {}, {"FastPath.virtualThread"},
            {"FastPathPeers.kotlin"}, {"FastPathPeers.eaAsync"}}),
        new Row("W1 await of a done CompletableFuture", "≤ 1.5 ns, 0 B", new String[][] {
            {"FastPath.weftAwaitingCompletableFuture"}, {"FastPath.completableFuture"}, {}, {},
            {"FastPathPeers.kotlinAwaitingCompletableFuture"}, {"FastPathPeers.eaAsync"}}),
        new Row("W2 suspend + resume, per cycle", "≤ 25 ns, ≤ 48 B", new String[][] {
            {"SuspendResume.weft"}, {"SuspendResume.cfChain"}, {"SuspendResume.cfStateMachine"},
            {"SuspendResume.virtualThread"},
            {"SuspendResumePeers.kotlin", "SuspendResumePeers.kotlinSuspendCancellable"},
            {"SuspendResumePeers.eaAsync"}}),
        new Row("W2 awaiting a pending CompletableFuture", "≤ 40 ns, ≤ 64 B", new String[][] {
            {"SuspendResume.weftAwaitingCompletableFuture"}, {"SuspendResume.cfChain"},
            {"SuspendResume.cfStateMachine"}, {}, {"SuspendResumePeers.kotlinAwaitingCompletableFuture"},
            {"SuspendResumePeers.eaAsync"}}),
        new Row("W4 10-level chain, per chain", "≤ 120 ns, ≤ 400 B", new String[][] {
            {"CallDepth.weft"}, {"CallDepth.cfChain"}, {"CallDepth.cfStateMachine"}, {"CallDepth.virtualThread"},
            {"CallDepthPeers.kotlin", "CallDepthPeers.kotlinSuspendCancellable"}, {"CallDepthPeers.eaAsync"}}),
        new Row("one EventLoop.run whose main is done", "≤ 100 ns, ≤ 400 B", new String[][] {
            {"SuspendResume.emptyRun"}, {}, {}, {}, {}, {}}),
    };

    private ResultsTable() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ResultsTable <jmh-results.csv>");
            System.exit(2);
        }
        Map<String, double[]> scores = read(Path.of(args[0]));
        StringBuilder out = new StringBuilder();
        out.append("| workload |");
        for (String c : COLUMNS) {
            out.append(' ').append(c).append(" |");
        }
        out.append(" target |\n|---|");
        out.append("---|".repeat(COLUMNS.length)).append("---|\n");
        for (Row row : ROWS) {
            out.append("| ").append(row.label()).append(" |");
            for (String[] variants : row.cells()) {
                out.append(' ').append(cell(scores, variants, variants.length > 1)).append(" |");
            }
            out.append(' ').append(row.target()).append(" |\n");
        }
        System.out.print(out);
    }

    /** The fastest of the variants that ran, as "ns ± error (B)", named when there is a choice. */
    private static String cell(Map<String, double[]> scores, String[] variants, boolean name) {
        String best = null;
        for (String v : variants) {
            double[] s = scores.get(v);
            if (s != null && (best == null || s[0] < scores.get(best)[0])) {
                best = v;
            }
        }
        if (best == null) {
            return "";
        }
        double[] s = scores.get(best);
        String text = fmt(s[0]) + (Double.isNaN(s[1]) ? "" : " ± " + fmt(s[1])) + " ("
                + (Double.isNaN(s[2]) ? "?" : fmt(s[2])) + ")";
        return name ? text + " " + best.substring(best.indexOf('.') + 1) : text;
    }

    private static String fmt(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2g", v);
    }

    /** Benchmark (class.method) to {ns, error, bytes per op}. */
    static Map<String, double[]> read(Path csv) throws IOException {
        Map<String, double[]> scores = new HashMap<>();
        for (String line : Files.readAllLines(csv)) {
            List<String> f = split(line);
            if (f.size() < 7 || f.get(0).equals("Benchmark")) {
                continue;
            }
            String bench = f.get(0);
            int colon = bench.indexOf(':');
            String base = colon < 0 ? bench : bench.substring(0, colon);
            String secondary = colon < 0 ? null : bench.substring(colon + 1);
            String shortName = base.substring(base.lastIndexOf('.', base.lastIndexOf('.') - 1) + 1);
            double score = Double.parseDouble(f.get(4));
            double error = f.get(5).isEmpty() || f.get(5).equals("NaN") ? Double.NaN : Double.parseDouble(f.get(5));
            double[] s = scores.computeIfAbsent(shortName, k -> new double[] {Double.NaN, Double.NaN, Double.NaN});
            if (secondary == null) {
                s[0] = score;
                s[1] = error;
            } else if (secondary.equals("gc.alloc.rate.norm")) {
                s[2] = score;
            }
        }
        scores.values().removeIf(s -> Double.isNaN(s[0]));
        return scores;
    }

    /** One CSV line, JMH's quoting (fields in double quotes, no embedded quotes). */
    private static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                fields.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        fields.add(cur.toString());
        return fields;
    }
}
