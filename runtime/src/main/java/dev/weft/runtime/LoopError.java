package dev.weft.runtime;

/**
 * What the event loop hands to its exception handler when something fails where no caller can see it: a
 * callback that threw, a task that failed while the loop was shutting down, a completion that arrived for a
 * future already done.
 *
 * @param message   what happened, in words
 * @param exception the exception, or {@code null}
 * @param source    the callback, future or task involved, or {@code null}
 */
public record LoopError(String message, Throwable exception, Object source) {
}
