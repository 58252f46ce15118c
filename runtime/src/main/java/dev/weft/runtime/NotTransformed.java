package dev.weft.runtime;

import java.util.Optional;

/**
 * The message of the error an untransformed {@code await} throws on a loop thread (contract item 8): what to do
 * depends on why the calling class was not rewritten, and the Java agent, when it runs, says why.
 *
 * <p>The agent publishes its state as {@code dev.weft.agent.*} system properties with String values (the runtime
 * depends on nothing, and the agent may live in another class loader): {@code state} ({@code "<pid> running"} or
 * {@code "<pid> stopped <message>"}), {@code options}, {@code includes}, {@code excludes} and {@code never}
 * (internal-name prefixes separated by {@code ;}), {@code refused.<class>} (the refusals, one per line) and
 * {@code early.<class>} (loaded before {@code AsyncAgent.install()} ran). All of it is read here, only when the
 * error is thrown; nothing runs on any other path.
 */
final class NotTransformed {
    static final String PREFIX = "dev.weft.agent.";

    private static final String ENABLE = "Mark the calling method @Async (or make it an async lambda) and enable "
            + "Weft: add the dev.weft:async-maven-plugin to the build (goals instrument and instrument-test), or "
            + "start the JVM with -javaagent:async-agent.jar. If the plugin is in the build, these classes were "
            + "compiled without it running: it rewrites at process-classes, which mvn compile and an IDE's own "
            + "build stop before (run mvn package, delegate the IDE's build to Maven, or use the agent).";

    private NotTransformed() {
    }

    /** The message for an await called on the current thread, which runs a loop, by untransformed code. */
    static String message() {
        StackWalker.StackFrame frame = caller();
        Class<?> caller = frame == null ? null : frame.getDeclaringClass();
        String where = caller == null ? "" : " (" + caller.getName() + "." + frame.getMethodName() + ")";
        return "await(...) was called on the event loop thread '" + Thread.currentThread().getName()
                + "' from code that was not transformed" + where + ", so it cannot suspend (and blocking would stop "
                + "the loop). " + advice(caller);
    }

    /** The frame that called await: the first that is not {@link Await}'s (or this class's). */
    private static StackWalker.StackFrame caller() {
        try {
            StackWalker walker = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
            Optional<StackWalker.StackFrame> found = walker.walk(frames -> frames
                    .filter(f -> f.getDeclaringClass() != Await.class && f.getDeclaringClass() != NotTransformed.class)
                    .findFirst());
            return found.orElse(null);
        } catch (RuntimeException e) {
            return null; // a SecurityManager that refuses class references: the generic message
        }
    }

    private static String advice(Class<?> caller) {
        try {
            String agent = agentAdvice(caller);
            return agent != null ? agent : ENABLE;
        } catch (RuntimeException e) {
            return ENABLE; // never let the explanation stand in the way of the error
        }
    }

    /** What the agent says about {@code caller}, or null when no agent runs in this JVM. */
    private static String agentAdvice(Class<?> caller) {
        String state = System.getProperty(PREFIX + "state");
        if (state == null) {
            return null;
        }
        String pid = Long.toString(ProcessHandle.current().pid());
        if (!state.startsWith(pid + " ")) {
            return null; // copied from another JVM's properties: no agent here
        }
        String status = state.substring(pid.length() + 1);
        if (status.startsWith("stopped")) {
            String why = status.substring("stopped".length()).trim();
            return "The Weft agent was started but stopped at a bad option (" + why + "), so it rewrites nothing; "
                    + "correct its options ('" + options() + "').";
        }
        if (caller == null) {
            return "The Weft agent is running but did not rewrite the calling class. " + ENABLE;
        }
        String name = caller.getName();
        String refused = System.getProperty(PREFIX + "refused." + name);
        if (refused != null) {
            String reasons = refused.contains("\n") ? "\n  " + refused.replace("\n", "\n  ") + "\n" : refused + ". ";
            return "The Weft agent is running but refused " + name + ", which loaded unchanged: " + reasons
                    + "Fix what the refusal names (the plugin dev.weft:async-maven-plugin reports the same at build "
                    + "time).";
        }
        if (System.getProperty(PREFIX + "early." + name) != null) {
            return "The Weft agent is running but was installed after " + name + " was loaded, so " + name
                    + " runs untransformed: call AsyncAgent.install() first thing in main, in a class without @Async "
                    + "methods, or start the JVM with -javaagent:async-agent.jar.";
        }
        String internal = name.replace('.', '/');
        if (startsWithAny(internal, System.getProperty(PREFIX + "never"))) {
            return "The Weft agent is running but never rewrites " + name + ": it leaves the JDK's packages and "
                    + "Weft's own (dev.weft.runtime, dev.weft.agent) alone; move the code to a package of your own.";
        }
        String includes = System.getProperty(PREFIX + "includes", "");
        if (startsWithAny(internal, System.getProperty(PREFIX + "excludes"))
                || !includes.isEmpty() && !startsWithAny(internal, includes)) {
            return "The Weft agent is running but its options exclude " + name + " ('" + options() + "'); add "
                    + packageOf(name) + " to includes= or take it out of excludes=.";
        }
        if (caller.isHidden()) {
            return "The Weft agent is running but " + name + " is a hidden class, which no Java agent sees; rewrite "
                    + "it before it is defined (dev.weft:async-maven-plugin, or the agent's transformer).";
        }
        return "The Weft agent is running but did not rewrite " + name + " and recorded no refusal for it (was it "
                + "defined by the bootstrap class loader, or in a way that bypasses Java agents?); rewrite it at "
                + "build time with dev.weft:async-maven-plugin.";
    }

    private static String options() {
        return System.getProperty(PREFIX + "options", "");
    }

    private static boolean startsWithAny(String internalName, String prefixes) {
        if (prefixes == null || prefixes.isEmpty()) {
            return false;
        }
        for (String prefix : prefixes.split(";")) {
            if (!prefix.isEmpty() && internalName.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static String packageOf(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "the unnamed package" : name.substring(0, dot);
    }
}
