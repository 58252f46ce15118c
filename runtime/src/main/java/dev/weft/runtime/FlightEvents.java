package dev.weft.runtime;

/**
 * JDK Flight Recorder events of the runtime: a task's creation, suspension, resumption and completion, and slow
 * callbacks. The events themselves are in {@link JfrEvents}; this class keeps the runtime free of any reference
 * to {@code jdk.jfr}, so that it runs where that module is absent (a jlinked image without it, or a modular
 * application that does not resolve it): {@link #ACTIVE} is then {@link #NONE}, which records nothing.
 *
 * <p><b>Cost.</b> Each hook is a call on a constant ({@link #ACTIVE} is static final) that asks the event class
 * whether it is enabled, and returns; no allocation, no clock read, no stack walk unless a recording has enabled
 * that event. {@code -Dweft.jfr=false} replaces the hooks by {@link #NONE} altogether.
 */
abstract class FlightEvents {
    /** Records nothing. */
    static final FlightEvents NONE = new FlightEvents() {
    };

    /** The JFR events when {@code jdk.jfr} is there, else {@link #NONE}. */
    static final FlightEvents ACTIVE = load();

    private static FlightEvents load() {
        if (!Boolean.parseBoolean(System.getProperty("weft.jfr", "true"))) {
            return NONE;
        }
        Module self = FlightEvents.class.getModule();
        java.util.Optional<Module> jfr = ModuleLayer.boot().findModule("jdk.jfr");
        if (jfr.isEmpty() || (self.isNamed() && !self.canRead(jfr.get()))) {
            return NONE;
        }
        try {
            return new JfrEvents();
        } catch (LinkageError | RuntimeException unavailable) {
            return NONE;
        }
    }

    /** A task was created and is about to run its first step. */
    void created(Task<?> task) {
    }

    /** {@code task} suspended on {@code awaited} (its awaitSite() names the await). */
    void suspended(Task<?> task, Object awaited) {
    }

    /** Before a step: the event to end, or null when not recorded (a first step is not a resumption). */
    Object beginResumed(Task<?> task, boolean firstStep) {
        return null;
    }

    /** After that step (returned, suspended again or threw). */
    void endResumed(Object event, Task<?> task) {
    }

    /** {@code task} finished, failed or was cancelled. */
    void completed(Task<?> task, int state, Object outcome) {
    }

    /** True when callbacks must be timed for the slow-callback event. */
    boolean timesCallbacks() {
        return false;
    }

    /** Before a timed callback: the event to end, or null. */
    Object beginCallback() {
        return null;
    }

    /** After a timed callback: committed when longer than the event's threshold. */
    void endCallback(Object event, Object action, Object arg, StackTraceElement siteBefore, Task<?> started) {
    }
}
