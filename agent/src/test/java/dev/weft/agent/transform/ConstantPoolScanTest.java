package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;

/**
 * The agent's sieve ({@link ConstantPoolScan#isCandidate}) walks the constant pool from the bytes; it must say
 * what the ASM-based scan says, for every class file.
 */
class ConstantPoolScanTest {

    /** The class files of java.base (every constant pool tag but Module and Package) and of Weft's runtime. */
    private static List<byte[]> classFiles() throws IOException, URISyntaxException {
        List<byte[]> all = new ArrayList<>();
        FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
        try (Stream<Path> walk = Files.walk(jrt.getPath("/modules/java.base"))) {
            for (Path p : (Iterable<Path>) walk.filter(p -> p.toString().endsWith(".class"))::iterator) {
                all.add(Files.readAllBytes(p));
            }
        }
        Path runtime = Path.of(dev.weft.runtime.Task.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isDirectory(runtime)) {
            addAll(runtime, all);
        } else {
            try (FileSystem jar = FileSystems.newFileSystem(runtime)) {
                addAll(jar.getPath("/"), all);
            }
        }
        return all;
    }

    private static void addAll(Path root, List<byte[]> all) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.filter(p -> p.toString().endsWith(".class"))::iterator) {
                all.add(Files.readAllBytes(p));
            }
        }
    }

    @Test
    void theWalkAgreesWithTheScanOnEveryClassFile() throws Exception {
        List<byte[]> files = classFiles();
        assertTrue(files.size() > 3_000, "java.base has thousands of classes: " + files.size());
        int candidates = 0;
        for (byte[] bytes : files) {
            ConstantPoolScan.Verdict scanned = ConstantPoolScan.scan(new ClassReader(bytes), bytes);
            ConstantPoolScan.Verdict walked = ConstantPoolScan.walk(bytes);
            if (scanned != walked) {
                throw new AssertionError(new ClassReader(bytes).getClassName() + ": scan " + scanned + ", walk " + walked);
            }
            if (walked == ConstantPoolScan.Verdict.CANDIDATE) {
                candidates++;
            }
        }
        assertTrue(candidates > 0, "the runtime's own classes mention Await");
    }

    @Test
    void asyncAwaitAndTheMarkerAreSeen() {
        Compilation javac = AsyncTestSupport.javac(IdempotenceTest.ASYNC);
        byte[] bytes = javac.classes().get("demo/Twice");
        assertEquals(ConstantPoolScan.Verdict.CANDIDATE, ConstantPoolScan.walk(bytes));
        assertTrue(AsyncTransformer.isCandidate(bytes));
        Map<String, TransformResult> rewritten = AsyncTestSupport.transformAll(javac);
        byte[] marked = rewritten.get("demo/Twice").bytes();
        assertEquals(ConstantPoolScan.Verdict.ALREADY_TRANSFORMED, ConstantPoolScan.walk(marked));
        assertFalse(AsyncTransformer.isCandidate(marked));
        byte[] plain = AsyncTestSupport.javac("""
                package demo;

                public class Plain {
                    long a = 1L;
                    double b = 2.0;
                    String c = "dev/weft/runtime/Await is not a class reference here, but a string of that name";
                }
                """).classes().get("demo/Plain");
        assertEquals(ConstantPoolScan.Verdict.NOTHING_TO_DO, ConstantPoolScan.walk(plain));
    }

    @Test
    void bytesTheWalkCannotReadGoToAsmAsBefore() {
        byte[] bytes = AsyncTestSupport.javac(IdempotenceTest.ASYNC).classes().get("demo/Twice");
        // truncated in the constant pool: the walk gives up, ASM's reader decides (and fails, as it always did)
        int weft = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("dev/weft/");
        byte[] truncated = Arrays.copyOf(bytes, weft + 12);
        assertNull(ConstantPoolScan.walk(truncated));
        assertThrows(RuntimeException.class, () -> AsyncTransformer.isCandidate(truncated));
        // not a class file, no mention of Weft: not a candidate, and no exception
        assertNull(ConstantPoolScan.walk(new byte[] {1, 2, 3}));
        assertFalse(AsyncTransformer.isCandidate(new byte[] {1, 2, 3}));
        assertFalse(AsyncTransformer.isCandidate(new byte[0]));
        // an unknown constant pool tag (the first entry's): not walked
        byte[] unknownTag = bytes.clone();
        unknownTag[10] = 99;
        assertNull(ConstantPoolScan.walk(unknownTag));
    }
}
