package dev.weft.runtime;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A deadline for a piece of async work, in the model of asyncio's {@code asyncio.timeout()}: when the deadline
 * passes, the task the scope was entered in is cancelled, and at the scope's end that cancellation is turned
 * into a {@link TimeoutException}.
 *
 * <p><b>Two shapes.</b> Java has no {@code async with}, so a timeout reads in one of two ways.
 * <ul>
 *   <li>{@link #within(Duration, Supplier)} runs an async lambda under a deadline and is the one to reach for:
 *       <pre>{@code
 * try {
 *     String page = await(Timeout.within(Duration.ofSeconds(2), () -> fetch(url)));
 * } catch (Exception e) {           // TimeoutException is checked, and await does not declare it
 *     if (!(e instanceof TimeoutException)) throw e;
 * }
 *       }</pre>
 *       The body runs in its own task, started and awaited by the task {@code within} returns; that task is the
 *       one the deadline cancels. Cancelling the caller cancels both.</li>
 *   <li>A scope object, entered and exited by hand around awaits in the current task, when the work must stay
 *       in it (or the deadline must move while it runs):
 *       <pre>{@code
 * Timeout timeout = Timeout.after(Duration.ofMillis(50)).enter();
 * try {
 *     await(step1());
 *     timeout.reschedule(Duration.ofMillis(50));   // more time for step 2
 *     await(step2());
 *     timeout.exit();
 * } catch (Throwable e) {
 *     throw timeout.exit(e);                       // TimeoutException when this deadline caused e
 * }
 *       }</pre></li>
 * </ul>
 *
 * <p><b>Nesting.</b> A scope remembers the task's {@link Task#cancelling()} count when entered. When its deadline
 * fires it cancels the task once; at exit it takes that request back with {@link Task#uncancel()}, and only
 * when no request is left beyond the ones that were there on entry is the {@link CancellationException} its own,
 * and turned into a {@link TimeoutException}. So an inner timeout never swallows an outer one, nor a
 * {@code task.cancel()} from outside: those still leave the scope as a {@code CancellationException}.
 *
 * <p>A scope needs a running loop and a current task; it is used on the loop thread only. States as asyncio's:
 * created, entered, expiring (the deadline fired, the cancellation is on its way), expired, exited.
 */
public final class Timeout {

    private enum State { CREATED, ENTERED, EXPIRING, EXPIRED, EXITED }

    private State state = State.CREATED;
    /** The deadline on the loop's clock, when {@link #hasDeadline}. */
    private long deadline;
    private boolean hasDeadline;
    private Task<?> task;
    private int cancellingOnEntry;
    private TimerHandle timer;
    /** The delay last given ({@link #after}, {@link #reschedule}), or -1 when a deadline was given instead. */
    private long delayNanos = -1;
    /** When the scope was entered, on the loop's clock. */
    private long enteredAt;
    /** What runs the scope when it is not entered by hand: "Timeout.within", "Futures.waitFor"; or null. */
    private String origin;
    /** Set when the deadline fires: the sentence the TimeoutException says, naming what expired and where. */
    private String expiry;

    private Timeout(boolean hasDeadline, long deadline) {
        this.hasDeadline = hasDeadline;
        this.deadline = deadline;
    }

    /**
     * A scope (not entered yet) whose deadline is {@code delay} from now; {@code null} means no deadline, which
     * {@link #reschedule} can set later.
     */
    public static Timeout after(Duration delay) {
        if (delay == null) {
            return new Timeout(false, 0L);
        }
        Timeout t = new Timeout(true, deadlineAfter(EventLoop.running(), delay));
        t.delayNanos = nanosOf(delay);
        return t;
    }

    /** A scope (not entered yet) whose deadline is {@code deadline}, a value of {@link EventLoop#time()}. */
    public static Timeout at(long deadline) {
        return new Timeout(true, deadline);
    }

    /** A scope (not entered yet) with no deadline, as asyncio's {@code timeout(None)}. */
    public static Timeout never() {
        return new Timeout(false, 0L);
    }

    /**
     * Enters the scope in the current task and starts its timer.
     *
     * @return this scope
     * @throws IllegalStateException when entered before, or called outside a task
     */
    public Timeout enter() {
        Task<?> current = Task.current();
        if (current == null) {
            throw new IllegalStateException("A Timeout is entered inside a task (an @Async method running on a loop)");
        }
        return enter(current);
    }

    Timeout enter(Task<?> owner) {
        if (state != State.CREATED) {
            throw new IllegalStateException("Timeout has already been entered");
        }
        if (owner.isDone()) {
            throw new IllegalStateException("Cannot enter a Timeout in " + owner + ": it is done");
        }
        task = owner;
        cancellingOnEntry = owner.cancelling();
        enteredAt = EventLoop.running().time();
        state = State.ENTERED;
        schedule();
        return this;
    }

    /**
     * Moves the deadline to {@code delay} from now ({@code null}: no deadline). A deadline already past fires on
     * the loop's next turn.
     *
     * @throws IllegalStateException when the scope is not entered, or has expired or exited
     */
    public void reschedule(Duration delay) {
        checkEntered();
        if (delay == null) {
            hasDeadline = false;
        } else {
            hasDeadline = true;
            deadline = deadlineAfter(EventLoop.running(), delay);
            delayNanos = nanosOf(delay);
        }
        schedule();
    }

    /** As {@link #reschedule(Duration)}, to {@code deadline}, a value of {@link EventLoop#time()}. */
    public void rescheduleAt(long deadline) {
        checkEntered();
        this.hasDeadline = true;
        this.deadline = deadline;
        this.delayNanos = -1;
        schedule();
    }

    /** The deadline on the loop's clock ({@link EventLoop#time()}), or empty for none. */
    public OptionalLong when() {
        return hasDeadline ? OptionalLong.of(deadline) : OptionalLong.empty();
    }

    /** True once the deadline has fired (the task was cancelled by this scope). */
    public boolean expired() {
        return state == State.EXPIRING || state == State.EXPIRED;
    }

    /**
     * Leaves the scope after its body completed normally: stops the timer. A body that caught the cancellation
     * of an expired scope and went on leaves normally too, as in asyncio; the request is taken back.
     */
    public void exit() {
        close();
    }

    /**
     * Leaves the scope after its body threw {@code thrown}, and throws what the scope's caller should see: a
     * {@link TimeoutException} (whose cause is {@code thrown}) when {@code thrown} is a
     * {@link CancellationException} that this scope's deadline caused, else {@code thrown} itself. Declared to
     * return an exception so the call reads {@code throw timeout.exit(e);}; it never returns.
     *
     * @param thrown what the body threw; not null
     */
    public RuntimeException exit(Throwable thrown) {
        Objects.requireNonNull(thrown, "thrown");
        if (close() && thrown instanceof CancellationException) {
            TimeoutException timeout = new TimeoutException("Timed out: " + expiry);
            timeout.initCause(thrown);
            throw Future.<RuntimeException>sneakyThrow(timeout);
        }
        throw Future.<RuntimeException>sneakyThrow(thrown);
    }

    /** Stops the timer and exits; true when the deadline fired and no other cancellation request is pending. */
    private boolean close() {
        if (state == State.CREATED) {
            throw new IllegalStateException("Timeout has not been entered");
        }
        if (state == State.EXITED || state == State.EXPIRED) {
            throw new IllegalStateException("Timeout has already been exited");
        }
        cancelTimer();
        if (state == State.EXPIRING) {
            state = State.EXPIRED;
            return task.uncancel() <= cancellingOnEntry;
        }
        state = State.EXITED;
        return false;
    }

    /**
     * Runs {@code body} (an async lambda) under a deadline {@code delay} from now, as
     * {@code async with asyncio.timeout(delay): return await body()}.
     *
     * <pre>{@code
     * int n = await(Timeout.within(Duration.ofMillis(100), () -> {
     *     await(Tasks.sleep(Duration.ofMillis(10)));
     *     return Task.completed(42);
     * }));
     * }</pre>
     *
     * @param delay the time allowed; {@code null} for none
     * @return a task with the body's outcome, failed with {@link TimeoutException} when the deadline passed
     *     first (the body having been cancelled), or cancelled when it was cancelled from outside
     */
    public static <T> Task<T> within(Duration delay, Supplier<? extends Task<T>> body) {
        Objects.requireNonNull(body, "body");
        return start(after(delay), body, "Timeout.within");
    }

    /** As {@link #within(Duration, Supplier)}, with the deadline at {@code deadline} ({@link EventLoop#time()}). */
    public static <T> Task<T> withinAt(long deadline, Supplier<? extends Task<T>> body) {
        Objects.requireNonNull(body, "body");
        return start(at(deadline), body, "Timeout.withinAt");
    }

    /**
     * The task that enters {@code scope}, starts the body, awaits it and exits: what {@code within} returns.
     *
     * @param origin the API the caller used, for the TimeoutException's message
     */
    static <T> Task<T> start(Timeout scope, Supplier<? extends Future<T>> body, String origin) {
        EventLoop.running(); // a timeout needs a loop: fail here, not in the task
        scope.origin = origin;
        return Task.start(new ScopedBody<>(scope, body));
    }

    /** {@code enter; try { return await body(); } catch (e) { throw exit(e); }}, as a hand-written coroutine. */
    private static final class ScopedBody<T> implements Coroutine<T> {
        private final Timeout scope;
        private Supplier<? extends Future<T>> body;
        private boolean started;

        ScopedBody(Timeout scope, Supplier<? extends Future<T>> body) {
            this.scope = scope;
            this.body = body;
        }

        @Override
        public Object step(Task<T> task, Object sent, Throwable thrown) throws Throwable {
            if (!started) {
                started = true;
                if (thrown != null) {
                    throw thrown;
                }
                scope.enter(task);
                Future<T> inner;
                try {
                    inner = Objects.requireNonNull(body.get(), "the body returned null instead of a future");
                } catch (Throwable e) {
                    throw scope.exit(e);
                } finally {
                    body = null;
                }
                if (!inner.isDone()) {
                    return task.suspendOn(inner);
                }
                try {
                    sent = inner.result();
                } catch (Throwable e) {
                    thrown = e;
                }
            }
            if (thrown != null) {
                throw scope.exit(thrown);
            }
            scope.exit();
            return sent;
        }

        @Override
        public String toString() {
            return "within " + scope;
        }
    }

    // ------------------------------------------------------------------------------------------ internals

    private void checkEntered() {
        if (state != State.ENTERED) {
            throw new IllegalStateException(state == State.CREATED ? "Timeout has not been entered"
                    : "Cannot change the deadline of a Timeout that is " + state.name().toLowerCase());
        }
    }

    private void schedule() {
        cancelTimer();
        if (hasDeadline) {
            timer = EventLoop.running().callAt(deadline, this::onDeadline);
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private void onDeadline() {
        timer = null;
        if (state != State.ENTERED) {
            return;
        }
        state = State.EXPIRING;
        expiry = describeExpiry();
        task.cancel("Timeout: " + expiry);
    }

    /**
     * Which delay expired, where the scope was entered and where the work was waiting when it did, read from the
     * tasks now (once per expiry): "the 500 ms timeout entered in demo.Main.twoSteps expired while awaiting at
     * demo.Main.fetch(Main.java:55)", or for {@code within}: "the 2 s timeout of Timeout.within awaited at
     * demo.Main.firstPage(Main.java:30) expired while awaiting at demo.Main.fetch(Main.java:55)".
     */
    private String describeExpiry() {
        long delay = delayNanos >= 0 ? delayNanos : deadline - enteredAt;
        StringBuilder b = new StringBuilder("the ").append(formatDelay(delay)).append(" timeout");
        if (origin != null) {
            b.append(" of ").append(origin);
            Task<?> caller = task.firstAwaiter();
            StackTraceElement at = caller == null ? null : Task.siteOf(caller);
            if (at != null) {
                b.append(" awaited at ").append(at);
            }
        } else {
            StackTraceElement in = Task.siteOf(task);
            if (in != null) {
                b.append(" entered in ").append(in.getClassName()).append('.').append(in.getMethodName());
            }
        }
        b.append(" expired");
        java.util.List<StackTraceElement> waiting = task.asyncStackTrace();
        if (!waiting.isEmpty()) {
            b.append(" while awaiting at ").append(waiting.get(0));
        }
        return b.toString();
    }

    /** A delay as people write it: "500 ms", "2 s", "1.5 s", "250 µs", "3 min". */
    static String formatDelay(long nanos) {
        if (nanos < 1_000_000L) {
            return trim(nanos / 1_000.0) + " µs";
        }
        if (nanos < 1_000_000_000L) {
            return trim(nanos / 1_000_000.0) + " ms";
        }
        if (nanos < 60_000_000_000L) {
            return trim(nanos / 1_000_000_000.0) + " s";
        }
        return trim(nanos / 60_000_000_000.0) + " min";
    }

    private static String trim(double v) {
        String s = String.format(java.util.Locale.ROOT, "%.3f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static long nanosOf(Duration delay) {
        try {
            return Math.max(0L, delay.toNanos());
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 2;
        }
    }

    private static long deadlineAfter(EventLoop loop, Duration delay) {
        long nanos;
        try {
            nanos = Math.max(0L, delay.toNanos());
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE / 2;
        }
        return loop.time() + Math.min(nanos, Long.MAX_VALUE / 2);
    }

    @Override
    public String toString() {
        String when;
        if (!hasDeadline) {
            when = "no deadline";
        } else {
            EventLoop l = task != null ? task.loop : EventLoop.runningOrNull();
            long left = deadline - (l != null ? l.time() : System.nanoTime()); // the loop's clock: virtual or not
            String delay = delayNanos >= 0 ? formatDelay(delayNanos) + ", " : "";
            when = delay + (left >= 0 ? "deadline in " + formatDelay(left)
                    : "deadline passed " + formatDelay(-left) + " ago");
        }
        return "Timeout[" + state.name().toLowerCase(java.util.Locale.ROOT) + ", " + when + "]";
    }
}
