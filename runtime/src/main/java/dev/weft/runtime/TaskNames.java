package dev.weft.runtime;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The names of tasks, kept beside them so that a task nobody names costs nothing: no field, no counter at
 * creation. A task is named by {@link Task#setName}, by {@link Tasks#named} before its first step, or, the first
 * time its name is asked for, {@code Task-N} (asyncio's default, N counted in the order names are first asked
 * for, not in creation order).
 */
final class TaskNames {
    private static final Map<Task<?>, String> NAMES = new WeakHashMap<>();
    private static final AtomicLong DEFAULTS = new AtomicLong();

    private TaskNames() {}

    static synchronized String of(Task<?> t) {
        return NAMES.computeIfAbsent(t, k -> "Task-" + DEFAULTS.incrementAndGet());
    }

    /** The name given to {@code t}, or null when it has none yet (never assigns the default). */
    static synchronized String given(Task<?> t) {
        return NAMES.isEmpty() ? null : NAMES.get(t);
    }

    static synchronized void set(Task<?> t, String name) {
        NAMES.put(t, name);
    }
}
