package dev.weft.runtime;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A variable whose value belongs to the running task and is inherited by the tasks it starts, as Python's
 * {@code contextvars.ContextVar}: for request ids, tracing spans, deadlines. A thread-local does not work across
 * awaits (many tasks take turns on one thread); a context variable does.
 *
 * <pre>{@code
 * static final ContextVar<String> REQUEST_ID = new ContextVar<>("request-id");
 *
 * @Async
 * static Task<Void> handle(Request r) {
 *     REQUEST_ID.set(r.id());
 *     await(log("start"));                 // log() reads REQUEST_ID.get(): this request's id
 *     Task<Void> audit = audit(r);         // a child task: starts with the same id
 *     return Task.completed(await(audit));
 * }
 * }</pre>
 *
 * Outside any task, the variable belongs to the thread, and tasks created there start from it.
 *
 * @param <T> the type of the value
 */
public final class ContextVar<T> {
    static final Object UNSET = new Object();

    private final String name;
    private final Supplier<? extends T> defaultValue;

    /** A variable with no default: {@link #get()} throws until it is set. */
    public ContextVar(String name) {
        this(name, null);
    }

    /** A variable whose value, until set, is {@code defaultValue.get()}. */
    public ContextVar(String name, Supplier<? extends T> defaultValue) {
        this.name = Objects.requireNonNull(name, "name");
        this.defaultValue = defaultValue;
    }

    public String name() {
        return name;
    }

    /**
     * The value in the current task's context.
     *
     * @throws IllegalStateException when it was never set and there is no default
     */
    @SuppressWarnings("unchecked")
    public T get() {
        Object v = Context.current().get(this);
        if (v != UNSET) {
            return (T) v;
        }
        if (defaultValue != null) {
            return defaultValue.get();
        }
        throw new IllegalStateException("context variable '" + name + "' is not set here");
    }

    /** The value in the current task's context, or {@code fallback} when not set. */
    @SuppressWarnings("unchecked")
    public T get(T fallback) {
        Object v = Context.current().get(this);
        return v != UNSET ? (T) v : fallback;
    }

    /** True when set in the current context. */
    public boolean isSet() {
        return Context.current().get(this) != UNSET;
    }

    /**
     * Sets the value for the current task (and the tasks it starts from now on).
     *
     * @return a token that {@link #reset(Token)} uses to put back the previous value
     */
    public Token set(T value) {
        Context before = Context.current();
        Context.setCurrent(before.with(this, value));
        return new Token(this, before.get(this));
    }

    /** Puts back the value {@code token} replaced. */
    public void reset(Token token) {
        if (token.variable != this) {
            throw new IllegalArgumentException("token of context variable '" + token.variable.name
                    + "' given to '" + name + "'");
        }
        Context.setCurrent(Context.current().with(this, token.previous));
    }

    @Override
    public String toString() {
        return "ContextVar[" + name + "]";
    }

    /** What {@link #set} replaced. */
    public static final class Token {
        private final ContextVar<?> variable;
        private final Object previous;

        private Token(ContextVar<?> variable, Object previous) {
            this.variable = variable;
            this.previous = previous;
        }
    }
}
