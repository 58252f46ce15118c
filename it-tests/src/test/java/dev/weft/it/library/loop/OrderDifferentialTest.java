package dev.weft.it.library.loop;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Randomly generated scheduling programs run on Weft and on CPython's asyncio, their traces compared line by line:
 * the order of task steps, {@code callSoon} callbacks, zero-delay timers, eager starts, awaits of tasks that
 * finished or suspended, and cancellation of waiting tasks (contract item 9, issue #12). Each program is a tree of
 * operations (see {@code order/order_programs.py}, which is the Python side and documents the language), among them
 * cancelling and uncancelling the current task and catching a cancellation at a yield; the Java
 * side is {@link #execute}, an {@code @Async} interpreter of the same tree, so every program is real transformed
 * code suspending at real awaits.
 *
 * <p>Needs Python 3.13 or later, the reference Weft follows (3.12 has {@code asyncio.eager_task_factory} too, but its
 * {@code uncancel()} leaves a pending cancellation in place, which 3.13 changed); {@code -Dweft.test.python=/path/to/python}
 * or the environment variable {@code WEFT_PYTHON} chooses it, else {@code python3.13} on the path or under
 * {@code ~/.pyenv/versions}. Without one the test is skipped, saying so. {@code
 * -Dweft.test.orderPrograms=N} (default 400) and {@code -Dweft.test.orderSeed=S} (default 1) choose the programs; a
 * failure names the seed of the program that differed.
 */
class OrderDifferentialTest {

    sealed interface Op permits Log, Yield, CaughtYield, CancelSelf, UncancelSelf, Soon, Timer, Call, Spawn, Join, Cancel {}

    record Log() implements Op {}

    record Yield() implements Op {}

    record CaughtYield() implements Op {}

    record CancelSelf() implements Op {}

    record UncancelSelf() implements Op {}

    record Soon() implements Op {}

    record Timer() implements Op {}

    record Call(Program program) implements Op {}

    record Spawn(Program program) implements Op {}

    record Join(int index) implements Op {}

    record Cancel(int index) implements Op {}

    record Program(String name, List<Op> ops) {
        String text() {
            StringBuilder b = new StringBuilder();
            for (Op op : ops) {
                if (b.length() > 0) {
                    b.append(' ');
                }
                if (op instanceof Log) {
                    b.append('L');
                } else if (op instanceof Yield) {
                    b.append('Y');
                } else if (op instanceof CaughtYield) {
                    b.append('Q');
                } else if (op instanceof CancelSelf) {
                    b.append('K');
                } else if (op instanceof UncancelSelf) {
                    b.append('U');
                } else if (op instanceof Soon) {
                    b.append('S');
                } else if (op instanceof Timer) {
                    b.append('T');
                } else if (op instanceof Call c) {
                    b.append("C[ ").append(c.program().text()).append(" ]");
                } else if (op instanceof Spawn s) {
                    b.append("P[ ").append(s.program().text()).append(" ]");
                } else if (op instanceof Join j) {
                    b.append('J').append(j.index());
                } else if (op instanceof Cancel x) {
                    b.append('X').append(x.index());
                }
            }
            return b.toString().replace("[  ]", "[ ]");
        }
    }

    /** A random program: up to 8 operations, nested up to 3 deep; every kept task is awaited at its end. */
    static Program generate(Random random, String name, int depth) {
        List<Op> ops = new ArrayList<>();
        int kept = 0;
        int n = random.nextInt(9);
        for (int i = 0; i < n; i++) {
            int pick = random.nextInt(depth < 3 ? 12 : 9);
            String child = name + "." + ops.size();
            switch (pick) {
                case 7 -> ops.add(new CaughtYield());
                case 8 -> ops.add(random.nextInt(3) == 0 ? new UncancelSelf() : random.nextInt(3) == 0
                        ? new CancelSelf() : new Log());
                case 0, 1 -> ops.add(new Log());
                case 2, 3 -> ops.add(new Yield());
                case 4 -> ops.add(new Soon());
                case 5 -> ops.add(new Timer());
                case 6 -> {
                    if (kept > 0) {
                        ops.add(random.nextBoolean() ? new Cancel(random.nextInt(kept)) : new Join(random.nextInt(kept)));
                    } else {
                        ops.add(new Log());
                    }
                }
                case 9 -> ops.add(new Call(generate(random, child, depth + 1)));
                default -> {
                    ops.add(new Spawn(generate(random, child, depth + 1)));
                    kept++;
                }
            }
        }
        for (int k = 0; k < kept; k++) {
            ops.add(new Join(k));
        }
        return new Program(name, ops);
    }

    /** The Java side of {@code order_programs.py}'s {@code execute}: the same operations, the same words logged. */
    @Async
    static Task<String> execute(Program program, List<String> log) {
        EventLoop loop = EventLoop.running();
        List<Task<String>> kept = new ArrayList<>();
        List<Op> ops = program.ops();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            String at = program.name() + "." + i;
            if (op instanceof Log) {
                log.add(at);
            } else if (op instanceof Yield) {
                await(Tasks.sleep(Duration.ZERO));
            } else if (op instanceof CaughtYield) {
                try {
                    await(Tasks.sleep(Duration.ZERO));
                } catch (CancellationException e) {
                    log.add(at + "!q");
                }
            } else if (op instanceof CancelSelf) {
                log.add(at + "k" + Task.current().cancel());
            } else if (op instanceof UncancelSelf) {
                log.add(at + "u" + Task.current().uncancel());
            } else if (op instanceof Soon) {
                loop.callSoon(() -> log.add(at + "cb"));
            } else if (op instanceof Timer) {
                loop.callLater(Duration.ZERO, () -> log.add(at + "tm"));
            } else if (op instanceof Call c) {
                String r = await(execute(c.program(), log));
                log.add(at + "=" + r);
            } else if (op instanceof Spawn s) {
                kept.add(execute(s.program(), log));
            } else if (op instanceof Join j) {
                if (j.index() < kept.size()) {
                    try {
                        String r = await(kept.get(j.index()));
                        log.add(at + "=" + r);
                    } catch (CancellationException e) {
                        log.add(at + "!c");
                    }
                }
            } else if (op instanceof Cancel x) {
                if (x.index() < kept.size()) {
                    log.add(at + "x" + kept.get(x.index()).cancel());
                }
            }
        }
        return Task.completed(program.name());
    }

    @Async
    static Task<Void> main(Program program, List<String> log) {
        String r = await(execute(program, log));
        log.add("main=" + r);
        for (int i = 0; i < 3; i++) {
            await(Tasks.sleep(Duration.ZERO));
        }
        return Task.completed(null);
    }

    static String runOnWeft(Program program) {
        List<String> log = new ArrayList<>();
        try {
            EventLoop.run(() -> main(program, log));
        } catch (RuntimeException e) {
            log.add("failed:" + (e instanceof CancellationException ? "cancelled" : e.getClass().getSimpleName()));
        }
        return String.join(" ", log);
    }

    @Test
    void randomSchedulingProgramsGiveAsyncioTraces() throws Exception {
        String python = findPython();
        Assumptions.assumeTrue(python != null,
                "no Python 3.13+ found (python3.13 on the path or under ~/.pyenv/versions; set "
                        + "-Dweft.test.python or WEFT_PYTHON): the asyncio comparison did not run");
        int count = Integer.getInteger("weft.test.orderPrograms", 400);
        long firstSeed = Long.getLong("weft.test.orderSeed", 1L);
        List<Program> programs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            programs.add(generate(new Random(firstSeed + i), "r", 0));
        }
        List<String> expected = runOnAsyncio(python, programs);
        for (int i = 0; i < count; i++) {
            Program p = programs.get(i);
            assertEquals(expected.get(i), runOnWeft(p),
                    "seed " + (firstSeed + i) + " (-Dweft.test.orderSeed=" + (firstSeed + i)
                            + " -Dweft.test.orderPrograms=1), program: " + p.text());
        }
    }

    private static List<String> runOnAsyncio(String python, List<Program> programs) throws Exception {
        Path script = Files.createTempFile("order_programs", ".py");
        Path errors = Files.createTempFile("order_programs", ".err");
        try (InputStream in = OrderDifferentialTest.class.getResourceAsStream("/order/order_programs.py")) {
            Files.write(script, in.readAllBytes());
        }
        try {
            Process process = new ProcessBuilder(python, script.toString())
                    .redirectError(errors.toFile()).start();
            Thread feeder = new Thread(() -> {
                try (BufferedWriter w = new BufferedWriter(
                        new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8))) {
                    for (Program p : programs) {
                        w.write(p.text());
                        w.newLine();
                    }
                } catch (IOException e) {
                    // the reader below reports the short output
                }
            });
            feeder.start();
            List<String> lines = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            feeder.join();
            // a task started while the shutdown cancels the others is left pending by both (asyncio.run cancels
            // the tasks pending when main is done, as EventLoop.run does); asyncio says so when it collects it
            String stderr = Files.readString(errors)
                    .replaceAll("(?m)^Task was destroyed but it is pending!\\R(task: .*\\R)?", "");
            assertEquals(programs.size(), lines.size(), () -> "asyncio printed " + lines.size() + " traces for "
                    + programs.size() + " programs; its error output: " + stderr);
            assertEquals("", stderr, "asyncio wrote to its error output");
            return lines;
        } finally {
            Files.deleteIfExists(script);
            Files.deleteIfExists(errors);
        }
    }

    private static String findPython() {
        List<String> candidates = new ArrayList<>();
        String chosen = System.getProperty("weft.test.python", System.getenv("WEFT_PYTHON"));
        if (chosen != null && !chosen.isBlank()) {
            candidates.add(chosen);
        }
        Path versions = Paths.get(System.getProperty("user.home"), ".pyenv", "versions");
        for (String v : List.of("3.14", "3.13")) {
            candidates.add("python" + v);
            if (Files.isDirectory(versions)) {
                try (Stream<Path> dirs = Files.list(versions)) {
                    dirs.filter(d -> d.getFileName().toString().startsWith(v))
                            .map(d -> d.resolve("bin").resolve("python" + v))
                            .filter(Files::isExecutable)
                            .sorted()
                            .forEach(p -> candidates.add(p.toString()));
                } catch (IOException e) {
                    // no pyenv versions to offer
                }
            }
        }
        for (String c : candidates) {
            if (works(c)) {
                return c;
            }
        }
        return null;
    }

    private static boolean works(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c",
                    "import asyncio, sys; asyncio.eager_task_factory; sys.exit(0 if sys.version_info >= (3, 13) else 1)")
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
