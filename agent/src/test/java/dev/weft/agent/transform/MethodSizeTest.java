package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue #10 item 8: rewritten code grows with the number of awaits, not with awaits times live values, and a
 * method that still cannot fit the JVM's 64 KB limit is refused by name ("split this method") instead of failing
 * inside the class writer.
 */
class MethodSizeTest {

    /** {@code count} long locals, all live across {@code awaits} awaits that each add to one of them. */
    static String wideMethod(int count, int awaits) {
        StringBuilder s = new StringBuilder("""
                package demo;

                import dev.weft.Async;
                import dev.weft.runtime.Task;
                import static dev.weft.runtime.Await.await;
                import static dev.weft.runtime.Tasks.sleep;
                import static java.time.Duration.ZERO;

                public class Wide {
                    @Async
                    static Task<Long> wide() {
                """);
        for (int i = 0; i < count; i++) {
            s.append("        long a").append(i).append(" = ").append(i).append("L;\n");
        }
        for (int k = 0; k < awaits; k++) {
            s.append("        a").append(k % count).append(" += await(sleep(ZERO, ").append(k).append("L));\n");
        }
        s.append("        return Task.completed(0L");
        for (int i = 0; i < count; i++) {
            s.append(" + a").append(i);
        }
        s.append(");\n    }\n}\n");
        return s.toString();
    }

    static long expectedWideResult(int count, int awaits) {
        long sum = 0;
        for (int i = 0; i < count; i++) {
            sum += i;
        }
        for (int k = 0; k < awaits; k++) {
            sum += k;
        }
        return sum;
    }

    @Test
    void fortyLongsLiveAcross150AwaitsFitAndRun() {
        String source = wideMethod(40, 150);
        Compilation javac = AsyncTestSupport.javac(source);
        Compiled program = AsyncTestSupport.transformed(javac);
        assertEquals(expectedWideResult(40, 150), (long) program.<Long>runSuspending("demo.Wide", "wide"));

        int original = CodeSizes.of(javac.classes().get("demo/Wide")).get("wide()Ldev/weft/runtime/Task;");
        TransformResult result = program.result("demo/Wide");
        Map<String, Integer> written = CodeSizes.of(result.bytes());
        int entry = written.get("wide()Ldev/weft/runtime/Task;");
        int body = written.get(result.bodyMethods().get("wide()Ldev/weft/runtime/Task;"));
        // Saving and restoring 40 longs inline at each of 150 awaits would take 150 * 40 * 2 * 5 = 60,000 bytes.
        assertTrue(entry + body < 3 * original, () -> "entry " + entry + " + body " + body + " bytes for a method of "
                + original + " bytes");
    }

    @Test
    void aMethodThatCannotFitIsRefusedWithItsLocationAndWhatToDo() {
        AsyncTransformException e = AsyncTestSupport.refusal(wideMethod(4, 2600));
        assertEquals("demo.Wide", e.className());
        assertEquals("wide", e.methodName());
        assertEquals("Wide.java", e.sourceFile());
        assertTrue(e.line() > 0, e::getMessage);
        assertTrue(e.reason().contains("64 KB") && e.reason().contains("split this method"), e::getMessage);
    }
}
