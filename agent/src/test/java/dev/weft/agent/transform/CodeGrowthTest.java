package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue #10 item 8: the rewritten code grows linearly, and modestly, with the number of awaits, whatever number of
 * values is live across them (the numbers the design note quotes).
 */
class CodeGrowthTest {

    /** Bytes added (entry + body, minus javac's code) by the rewrite of {@link MethodSizeTest#wideMethod}. */
    private static CodeGrowth.Method rewrite(int locals, int awaits) {
        Compilation javac = AsyncTestSupport.javac(MethodSizeTest.wideMethod(locals, awaits));
        TransformResult result = AsyncTestSupport.transformAll(javac).get("demo/Wide");
        List<CodeGrowth.Method> methods = CodeGrowth.of(javac.classes().get("demo/Wide"), result);
        return methods.get(0);
    }

    @Test
    void codeAddedPerAwaitDoesNotDependOnHowManyAwaitsThereAreOrHowManyValuesAreLive() {
        for (int locals : new int[] {4, 40}) {
            CodeGrowth.Method small = rewrite(locals, 100);
            CodeGrowth.Method large = rewrite(locals, 400);
            double perAwaitSmall = (double) (small.written() - small.original()) / small.awaits();
            double perAwaitLarge = (double) (large.written() - large.original()) / large.awaits();
            String report = locals + " live longs: " + small + ", " + large + "; bytes added per await "
                    + perAwaitSmall + " and " + perAwaitLarge;
            assertTrue(perAwaitLarge <= perAwaitSmall * 1.1, () -> "not linear: " + report);
            // An await's own code (done check, label, jump to the shared save, resume) is about 50 bytes; saving and
            // restoring 40 values at each await would be 40 * 12 more.
            assertTrue(perAwaitLarge < 80, () -> "not modest: " + report);
        }
    }
}
