package dev.weft.runtime;

import java.util.HashMap;
import java.util.Map;

/**
 * The values of {@link ContextVar}s seen by one task, as Python's {@code contextvars.Context}: immutable; setting
 * a variable gives the task a new context. A task starts with the context of the task (or, outside any task, of
 * the thread) that created it, so child tasks inherit request ids and tracing spans, and what a child sets stays
 * its own.
 */
public final class Context {
    static final Context EMPTY = new Context(Map.of());

    private final Map<ContextVar<?>, Object> values;

    private Context(Map<ContextVar<?>, Object> values) {
        this.values = values;
    }

    /**
     * The values code running here sees now (asyncio's {@code contextvars.copy_context()}). A context is immutable,
     * so this snapshot is never changed by later {@link ContextVar#set} calls, here or anywhere.
     */
    public static Context copy() {
        return current();
    }

    /**
     * Runs {@code work} with this context's values (asyncio's {@code Context.run}): {@link ContextVar#get} inside
     * reads them, a task started inside inherits them, and afterwards the caller's own context is back. Unlike
     * Python's mutable contexts, values set inside stay inside that run: this context does not change.
     */
    public void run(Runnable work) {
        run(() -> {
            work.run();
            return null;
        });
    }

    /** As {@link #run(Runnable)}, returning what {@code work} returns (a task started in it, for instance). */
    public <T> T run(java.util.function.Supplier<T> work) {
        java.util.Objects.requireNonNull(work, "work");
        Task<?> t = currentTask();
        if (t != null) {
            Context before = t.context();
            t.setContext(this);
            try {
                return work.get();
            } finally {
                t.setContext(before);
            }
        }
        ThreadState here = ThreadState.here();
        Context before = here.context;
        here.context = this;
        try {
            return work.get();
        } finally {
            here.context = before;
        }
    }

    Object get(ContextVar<?> variable) {
        return values.getOrDefault(variable, ContextVar.UNSET);
    }

    Context with(ContextVar<?> variable, Object value) {
        Map<ContextVar<?>, Object> copy = new HashMap<>(values);
        if (value == ContextVar.UNSET) {
            copy.remove(variable);
        } else {
            copy.put(variable, value);
        }
        return new Context(copy);
    }

    /** The task whose code runs on this thread now, loop-owned or not, or null. */
    static Task<?> currentTask() {
        ThreadState here = ThreadState.here();
        Task<?> t = here.looplessCurrent;
        if (t != null) {
            return t;
        }
        EventLoop loop = here.running;
        return loop == null ? null : loop.currentTask;
    }

    /** The context code running here sees. */
    static Context current() {
        ThreadState here = ThreadState.here();
        Task<?> t = here.looplessCurrent;
        if (t == null && here.running != null) {
            t = here.running.currentTask;
        }
        return t != null ? t.context() : here.context;
    }

    /** Makes {@code next} the context code running here sees. */
    static void setCurrent(Context next) {
        Task<?> t = currentTask();
        if (t != null) {
            t.setContext(next);
        } else {
            ThreadState.here().context = next;
        }
    }

    /**
     * {@code work}, run in a copy of the context of the code calling this (asyncio's {@code to_thread} runs its
     * function in {@code contextvars.copy_context()}): the worker sees the caller's values, and what it sets stays
     * in its copy. The worker thread's own context is back as it was afterwards.
     */
    static <T> java.util.concurrent.Callable<T> carrying(java.util.concurrent.Callable<T> work) {
        Context captured = current();
        return () -> {
            ThreadState here = ThreadState.here();
            Context before = here.context;
            here.context = captured;
            try {
                return work.call();
            } finally {
                here.context = before;
            }
        };
    }

    /** The context a task created now starts with: its creator's. */
    static Context forNewTask(EventLoop loop) {
        if (loop != null) {
            Task<?> parent = loop.currentTask;
            if (parent != null) {
                return parent.context();
            }
        }
        return current();
    }
}
