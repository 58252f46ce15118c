package dev.weft.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.agent.transform.AsyncTransformException;
import dev.weft.agent.transform.AsyncTransformer;
import dev.weft.agent.transform.ClassHierarchy;
import dev.weft.agent.transform.TransformResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class cache ({@code cache=DIR}): what a later start takes from it is what a fresh rewrite makes, and
 * nothing else is ever used.
 */
class ClassCacheTest {

    private static final String ADDER = """
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
                    return Task.completed(a + b + %d);
                }

                @Async
                static Task<Integer> twice(int a) {
                    int x = await(slowAdd(a, a));
                    return Task.completed(x);
                }

                public static int run() {
                    return EventLoop.run(() -> twice(21));
                }
            }
            """;

    private static final String REFUSED = """
            package app;

            import dev.weft.Async;
            import dev.weft.runtime.Future;
            import dev.weft.runtime.Task;
            import static dev.weft.runtime.Await.await;

            public class Refused {
                @Async
                static int notAFuture() {
                    return 1;
                }

                static int blocking(Future<Integer> f) {
                    return await(f);
                }
            }
            """;

    private static final String FRAME = "app/Adder$async$slowAdd$0";

    /**
     * Passes every class of {@code dir} through the agent's transformer, as the JVM would, and serves its class
     * files as resources (the transformer reads them); {@code replaced} stands in for some class files.
     */
    private static final class TransformingLoader extends ClassLoader {
        private final Path dir;
        private final AsyncClassFileTransformer transformer;
        private final Map<String, byte[]> replaced;

        TransformingLoader(Path dir, AsyncClassFileTransformer transformer) {
            this(dir, transformer, Map.of());
        }

        TransformingLoader(Path dir, AsyncClassFileTransformer transformer, Map<String, byte[]> replaced) {
            super(ClassCacheTest.class.getClassLoader());
            this.dir = dir;
            this.transformer = transformer;
            this.replaced = replaced;
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

        @Override
        public InputStream getResourceAsStream(String name) {
            byte[] r = replaced.get(name);
            if (r != null) {
                return new ByteArrayInputStream(r);
            }
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                try {
                    return Files.newInputStream(p);
                } catch (IOException e) {
                    return null;
                }
            }
            return super.getResourceAsStream(name);
        }

        /** What the agent makes of {@code internalName}: the rewritten bytes, or null. */
        byte[] transform(String internalName) throws IOException {
            return transformer.transform(this, internalName, null, null,
                    Files.readAllBytes(dir.resolve(internalName + ".class")));
        }
    }

    private static AsyncClassFileTransformer cached(Path cache, String buildId) {
        return new AsyncClassFileTransformer(AgentOptions.parse("quiet,cache=" + cache), buildId);
    }

    private static AsyncClassFileTransformer cached(Path cache, String buildId, String options) {
        return new AsyncClassFileTransformer(AgentOptions.parse(options + ",cache=" + cache), buildId);
    }

    private static ClassCache cacheOf(AsyncClassFileTransformer t) {
        return t.rewriter().cache();
    }

    /** A fresh rewrite, as without any cache. */
    private static TransformResult fresh(ClassLoader loader, byte[] bytes, boolean debugLocals) {
        return new AsyncTransformer(ClassHierarchy.of(loader)).withDebugLocals(debugLocals).transform(bytes);
    }

    private static List<Path> entries(Path cache) throws IOException {
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(cache)) {
            return walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
    }

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

    private static byte[] unchecked(IoSupplier s) {
        try {
            return s.get();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @FunctionalInterface
    private interface IoSupplier {
        byte[] get() throws IOException;
    }

    @Test
    void aHitGivesTheBytesAndFramesOfAFreshRewrite(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp.resolve("src"), Map.of("app/Adder.java", ADDER.formatted(0)));
        Path cache = tmp.resolve("cache");
        byte[] input = Files.readAllBytes(classes.resolve("app/Adder.class"));

        AsyncClassFileTransformer first = cached(cache, "build-1");
        TransformingLoader firstLoader = new TransformingLoader(classes, first);
        TransformResult expected = fresh(firstLoader, input, false);
        assertTrue(expected.changed());
        assertEquals(42, firstLoader.loadClass("app.Adder").getDeclaredMethod("run").invoke(null));
        assertEquals(1, first.rewritten.get());
        assertEquals(1, cacheOf(first).written.get());
        assertEquals(0, cacheOf(first).hits.get());
        assertEquals(1, entries(cache).size(), entries(cache).toString());

        // another JVM: a new transformer and loader on the same directory
        AsyncClassFileTransformer second = cached(cache, "build-1");
        TransformingLoader secondLoader = new TransformingLoader(classes, second);
        byte[] again = secondLoader.transform("app/Adder");
        assertArrayEquals(expected.bytes(), again, "the kept class is the rewritten one, byte for byte");
        assertEquals(1, cacheOf(second).hits.get());
        assertEquals(0, cacheOf(second).written.get());
        assertEquals(1, second.rewritten.get());
        Class<?> frame = secondLoader.loadClass(FRAME.replace('/', '.'));
        assertEquals(secondLoader, frame.getClassLoader(), "the kept frame classes are defined in the loader");

        ClassCache.Entry kept = cacheOf(second).lookup(input, new ClassFiles(secondLoader));
        assertNotNull(kept);
        assertEquals(expected.generatedClasses().keySet(), kept.frames.keySet());
        for (Map.Entry<String, byte[]> e : expected.generatedClasses().entrySet()) {
            assertArrayEquals(e.getValue(), kept.frames.get(e.getKey()), e.getKey());
        }
        assertEquals(expected.rewrittenMethods(), kept.methods);
        assertTrue(kept.read.containsKey("dev/weft/runtime/Task"), "the rewrite read Task: " + kept.read.keySet());
        assertFalse(kept.read.keySet().stream().anyMatch(n -> n.startsWith("java/")), kept.read.keySet().toString());

        // and the class the cache gave runs
        AsyncClassFileTransformer third = cached(cache, "build-1");
        TransformingLoader thirdLoader = new TransformingLoader(classes, third);
        assertEquals(42, thirdLoader.loadClass("app.Adder").getDeclaredMethod("run").invoke(null));
        assertEquals(1, cacheOf(third).hits.get());
    }

    @Test
    void aChangedClassFileMisses(@TempDir Path tmp) throws Exception {
        Path v1 = JavaSources.compile(tmp.resolve("v1"), Map.of("app/Adder.java", ADDER.formatted(0)));
        Path v2 = JavaSources.compile(tmp.resolve("v2"), Map.of("app/Adder.java", ADDER.formatted(1)));
        Path cache = tmp.resolve("cache");
        new TransformingLoader(v1, cached(cache, "b")).transform("app/Adder");

        AsyncClassFileTransformer t = cached(cache, "b");
        TransformingLoader loader = new TransformingLoader(v2, t);
        byte[] rewritten = loader.transform("app/Adder");
        assertArrayEquals(fresh(loader, Files.readAllBytes(v2.resolve("app/Adder.class")), false).bytes(), rewritten);
        assertEquals(0, cacheOf(t).hits.get());
        assertEquals(1, cacheOf(t).misses.get());
        assertEquals(1, cacheOf(t).written.get());
        assertEquals(2, entries(cache).size(), "one entry per class file");
        assertEquals((21 + 21 + 1), (int) new TransformingLoader(v2, cached(cache, "b")).loadClass("app.Adder")
                .getDeclaredMethod("run").invoke(null));
    }

    @Test
    void aClassFileTheRewriteReadThatChangedMisses(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp.resolve("src"), Map.of("app/Adder.java", ADDER.formatted(0)));
        Path cache = tmp.resolve("cache");
        new TransformingLoader(classes, cached(cache, "b")).transform("app/Adder");

        byte[] task;
        try (InputStream in = ClassCacheTest.class.getClassLoader()
                .getResourceAsStream("dev/weft/runtime/Task.class")) {
            task = in.readAllBytes();
        }
        byte[] otherTask = Arrays.copyOf(task, task.length + 1);   // a trailing byte: ASM reads it all the same
        AsyncClassFileTransformer t = cached(cache, "b");
        TransformingLoader loader = new TransformingLoader(classes, t,
                Map.of("dev/weft/runtime/Task.class", otherTask));
        assertNotNull(loader.transform("app/Adder"));
        assertEquals(0, cacheOf(t).hits.get(), "Task is not what it was when the entry was made");
        assertEquals(1, cacheOf(t).written.get());

        AsyncClassFileTransformer same = cached(cache, "b");
        new TransformingLoader(classes, same, Map.of("dev/weft/runtime/Task.class", otherTask)).transform("app/Adder");
        assertEquals(1, cacheOf(same).hits.get(), "the entry made with that Task");
    }

    @Test
    void anotherBuildOrOptionsThatChangeTheOutputMiss(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp.resolve("src"), Map.of("app/Adder.java", ADDER.formatted(0)));
        Path cache = tmp.resolve("cache");
        byte[] input = Files.readAllBytes(classes.resolve("app/Adder.class"));
        new TransformingLoader(classes, cached(cache, "build-1")).transform("app/Adder");

        AsyncClassFileTransformer otherBuild = cached(cache, "build-2");
        new TransformingLoader(classes, otherBuild).transform("app/Adder");
        assertEquals(0, cacheOf(otherBuild).hits.get());
        assertEquals(1, cacheOf(otherBuild).written.get());
        assertFalse(cacheOf(otherBuild).directory().equals(cacheOf(cached(cache, "build-1")).directory()));

        AsyncClassFileTransformer debug = cached(cache, "build-1", "quiet,debugLocals");
        TransformingLoader loader = new TransformingLoader(classes, debug);
        byte[] rewritten = loader.transform("app/Adder");
        assertEquals(0, cacheOf(debug).hits.get(), "debugLocals changes the output");
        assertArrayEquals(fresh(loader, input, true).bytes(), rewritten);
        assertFalse(Arrays.equals(fresh(loader, input, false).bytes(), rewritten));

        // verbose, quiet, logger, includes change nothing of the output: the same entry
        AsyncClassFileTransformer verbose = cached(cache, "build-1", "quiet,verbose,includes=app");
        new TransformingLoader(classes, verbose).transform("app/Adder");
        assertEquals(1, cacheOf(verbose).hits.get());
    }

    @Test
    void aDamagedOrTruncatedEntryIsIgnoredAndReplaced(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp.resolve("src"), Map.of("app/Adder.java", ADDER.formatted(0)));
        Path cache = tmp.resolve("cache");
        byte[] input = Files.readAllBytes(classes.resolve("app/Adder.class"));
        new TransformingLoader(classes, cached(cache, "b")).transform("app/Adder");
        Path entry = entries(cache).get(0);
        byte[] good = Files.readAllBytes(entry);
        byte[] expected = fresh(new TransformingLoader(classes, cached(cache, "b")), input, false).bytes();

        List<byte[]> damages = new ArrayList<>();
        damages.add(new byte[0]);
        damages.add(Arrays.copyOf(good, good.length / 2));
        damages.add(Arrays.copyOf(good, good.length - 1));
        damages.add(Arrays.copyOf(good, good.length + 7));
        for (int at : new int[] {3, 9, good.length / 3, good.length / 2, good.length - 20, good.length - 2}) {
            byte[] flipped = good.clone();
            flipped[at] ^= 0x10;
            damages.add(flipped);
        }
        for (byte[] damage : damages) {
            Files.write(entry, damage);
            AsyncClassFileTransformer t = cached(cache, "b");
            TransformingLoader loader = new TransformingLoader(classes, t);
            assertArrayEquals(expected, loader.transform("app/Adder"), "rewritten, not taken from a damaged entry");
            assertEquals(0, cacheOf(t).hits.get());
            assertEquals(1, cacheOf(t).written.get(), "replaced");
            assertFalse(cacheOf(t).isOff(), "a damaged entry does not turn the cache off");
            assertArrayEquals(good, Files.readAllBytes(entry), "the replacement is the entry a rewrite makes");
            assertEquals(42, loader.loadClass("app.Adder").getDeclaredMethod("run").invoke(null));
        }
    }

    @Test
    void cacheOffWritesNothing(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp.resolve("src"), Map.of("app/Adder.java", ADDER.formatted(0)));
        assertNull(AgentOptions.parse("cache=off").cacheDirectory(true));
        assertNull(AgentOptions.defaults().cacheDirectory(false), "a test's transformer has no default cache");
        assertEquals(new File(tmp.toFile(), "c"), AgentOptions.parse("cache=" + tmp.resolve("c")).cacheDirectory(true));

        String home = System.getProperty("user.home");
        System.setProperty("user.home", tmp.resolve("home").toString());
        try {
            AsyncClassFileTransformer off = new AsyncClassFileTransformer(AgentOptions.parse("cache=off"),
                    (java.lang.instrument.Instrumentation) null);
            TransformingLoader loader = new TransformingLoader(classes, off);
            assertNotNull(loader.transform("app/Adder"));
            assertNull(off.rewriter().cache());
            assertEquals(1, off.rewritten.get());
        } finally {
            System.setProperty("user.home", home);
        }
        assertEquals(List.of(), entries(tmp.resolve("home")), "nothing written under the home directory");
        try (Stream<Path> walk = Files.walk(tmp)) {
            assertEquals(List.of(), walk.filter(p -> p.getFileName().toString().matches("[0-9a-f]{24}.*"))
                    .collect(Collectors.toList()));
        }
    }

    @Test
    void concurrentWritersNeverLeaveATornEntry(@TempDir Path tmp) throws Exception {
        Path cache = tmp.resolve("cache");
        byte[] classFile = new byte[3000];
        Arrays.fill(classFile, (byte) 7);
        int writers = 4;
        int rounds = 150;
        ExecutorService pool = Executors.newFixedThreadPool(writers + 2);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> all = new ArrayList<>();
            AtomicInteger seen = new AtomicInteger();
            CountDownLatch writing = new CountDownLatch(writers);
            for (int w = 0; w < writers; w++) {
                int id = w;
                all.add(pool.submit(() -> {
                    // each its own cache object, as separate JVMs would have
                    ClassCache c = new ClassCache(cache.toFile(), "b", AgentOptions.defaults(),
                            new AgentReporter(AgentOptions.parse("quiet")));
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                        byte[] out = new byte[20_000 + id * 1000];
                        Arrays.fill(out, (byte) id);
                        c.store(classFile, ClassCache.Entry.rewritten(out, Map.of("app/F" + id, out),
                                List.of("m" + id + "()V"), Map.of()));
                    }
                    writing.countDown();
                    assertFalse(c.isOff());
                    return null;
                }));
            }
            for (int r = 0; r < 2; r++) {
                all.add(pool.submit(() -> {
                    ClassCache c = new ClassCache(cache.toFile(), "b", AgentOptions.defaults(),
                            new AgentReporter(AgentOptions.parse("quiet")));
                    ClassFiles none = new ClassFiles(ClassCacheTest.class.getClassLoader());
                    start.await();
                    // until every writer is done, and then some
                    for (int i = 0; writing.getCount() > 0 || i < 50; i++) {
                        ClassCache.Entry e = c.lookup(classFile, none);
                        if (e != null) {
                            byte id = e.bytes[0];
                            assertEquals(20_000 + id * 1000, e.bytes.length);
                            for (byte b : e.bytes) {
                                assertEquals(id, b, "one writer's entry, whole");
                            }
                            assertEquals(java.util.Set.of("app/F" + id), e.frames.keySet());
                            assertArrayEquals(e.bytes, e.frames.get("app/F" + id));
                            assertEquals(List.of("m" + id + "()V"), e.methods);
                            seen.incrementAndGet();
                        }
                    }
                    assertEquals(0, c.damaged.get(), "no reader ever sees part of an entry");
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : all) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertTrue(seen.get() > 0, "the readers saw entries");
        } finally {
            pool.shutdownNow();
        }
        List<Path> left = entries(cache);
        assertEquals(1, left.size(), "one entry, no temporary file left: " + left);
    }

    @Test
    void aRefusalIsReportedTheSameOnAStartThatFindsItInTheCache(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp.resolve("src"), Map.of("app/Refused.java", REFUSED));
        Path cache = tmp.resolve("cache");
        byte[] input = Files.readAllBytes(classes.resolve("app/Refused.class"));
        List<String> refusals = new ArrayList<>();
        try {
            fresh(ClassCacheTest.class.getClassLoader(), input, false);
        } catch (AsyncTransformException e) {
            e.all().forEach(r -> refusals.add("[weft] " + r.getMessage() + " -- app.Refused loads unchanged"));
        }
        assertEquals(2, refusals.size(), refusals.toString());
        String key = "dev.weft.agent.refused.app.Refused";
        try {
            for (int start = 0; start < 3; start++) {
                System.clearProperty(key);
                AsyncClassFileTransformer t = cached(cache, "b", "");
                TransformingLoader loader = new TransformingLoader(classes, t);
                String stderr = stderrOf(() -> unchecked(() -> loader.transform("app/Refused")));
                List<String> lines = stderr.lines().filter(l -> l.contains("loads unchanged"))
                        .collect(Collectors.toList());
                assertEquals(refusals, lines, "start " + start + ": one line per refusal, each once");
                assertEquals(1, t.refused.get());
                assertEquals(start == 0 ? 0 : 1, cacheOf(t).hits.get(), "start " + start);
                assertEquals(refusals.stream().map(l -> l.substring("[weft] ".length(),
                        l.length() - " -- app.Refused loads unchanged".length())).collect(Collectors.joining("\n")),
                        System.getProperty(key), "published for the runtime's message");
                assertNotNull(loader.loadClass("app.Refused"), "the class loads unchanged");
            }
        } finally {
            System.clearProperty(key);
        }
    }

    @Test
    void aCacheThatCannotBeWrittenIsReportedOnceAndClassesAreStillRewritten(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp.resolve("src"), Map.of("app/Adder.java", ADDER.formatted(0),
                "app/Other.java", ADDER.formatted(2).replace("class Adder", "class Other")));
        Path notADirectory = Files.writeString(tmp.resolve("file"), "x");
        AsyncClassFileTransformer t = new AsyncClassFileTransformer(AgentOptions.parse("cache=" + notADirectory),
                "b");
        TransformingLoader loader = new TransformingLoader(classes, t);
        String stderr = stderrOf(() -> {
            assertNotNull(unchecked(() -> loader.transform("app/Adder")));
            assertNotNull(unchecked(() -> loader.transform("app/Other")));
            return null;
        });
        List<String> lines = stderr.lines().collect(Collectors.toList());
        assertEquals(1, lines.size(), stderr);
        assertTrue(lines.get(0).startsWith("[weft] the class cache " + notADirectory + " cannot be written"), stderr);
        assertTrue(cacheOf(t).isOff());
        assertEquals(2, t.rewritten.get());
        assertEquals(0, t.refused.get(), "a cache failure is not a refusal");
    }

    @Test
    void aCacheDirectoryRemovedWhileTheJvmRunsIsMadeAgain(@TempDir Path tmp) throws Exception {
        Path classes = JavaSources.compile(tmp.resolve("src"), Map.of("app/Adder.java", ADDER.formatted(0),
                "app/Other.java", ADDER.formatted(2).replace("class Adder", "class Other")));
        Path cache = tmp.resolve("cache");
        AsyncClassFileTransformer t = cached(cache, "b");
        TransformingLoader loader = new TransformingLoader(classes, t);
        loader.transform("app/Adder");
        assertEquals(1, entries(cache).size());
        try (Stream<Path> walk = Files.walk(cache)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
        loader.transform("app/Other");
        assertFalse(cacheOf(t).isOff());
        assertEquals(2, cacheOf(t).written.get());
        assertEquals(1, entries(cache).size(), "the second entry, in the directory made again");
    }

    private static Path packOf(Path cache) throws IOException {
        List<Path> packs = entries(cache).stream().filter(p -> p.getFileName().toString().equals(ClassCache.PACK))
                .collect(Collectors.toList());
        assertEquals(1, packs.size(), entries(cache).toString());
        return packs.get(0);
    }

    /** Two classes, Adder (run() gives 42) and Other (43), compiled into {@code tmp/src}. */
    private static Path twoClasses(Path tmp) throws IOException {
        return JavaSources.compile(tmp.resolve("src"), Map.of("app/Adder.java", ADDER.formatted(0),
                "app/Other.java", ADDER.formatted(1).replace("class Adder", "class Other")));
    }

    @Test
    void aFoldPacksTheLooseEntriesAndTheNextStartTakesThemFromThePack(@TempDir Path tmp) throws Exception {
        Path classes = twoClasses(tmp);
        Path cache = tmp.resolve("cache");
        AsyncClassFileTransformer first = cached(cache, "b");
        TransformingLoader firstLoader = new TransformingLoader(classes, first);
        byte[] adder = firstLoader.transform("app/Adder");
        byte[] other = firstLoader.transform("app/Other");
        assertEquals(2, entries(cache).size());
        assertTrue(cacheOf(first).hasUnfolded());
        assertEquals(2, cacheOf(first).fold());
        assertFalse(cacheOf(first).hasUnfolded());
        assertEquals(List.of(packOf(cache)), entries(cache), "the loose entries are in the pack, and gone");

        AsyncClassFileTransformer second = cached(cache, "b");
        TransformingLoader secondLoader = new TransformingLoader(classes, second);
        assertArrayEquals(adder, secondLoader.transform("app/Adder"));
        assertArrayEquals(other, secondLoader.transform("app/Other"));
        assertEquals(2, cacheOf(second).hits.get());
        assertEquals(2, cacheOf(second).packHits.get());
        assertEquals(0, cacheOf(second).written.get());
        assertFalse(cacheOf(second).hasUnfolded(), "nothing to fold when every hit came from the pack");
        ClassCache.Entry kept = cacheOf(second).lookup(Files.readAllBytes(classes.resolve("app/Adder.class")),
                new ClassFiles(secondLoader));
        assertEquals(List.of("slowAdd(II)Ldev/weft/runtime/Task;", "twice(I)Ldev/weft/runtime/Task;"),
                kept.methods.stream().sorted().collect(Collectors.toList()));
        assertEquals(Map.of(), kept.read, "what an entry from the pack read is in the pack's header");

        AsyncClassFileTransformer third = cached(cache, "b");
        TransformingLoader thirdLoader = new TransformingLoader(classes, third);
        assertEquals(42, thirdLoader.loadClass("app.Adder").getDeclaredMethod("run").invoke(null));
        assertEquals(43, thirdLoader.loadClass("app.Other").getDeclaredMethod("run").invoke(null));
        assertEquals(2, cacheOf(third).packHits.get());

        // a new loose entry is folded in beside the pack's
        Path v2 = JavaSources.compile(tmp.resolve("v2"), Map.of("app/Adder.java", ADDER.formatted(5)));
        AsyncClassFileTransformer fourth = cached(cache, "b");
        new TransformingLoader(v2, fourth).transform("app/Adder");
        assertEquals(1, cacheOf(fourth).written.get());
        assertEquals(3, cacheOf(fourth).fold());
        assertEquals(List.of(packOf(cache)), entries(cache));
        AsyncClassFileTransformer fifth = cached(cache, "b");
        assertEquals(47, new TransformingLoader(v2, fifth).loadClass("app.Adder").getDeclaredMethod("run")
                .invoke(null));
        assertArrayEquals(adder, new TransformingLoader(classes, fifth).transform("app/Adder"));
        assertEquals(2, cacheOf(fifth).packHits.get());
    }

    @Test
    void aPackEntryWhoseReadClassFileChangedGivesWayToTheLooseEntryMadeSince(@TempDir Path tmp) throws Exception {
        Path classes = twoClasses(tmp);
        Path cache = tmp.resolve("cache");
        new TransformingLoader(classes, cached(cache, "b")).transform("app/Adder");
        AsyncClassFileTransformer folder = cached(cache, "b");
        cacheOf(folder).fold();
        byte[] task;
        try (InputStream in = ClassCacheTest.class.getClassLoader()
                .getResourceAsStream("dev/weft/runtime/Task.class")) {
            task = in.readAllBytes();
        }
        Map<String, byte[]> otherTask = Map.of("dev/weft/runtime/Task.class", Arrays.copyOf(task, task.length + 1));

        AsyncClassFileTransformer t = cached(cache, "b");
        new TransformingLoader(classes, t, otherTask).transform("app/Adder");
        assertEquals(0, cacheOf(t).hits.get(), "the pack's entry was made with another Task");
        assertEquals(1, cacheOf(t).written.get());

        AsyncClassFileTransformer loose = cached(cache, "b");
        new TransformingLoader(classes, loose, otherTask).transform("app/Adder");
        assertEquals(1, cacheOf(loose).hits.get(), "the loose entry made with this Task");
        assertEquals(0, cacheOf(loose).packHits.get());
        assertTrue(cacheOf(loose).hasUnfolded(), "a loose hit is for the next fold");
        assertEquals(1, cacheOf(loose).fold());

        AsyncClassFileTransformer packed = cached(cache, "b");
        new TransformingLoader(classes, packed, otherTask).transform("app/Adder");
        assertEquals(1, cacheOf(packed).packHits.get(), "the fold replaced the pack's entry with the loose one");
        AsyncClassFileTransformer original = cached(cache, "b");
        new TransformingLoader(classes, original).transform("app/Adder");
        assertEquals(0, cacheOf(original).hits.get(), "and the old Task's entry is gone");
    }

    @Test
    void aDamagedPackOrPackEntryIsIgnoredAndTheNextFoldReplacesIt(@TempDir Path tmp) throws Exception {
        Path classes = twoClasses(tmp);
        Path cache = tmp.resolve("cache");
        TransformingLoader filler = new TransformingLoader(classes, cached(cache, "b"));
        byte[] adder = filler.transform("app/Adder");
        byte[] other = filler.transform("app/Other");
        cacheOf(cached(cache, "b")).fold();
        Path pack = packOf(cache);
        byte[] good = Files.readAllBytes(pack);
        int header = ClassCache.getInt(good, 8);

        List<byte[]> damages = new ArrayList<>();
        damages.add(new byte[0]);
        damages.add(Arrays.copyOf(good, header / 2));
        damages.add(Arrays.copyOf(good, good.length - 1));   // the last entry truncated
        for (int at : new int[] {3, 9, 20, header / 2, header - 2, header + 20, (header + good.length) / 2,
                good.length - 2}) {
            byte[] flipped = good.clone();
            flipped[at] ^= 0x10;
            damages.add(flipped);
        }
        for (byte[] damage : damages) {
            Files.write(pack, damage);
            AsyncClassFileTransformer t = cached(cache, "b");
            TransformingLoader loader = new TransformingLoader(classes, t);
            assertArrayEquals(adder, loader.transform("app/Adder"));
            assertArrayEquals(other, loader.transform("app/Other"));
            ClassCache c = cacheOf(t);
            assertEquals(2, c.hits.get() + c.written.get(), "each class either from the pack or rewritten");
            assertTrue(c.damaged.get() >= 1, "the damage is counted");
            assertTrue(c.hasUnfolded(), "and for the next fold to repair");
            assertFalse(c.isOff(), "a damaged pack does not turn the cache off");
            assertEquals(42, loader.loadClass("app.Adder").getDeclaredMethod("run").invoke(null));
            assertEquals(2, c.fold());
            AsyncClassFileTransformer after = cached(cache, "b");
            TransformingLoader afterLoader = new TransformingLoader(classes, after);
            assertArrayEquals(adder, afterLoader.transform("app/Adder"));
            assertArrayEquals(other, afterLoader.transform("app/Other"));
            assertEquals(2, cacheOf(after).packHits.get(), "the fold made a whole pack again");
            assertEquals(0, cacheOf(after).damaged.get());
        }
    }

    @Test
    void aFoldPastTheLimitKeepsTheEntriesThisJvmUsed(@TempDir Path tmp) throws Exception {
        Path classes = twoClasses(tmp);
        Path cache = tmp.resolve("cache");
        TransformingLoader filler = new TransformingLoader(classes, cached(cache, "b"));
        filler.transform("app/Adder");
        filler.transform("app/Other");
        cacheOf(cached(cache, "b")).fold();

        Path v2 = JavaSources.compile(tmp.resolve("v2"), Map.of("app/Adder.java", ADDER.formatted(5)));
        AsyncClassFileTransformer t = cached(cache, "b");
        new TransformingLoader(classes, t).transform("app/Other");   // used
        new TransformingLoader(v2, t).transform("app/Adder");        // new, loose
        assertEquals(1, cacheOf(t).packHits.get());
        long loose = entries(cache).stream().filter(p -> !p.getFileName().toString().equals(ClassCache.PACK))
                .mapToLong(p -> unchecked(() -> Files.readAllBytes(p)).length).sum();
        cacheOf(t).packLimit = loose + Files.size(packOf(cache)) / 2 + 100;   // the loose entry and one more
        assertEquals(2, cacheOf(t).fold(), "the new entry and the one used; the old Adder left out");

        AsyncClassFileTransformer after = cached(cache, "b");
        new TransformingLoader(classes, after).transform("app/Other");
        new TransformingLoader(v2, after).transform("app/Adder");
        new TransformingLoader(classes, after).transform("app/Adder");
        assertEquals(2, cacheOf(after).packHits.get());
        assertEquals(1, cacheOf(after).misses.get());
    }

    @Test
    void concurrentWritersAndFoldersNeverLeaveATornPackOrEntry(@TempDir Path tmp) throws Exception {
        Path cache = tmp.resolve("cache");
        int writers = 3;
        int rounds = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
        try {
            CountDownLatch start = new CountDownLatch(1);
            CountDownLatch writing = new CountDownLatch(writers);
            List<Future<?>> all = new ArrayList<>();
            AtomicInteger seen = new AtomicInteger();
            for (int w = 0; w < writers; w++) {
                int id = w;
                all.add(pool.submit(() -> {
                    start.await();
                    for (int r = 0; r < rounds; r++) {
                        // a JVM: its own cache object, a few entries, then its fold at exit
                        ClassCache c = new ClassCache(cache.toFile(), "b", AgentOptions.defaults(),
                                new AgentReporter(AgentOptions.parse("quiet")));
                        for (int k = 0; k < 5; k++) {
                            byte[] out = new byte[5_000 + id * 100 + k];
                            Arrays.fill(out, (byte) id);
                            c.store(classFileOf(id, k), ClassCache.Entry.rewritten(out, Map.of("app/F" + id, out),
                                    List.of("m" + id + "()V"), Map.of()));
                        }
                        assertTrue(c.fold() >= 5, "at least its own entries");
                        assertFalse(c.isOff());
                    }
                    writing.countDown();
                    return null;
                }));
            }
            all.add(pool.submit(() -> {
                ClassFiles none = new ClassFiles(ClassCacheTest.class.getClassLoader());
                start.await();
                for (int i = 0; writing.getCount() > 0 || i < 20; i++) {
                    ClassCache c = new ClassCache(cache.toFile(), "b", AgentOptions.defaults(),
                            new AgentReporter(AgentOptions.parse("quiet")));
                    for (int id = 0; id < writers; id++) {
                        for (int k = 0; k < 5; k++) {
                            ClassCache.Entry e = c.lookup(classFileOf(id, k), none);
                            if (e != null) {
                                assertEquals(5_000 + id * 100 + k, e.bytes.length);
                                for (byte b : e.bytes) {
                                    assertEquals(id, b, "one writer's entry, whole");
                                }
                                seen.incrementAndGet();
                            }
                        }
                    }
                    assertEquals(0, c.damaged.get(), "no reader ever sees part of a pack or an entry");
                }
                return null;
            }));
            start.countDown();
            for (Future<?> f : all) {
                f.get(120, TimeUnit.SECONDS);
            }
            assertTrue(seen.get() > 0, "the reader saw entries");
        } finally {
            pool.shutdownNow();
        }
        ClassCache last = new ClassCache(cache.toFile(), "b", AgentOptions.defaults(),
                new AgentReporter(AgentOptions.parse("quiet")));
        assertTrue(last.fold() >= 0);
        assertEquals(1, entries(cache).size(), "the pack alone, no temporary file left: " + entries(cache));
    }

    private static byte[] classFileOf(int writer, int k) {
        byte[] classFile = new byte[1000 + k];
        Arrays.fill(classFile, (byte) (writer * 10 + k));
        return classFile;
    }

    @Test
    void aRuntimeClassTheLoaderDefinedIsCheckedByTheBytesItWasDefinedFromWithoutReadingIt(@TempDir Path tmp)
            throws Exception {
        Path classes = twoClasses(tmp);
        Path cache = tmp.resolve("cache");
        new TransformingLoader(classes, cached(cache, "b")).transform("app/Adder");
        cacheOf(cached(cache, "b")).fold();
        byte[] task;
        try (InputStream in = ClassCacheTest.class.getClassLoader()
                .getResourceAsStream("dev/weft/runtime/Task.class")) {
            task = in.readAllBytes();
        }
        byte[] otherTask = Arrays.copyOf(task, task.length + 1);
        Map<String, byte[]> otherResource = Map.of("dev/weft/runtime/Task.class", otherTask);

        // the loader's resource is another Task, but it defined the one the entry was made with: a hit
        AsyncClassFileTransformer t = cached(cache, "b");
        TransformingLoader loader = new TransformingLoader(classes, t, otherResource);
        assertNull(t.transform(loader, "dev/weft/runtime/Task", null, null, task), "never rewritten");
        assertNotNull(loader.transform("app/Adder"));
        assertEquals(1, cacheOf(t).packHits.get(), "checked by what the loader defined, not read again");

        // the loader defined another Task than the entry's rewrite read: a miss, whatever its resource says
        AsyncClassFileTransformer u = cached(cache, "b");
        TransformingLoader other = new TransformingLoader(classes, u);
        assertNull(u.transform(other, "dev/weft/runtime/Task", null, null, otherTask));
        assertNotNull(other.transform("app/Adder"));
        assertEquals(0, cacheOf(u).hits.get());
        assertEquals(1, cacheOf(u).written.get());

        // and a loader that defined none is read as before
        AsyncClassFileTransformer v = cached(cache, "b");
        assertNotNull(new TransformingLoader(classes, v).transform("app/Adder"));
        assertEquals(1, cacheOf(v).packHits.get());
        AsyncClassFileTransformer w = cached(cache, "b");
        assertNotNull(new TransformingLoader(classes, w, otherResource).transform("app/Adder"));
        assertEquals(0, cacheOf(w).hits.get());
    }

    @Test
    void theBuildWritesTheBuildIdTheCacheIsKeyedBy() {
        assertNotNull(LoadTimeRewriter.readBuildId(), "the build writes " + LoadTimeRewriter.BUILD_ID_RESOURCE);
        assertFalse(LoadTimeRewriter.readBuildId().contains("${"));
    }
}
