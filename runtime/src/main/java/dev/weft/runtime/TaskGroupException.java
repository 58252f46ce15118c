package dev.weft.runtime;

import java.util.List;

/**
 * The failures of a {@link TaskGroup}, all of them, as asyncio's {@code ExceptionGroup}: thrown whenever one or
 * more of the group's tasks (or the group's body) failed, even for a single failure, so a caller handles one
 * type. {@link #exceptions()} lists them in the order they happened; the first is also the {@linkplain #getCause()
 * cause}, and the others are attached as {@linkplain #getSuppressed() suppressed}, so a printed stack trace shows
 * every one.
 *
 * <pre>{@code
 * try {
 *     await(TaskGroup.run(group -> { group.start(() -> a()); group.start(() -> b()); return Task.completed(null); }));
 * } catch (TaskGroupException e) {
 *     for (Throwable t : e.exceptions()) log(t);
 * }
 * }</pre>
 */
public final class TaskGroupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<Throwable> exceptions;

    /** @param exceptions the failures in order; at least one */
    public TaskGroupException(List<? extends Throwable> exceptions) {
        super(message(exceptions), exceptions.get(0));
        this.exceptions = List.copyOf(exceptions);
        for (int i = 1; i < this.exceptions.size(); i++) {
            addSuppressed(this.exceptions.get(i));
        }
    }

    /** Every failure, in the order they happened. */
    public List<Throwable> exceptions() {
        return exceptions;
    }

    private static String message(List<? extends Throwable> exceptions) {
        int n = exceptions.size();
        return "unhandled errors in a TaskGroup (" + n + " sub-exception" + (n == 1 ? "" : "s") + "): "
                + exceptions.get(0);
    }
}
