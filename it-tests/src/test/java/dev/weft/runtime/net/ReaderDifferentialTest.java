package dev.weft.runtime.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StreamReader} against asyncio's {@code StreamReader}, the reference: random byte streams over a small
 * alphabet (separators and line ends frequent), cut into random chunks, read with random sequences of
 * readExactly / readUntil / readLine / read(n) / atEof at random limits, every op's result or exception compared
 * line by line. Bytes are fed in full, then the end, so each op answers at once on both sides. Needs CPython 3.12+
 * (found under ~/.pyenv/versions or on the PATH; skipped with a message otherwise). {@code -Dweft.test.readerPrograms}
 * (default 2,000) and {@code -Dweft.test.readerSeed} (default 1).
 */
class ReaderDifferentialTest {
    private static final String ALPHABET = "ab;\n";

    @TempDir
    Path dir;

    static String python() {
        List<String> candidates = new ArrayList<>();
        for (String v : new String[] {"3.13", "3.12"}) {
            File[] found = new File(System.getProperty("user.home"), ".pyenv/versions")
                    .listFiles((d, name) -> name.startsWith(v));
            if (found != null) {
                for (File f : found) {
                    candidates.add(new File(f, "bin/python" + v).getPath());
                }
            }
            for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                candidates.add(new File(p, "python" + v).getPath());
            }
        }
        for (String exe : candidates) {
            try {
                if (new File(exe).canExecute()) {
                    Process p = new ProcessBuilder(exe, "-c", "import asyncio").redirectErrorStream(true).start();
                    if (p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0) {
                        return exe;
                    }
                }
            } catch (Exception e) {
                // not this one
            }
        }
        return null;
    }

    private static String escape(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            char c = (char) (x & 0xff);
            if (Character.isLetterOrDigit(c) || c == '-' || c == '.' || c == '_' || c == '~') {
                s.append(c);
            } else {
                s.append('%').append(String.format("%02X", x & 0xff));
            }
        }
        return s.toString();
    }

    private static String show(byte[] b) {
        return '"' + escape(b) + '"';
    }

    /** One program: its limit, its chunks and its ops, in the script's input format. */
    private static String program(Random r) {
        int limit = 2 + r.nextInt(9);
        int length = r.nextInt(40);
        StringBuilder chunks = new StringBuilder();
        int i = 0;
        while (i < length) {
            int n = 1 + r.nextInt(Math.min(8, length - i));
            byte[] c = new byte[n];
            for (int j = 0; j < n; j++) {
                c[j] = (byte) ALPHABET.charAt(r.nextInt(ALPHABET.length()));
            }
            if (chunks.length() > 0) {
                chunks.append(',');
            }
            chunks.append(escape(c));
            i += n;
        }
        StringBuilder ops = new StringBuilder();
        int count = 1 + r.nextInt(8);
        for (int k = 0; k < count; k++) {
            if (k > 0) {
                ops.append(' ');
            }
            switch (r.nextInt(6)) {
                case 0 -> ops.append("exactly:").append(r.nextInt(12));
                case 1 -> ops.append("until:").append(escape((r.nextBoolean() ? ";" : "ab").getBytes(
                        StandardCharsets.US_ASCII)));
                case 2 -> ops.append("line");
                case 3 -> ops.append("read:").append(r.nextInt(12) - 1);
                case 4 -> ops.append("eof");
                default -> ops.append("until:").append(escape("\n".getBytes(StandardCharsets.US_ASCII)));
            }
        }
        return limit + "\t" + chunks + "\t" + ops;
    }

    private static byte[] unescape(String s) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    private static final ByteSource HAND_FED = new ByteSource() {
        @Override
        public void checkLoopThread(String what) {
        }

        @Override
        public void resumeReading() {
        }

        @Override
        public void resumeReadingNow() {
        }
    };

    /** The same program on Weft's reader. */
    static String runOnWeft(String line) {
        String[] parts = line.split("\t", -1);
        StreamReader r = new StreamReader(HAND_FED, Integer.parseInt(parts[0]));
        if (!parts[1].isEmpty()) {
            for (String c : parts[1].split(",")) {
                byte[] b = unescape(c);
                r.feed(b, 0, b.length);
            }
        }
        r.feedEof();
        List<String> out = new ArrayList<>();
        for (String op : parts[2].split(" ")) {
            String name = op.contains(":") ? op.substring(0, op.indexOf(':')) : op;
            String arg = op.contains(":") ? op.substring(op.indexOf(':') + 1) : "";
            try {
                switch (name) {
                    case "exactly" -> out.add(show(r.readExactly(Integer.parseInt(arg)).result()));
                    case "until" -> out.add(show(r.readUntil(unescape(arg)).result()));
                    case "line" -> out.add(show(r.readLine().result()));
                    case "read" -> out.add(show(r.read(Integer.parseInt(arg)).result()));
                    case "eof" -> out.add("eof " + r.atEof());
                    default -> throw new IllegalArgumentException(op);
                }
            } catch (Exception thrown) { // result() throws the future's own exception, unchecked at the call site
                if (thrown instanceof IncompleteReadException e) {
                    out.add("incomplete " + show(e.partial()) + " of " + e.expected());
                } else if (thrown instanceof LimitOverrunException e) {
                    out.add(name.equals("line") ? "line too long" : "overrun " + e.consumed());
                } else {
                    out.add("unexpected " + thrown);
                }
            }
        }
        return String.join(" | ", out);
    }

    @Test
    void weftsReaderAnswersAsAsyncioDoes() throws Exception {
        String python = python();
        Assumptions.assumeTrue(python != null, "no CPython 3.12+ found: reader differential skipped");
        int programs = Integer.getInteger("weft.test.readerPrograms", 2_000);
        long seed = Long.getLong("weft.test.readerSeed", 1L);
        Random r = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < programs; i++) {
            lines.add(program(r));
        }
        Path script = dir.resolve("reader_ops.py");
        try (var in = ReaderDifferentialTest.class.getResourceAsStream("/streams/reader_ops.py")) {
            Files.copy(in, script);
        }
        Process p = new ProcessBuilder(python, script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Thread feeder = new Thread(() -> { // written beside the reading below: both pipes are bounded
            try (Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
                for (String l : lines) {
                    w.write(l);
                    w.write('\n');
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "reader-programs");
        feeder.start();
        List<String> expected = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String l;
            while ((l = out.readLine()) != null) {
                expected.add(l);
            }
        }
        p.waitFor(60, TimeUnit.SECONDS);
        feeder.join(10_000);
        assertEquals(programs, expected.size(), "asyncio answered every program");
        for (int i = 0; i < programs; i++) {
            assertEquals(expected.get(i), runOnWeft(lines.get(i)),
                    "program " + i + " of seed " + seed + ": " + lines.get(i).replace("\t", " TAB "));
        }
    }
}
