package dev.weft.runtime;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The "not transformed" error of contract item 8 when the Java agent runs: it reads what the agent published
 * ({@code dev.weft.agent.*} system properties, simulated here as the agent writes them; the real agent's are
 * pinned end to end by it-tests' AgentDiagnosticsTest) and says why this class was not rewritten.
 */
class NotTransformedTest {
    private static final String PID = Long.toString(ProcessHandle.current().pid());
    private static final String ME = NotTransformedTest.class.getName();
    private static final List<String> KEYS = List.of("state", "options", "includes", "excludes", "never",
            "refused." + ME, "early." + ME);

    @AfterEach
    void clear() {
        for (String key : KEYS) {
            System.clearProperty("dev.weft.agent." + key);
        }
    }

    private static void agent(String state, String options, String includes, String excludes) {
        System.setProperty("dev.weft.agent.state", state);
        System.setProperty("dev.weft.agent.options", options);
        System.setProperty("dev.weft.agent.includes", includes);
        System.setProperty("dev.weft.agent.excludes", excludes);
        System.setProperty("dev.weft.agent.never", "java/;javax/;jdk/;sun/;com/sun/;dev/weft/agent/;dev/weft/shaded/;"
                + "dev/weft/runtime/");
    }

    /** The message of an untransformed await on a loop thread, called from this class. */
    private static String error() {
        return assertThrows(IllegalStateException.class,
                () -> EventLoop.run(() -> Task.completed(await(CompletableFuture.completedFuture(1))))).getMessage();
    }

    @Test
    void withoutTheAgentItSaysHowToEnableTheTransformationAndNamesTheCaller() {
        String m = error();
        assertTrue(m.contains("from code that was not transformed (" + ME + ".lambda$error$"), m);
        assertTrue(m.contains("start the JVM with -javaagent:async-agent.jar"), m);
        assertFalse(m.contains("agent is running"), m);
    }

    @Test
    void aRefusalIsQuotedInsteadOfAdvice() {
        agent(PID + " running", "", "", "");
        System.setProperty("dev.weft.agent.refused." + ME, "NotTransformedTest.java:9: " + ME + ".get: await(...) "
                + "is not allowed inside synchronized");
        String m = error();
        assertTrue(m.contains("The Weft agent is running but refused " + ME + ", which loaded unchanged: "
                + "NotTransformedTest.java:9: " + ME + ".get: await(...) is not allowed inside synchronized."), m);
        assertFalse(m.contains("start the JVM with -javaagent"), m);
    }

    @Test
    void everyRefusalOfTheClassIsQuotedOnItsOwnLine() {
        agent(PID + " running", "", "", "");
        System.setProperty("dev.weft.agent.refused." + ME, "A.java:3: a\nA.java:7: b");
        String m = error();
        assertTrue(m.contains("which loaded unchanged: \n  A.java:3: a\n  A.java:7: b\n"), m);
    }

    @Test
    void excludedByTheOptionsItQuotesThem() {
        agent(PID + " running", "excludes=dev.weft.runtime.x;dev.weft", "", "dev/weft/runtime/x/;dev/weft/");
        System.setProperty("dev.weft.agent.never", "java/");
        String m = error();
        assertTrue(m.contains("The Weft agent is running but its options exclude " + ME
                + " ('excludes=dev.weft.runtime.x;dev.weft'); add dev.weft.runtime to includes= or take it out of "
                + "excludes=."), m);
    }

    @Test
    void notIncludedByTheOptionsIsExcludedToo() {
        agent(PID + " running", "includes=com.acme", "com/acme/", "");
        System.setProperty("dev.weft.agent.never", "java/");
        assertTrue(error().contains("its options exclude " + ME + " ('includes=com.acme')"), error());
        System.setProperty("dev.weft.agent.includes", "dev/weft/runtime/;com/acme/");
        assertTrue(error().contains("did not rewrite " + ME + " and recorded no refusal"), error());
    }

    @Test
    void aPackageTheAgentNeverRewritesIsNamedAsSuch() {
        agent(PID + " running", "", "", "");   // dev/weft/runtime/ is in never
        assertTrue(error().contains("The Weft agent is running but never rewrites " + ME), error());
    }

    @Test
    void aBadOptionIsQuoted() {
        agent(PID + " stopped unknown async-agent option 'fast'; known: includes=pkg;pkg", "fast", "", "");
        String m = error();
        assertTrue(m.contains("The Weft agent was started but stopped at a bad option (unknown async-agent option "
                + "'fast'; known: includes=pkg;pkg), so it rewrites nothing; correct its options ('fast')."), m);
    }

    @Test
    void aClassLoadedBeforeInstallIsNamedAsSuch() {
        agent(PID + " running", "", "", "");
        System.setProperty("dev.weft.agent.never", "java/");
        System.setProperty("dev.weft.agent.early." + ME, "true");
        assertTrue(error().contains("The Weft agent is running but was installed after " + ME + " was loaded"),
                error());
    }

    @Test
    void theStateOfAnotherJvmIsIgnored() {
        agent("1" + PID + " running", "", "", "");
        System.setProperty("dev.weft.agent.refused." + ME, "copied from the parent JVM");
        String m = error();
        assertFalse(m.contains("copied"), m);
        assertTrue(m.contains("start the JVM with -javaagent:async-agent.jar"), m);
    }
}
