package dev.weft.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Combining futures, as asyncio's module functions do: {@link #gather}, {@link #shield}, {@link #waitFor},
 * {@link #wait}, {@link #asCompleted}. Each returns a future to {@code await}; all are used on a loop's thread.
 *
 * <pre>{@code
 * @Async
 * static Task<Integer> total() {
 *     List<Integer> parts = await(Futures.gather(fetch(1), fetch(2), fetch(3)));   // results in order
 *     int fast = await(Futures.waitFor(fetch(4), Duration.ofSeconds(1)));        // TimeoutException after 1 s
 *     return Task.completed(parts.stream().mapToInt(i -> i).sum() + fast);
 * }
 * }</pre>
 *
 * <p>For a deadline around a block of async code use {@link Timeout}; to run tasks that live and fail together
 * use {@link TaskGroup}.
 */
public final class Futures {
    private Futures() {
    }

    // ------------------------------------------------------------------------------------------ gather

    /**
     * The results of {@code futures}, in argument order, as asyncio's {@code gather(*fs)}.
     *
     * <p>The first future to fail fails the result with its exception (a cancelled one with its
     * {@code CancellationException}: the result fails with it, it is not {@linkplain Future#isCancelled()
     * cancelled}); the others keep running. Cancelling the returned future cancels every future still pending, and
     * the result then fails with a {@code CancellationException} as they finish; a task awaiting it gets that
     * exception and, if it lets it out, ends cancelled. As asyncio 3.13, the returned future never ends cancelled
     * itself, and {@code cancel()} returns {@code false}, doing nothing, when no child could be cancelled any more
     * (they are all done, and the result is about to be set).
     *
     * <pre>{@code
     * List<String> pages = await(Futures.gather(fetch("a"), fetch("b")));
     * }</pre>
     */
    @SafeVarargs
    public static <T> Future<List<T>> gather(Future<? extends T>... futures) {
        return gather(List.of(futures));
    }

    /** As {@link #gather(Future[])}, for a list. */
    public static <T> Future<List<T>> gather(List<? extends Future<? extends T>> futures) {
        @SuppressWarnings("unchecked")
        Future<List<T>> g = (Future<List<T>>) (Future<?>) new Gathering(futures, false);
        return g;
    }

    /**
     * As {@code asyncio.gather(*fs, return_exceptions=...)}: with {@code returnExceptions}, a future that failed
     * puts its exception in the list (a cancelled one, its {@code CancellationException}) and the result never
     * fails because of a child; but cancelling the returned future itself still fails it with a
     * {@code CancellationException}, once every child has finished. Without it, as {@link #gather(List)}.
     *
     * <pre>{@code
     * List<Object> outcomes = await(Futures.gather(List.of(ok(), boom()), true));   // [1, IOException]
     * }</pre>
     */
    public static Future<List<Object>> gather(List<? extends Future<?>> futures, boolean returnExceptions) {
        return new Gathering(futures, returnExceptions);
    }

    /**
     * The future {@code gather} returns: it cancels its children when cancelled, and fails (never ends cancelled)
     * with a {@code CancellationException}, as asyncio's {@code _GatheringFuture}.
     */
    private static final class Gathering extends Future<List<Object>> implements Consumer<Future<?>> {
        private final List<Future<?>> children;
        private final boolean returnExceptions;
        private int finished;
        /** Set when cancel() was asked while children were pending; the message, or "" for none. */
        private String cancelRequested;

        Gathering(List<? extends Future<?>> futures, boolean returnExceptions) {
            this.children = List.copyOf(futures);
            this.returnExceptions = returnExceptions;
            if (children.isEmpty()) {
                super.tryComplete(List.of());
                return;
            }
            // as asyncio 3.12+: children already done are taken at once, in order, after the pending ones have
            // their callbacks; when all are done, the gather is done before it is returned (awaiting it does not
            // suspend)
            List<Future<?>> done = null;
            for (Future<?> child : children) {
                if (child.isDone()) {
                    if (done == null) {
                        done = new ArrayList<>();
                    }
                    done.add(child);
                } else {
                    child.addCallback(this);
                }
            }
            if (done != null) {
                for (Future<?> child : done) {
                    accept(child);
                }
            }
        }

        @Override
        public void accept(Future<?> child) {
            finished++;
            if (isDone()) {
                if (child.isFailed()) {
                    child.retrieved(); // as asyncio's gather: the gather took charge of its children's outcomes
                }
                return;
            }
            if (!returnExceptions && !child.isCancelled() && child.exception() != null) {
                tryFail(child.exception());
                return;
            }
            if (!returnExceptions && child.isCancelled()) {
                tryFail(child.cancellationException());
                return;
            }
            if (finished < children.size()) {
                return;
            }
            if (cancelRequested != null) {
                tryFail(new CancellationException(messageOf(cancelRequested)));
                return;
            }
            List<Object> results = new ArrayList<>(children.size());
            for (Future<?> f : children) {
                results.add(f.isCancelled() ? f.cancellationException() : f.exception() != null ? f.exception() : f.result());
            }
            tryComplete(Collections.unmodifiableList(results));
        }

        /**
         * Cancels the children still pending; this future fails with a CancellationException once they have
         * finished. False, and nothing done, when no child was cancelled.
         */
        @Override
        public boolean cancel(String message) {
            if (isDone()) {
                return refuseCancelWhenDone();
            }
            boolean any = false;
            for (Future<?> child : children) {
                any |= child.cancel(message);
            }
            if (!any) {
                return false;
            }
            cancelRequested = message == null ? "" : message;
            return true;
        }

        private static String messageOf(String requested) {
            return requested.isEmpty() ? null : requested;
        }
    }


    // ------------------------------------------------------------------------------------------ shield

    /**
     * A future with the outcome of {@code future} that can be cancelled without cancelling {@code future}, as
     * asyncio's {@code shield}: a task awaiting it that is cancelled gets its CancellationException at once, while
     * the shielded work goes on. A future already done is returned as is.
     *
     * <pre>{@code
     * Task<Void> save = saveToDisk();
     * await(Futures.shield(save));   // if the caller is cancelled here, the save still completes
     * }</pre>
     */
    public static <T> Future<T> shield(Future<T> future) {
        Objects.requireNonNull(future, "future");
        if (future.isDone()) {
            return future;
        }
        Future<T> outer = new Future<>();
        Consumer<Future<T>> innerDone = inner -> {
            if (!outer.isDone()) {
                outer.copyOutcomeOf(inner);
            }
        };
        future.addDoneCallback(innerDone);
        outer.addDoneCallback(o -> {
            if (!future.isDone()) {
                future.removeDoneCallback(innerDone);
            }
        });
        return outer;
    }

    // ------------------------------------------------------------------------------------------ waitFor

    /**
     * The result of {@code future}, or a {@link TimeoutException} once {@code timeout} has passed, as asyncio's
     * {@code wait_for} (since Python 3.12, {@code async with timeout(t): return await future}): on timeout the
     * future is cancelled and, when it is a task, awaited until it has finished unwinding; then the returned task
     * fails with {@code TimeoutException}. Cancelling the returned task cancels {@code future}.
     *
     * <pre>{@code
     * String reply = await(Futures.waitFor(ask(server), Duration.ofSeconds(5)));
     * }</pre>
     *
     * @param timeout the time allowed; {@code null} waits without limit
     */
    public static <T> Task<T> waitFor(Future<T> future, Duration timeout) {
        Objects.requireNonNull(future, "future");
        return Timeout.start(Timeout.after(timeout), () -> future, "Futures.waitFor");
    }

    // ------------------------------------------------------------------------------------------ wait

    /** When {@link #wait} returns, as asyncio's {@code FIRST_COMPLETED}, {@code FIRST_EXCEPTION}, {@code ALL_COMPLETED}. */
    public enum ReturnWhen {
        /** When any future is done (or cancelled). */
        FIRST_COMPLETED,
        /** When any future fails (cancellation does not count), or all are done. */
        FIRST_EXCEPTION,
        /** When all futures are done. */
        ALL_COMPLETED
    }

    /**
     * What {@link #wait} returns: the futures that were done, and those still pending, each in argument order.
     *
     * @param <F> the future type
     */
    public record DoneAndPending<F extends Future<?>>(Set<F> done, Set<F> pending) {
    }

    /** As {@link #wait(List, ReturnWhen, Duration)} with no timeout. */
    public static <F extends Future<?>> Future<DoneAndPending<F>> wait(List<F> futures, ReturnWhen returnWhen) {
        return wait(futures, returnWhen, null);
    }

    /**
     * Waits for {@code futures} as asyncio's {@code wait}: the returned future completes with the done and the
     * pending ones once {@code returnWhen} is met or {@code timeout} has passed. It never fails because of a
     * future, and cancels none, on timeout or when cancelled itself. As in asyncio, the futures are sorted into
     * done and pending when the awaiting task resumes (one that finished meanwhile is done), and a condition met
     * at the call still completes the future through the loop, a turn later, as from any completion.
     *
     * <pre>{@code
     * var r = await(Futures.wait(List.of(a, b, c), Futures.ReturnWhen.FIRST_COMPLETED, Duration.ofSeconds(1)));
     * for (Task<String> t : r.pending()) t.cancel();
     * }</pre>
     *
     * @param timeout {@code null} for none
     * @throws IllegalArgumentException when {@code futures} is empty, as asyncio
     */
    public static <F extends Future<?>> Future<DoneAndPending<F>> wait(List<F> futures, ReturnWhen returnWhen,
                                                                        Duration timeout) {
        Objects.requireNonNull(returnWhen, "returnWhen");
        List<F> all = List.copyOf(futures);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("wait() needs at least one future");
        }
        Waiting<F> result = new Waiting<>(all);
        Runnable finish = () -> result.tryComplete(Waiting.split(all));
        int[] left = {0};
        boolean met = false;
        for (F f : all) {
            if (!f.isDone()) {
                left[0]++;
            } else if (returnWhen == ReturnWhen.FIRST_COMPLETED
                    || returnWhen == ReturnWhen.FIRST_EXCEPTION && failed(f)) {
                met = true;
            }
        }
        if (met || left[0] == 0) {
            // met already: asyncio still hears of it through a done-callback, a turn later, so the waiting task
            // resumes two turns on, as from any completion (and sorts the futures then)
            EventLoop loop = EventLoop.runningOrNull();
            if (loop == null) {
                finish.run();
            } else {
                loop.callSoon(finish);
            }
            return result;
        }
        Consumer<Future<?>> onDone = f -> {
            left[0]--;
            if (result.isDone()) {
                return;
            }
            if (left[0] == 0 || returnWhen == ReturnWhen.FIRST_COMPLETED
                    || returnWhen == ReturnWhen.FIRST_EXCEPTION && failed(f)) {
                finish.run();
            }
        };
        for (F f : all) {
            if (!f.isDone()) {
                f.addCallback(onDone);
            }
        }
        TimerHandle timer = timeout == null ? null : EventLoop.running().callLater(timeout, finish);
        result.addDoneCallback(r -> {
            if (timer != null) {
                timer.cancel();
            }
            for (F f : all) {
                if (!f.isDone()) {
                    f.removeCallback(onDone);
                }
            }
        });
        return result;
    }

    /**
     * The future {@link #wait} returns. asyncio's {@code wait} sorts its futures into done and pending in the
     * waiting coroutine, once it has resumed: a future that finished between the condition being met and the
     * resumption is in {@code done}. So the sets are taken again when a task resumes from this future (or its
     * value is first read by {@link #result()}), and fixed from then on; callbacks that run before see the sets as
     * they were when the condition was met.
     */
    static final class Waiting<F extends Future<?>> extends ClaimingFuture<DoneAndPending<F>> {
        private final List<F> all;
        private boolean delivered;

        Waiting(List<F> all) {
            this.all = all;
        }

        static <F extends Future<?>> DoneAndPending<F> split(List<F> all) {
            Set<F> done = new LinkedHashSet<>();
            Set<F> pending = new LinkedHashSet<>();
            for (F f : all) {
                (f.isDone() ? done : pending).add(f);
            }
            return new DoneAndPending<>(Collections.unmodifiableSet(done), Collections.unmodifiableSet(pending));
        }

        /** The sets as they are now, then fixed: called as the awaiting task resumes, or at the first read. */
        void deliver() {
            if (!delivered && state() == FINISHED) {
                delivered = true;
                outcome = split(all);
            }
        }

        /** asyncio's {@code wait()} sorts its futures in the resumed coroutine. */
        @Override
        boolean claim(Task<?> task) {
            deliver();
            return true;
        }

        @Override
        public DoneAndPending<F> result() {
            deliver();
            return super.result();
        }
    }

    private static boolean failed(Future<?> f) {
        return f.isDone() && !f.isCancelled() && f.exception() != null;
    }

    // ------------------------------------------------------------------------------------------ asCompleted

    /** As {@link #asCompleted(List, Duration)} with no timeout. */
    public static <T> List<Future<T>> asCompleted(List<? extends Future<? extends T>> futures) {
        return asCompleted(futures, null);
    }

    /**
     * Futures that complete in the order {@code futures} do, as asyncio's {@code as_completed}: the first of the
     * returned list has the outcome of the first to finish, the second of the second, and so on. After
     * {@code timeout}, those not completed yet fail with {@link TimeoutException}. Nothing is cancelled.
     *
     * <pre>{@code
     * for (Future<String> next : Futures.asCompleted(List.of(fetch("a"), fetch("b")))) {
     *     System.out.println(await(next));   // the fastest first
     * }
     * }</pre>
     *
     * @param timeout {@code null} for none
     */
    public static <T> List<Future<T>> asCompleted(List<? extends Future<? extends T>> futures, Duration timeout) {
        List<Future<? extends T>> all = List.copyOf(futures);
        List<Future<T>> slots = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) {
            slots.add(new Future<>());
        }
        int[] next = {0};
        Consumer<Future<?>> onDone = f -> {
            if (next[0] < slots.size()) {
                @SuppressWarnings("unchecked")
                Future<T> done = (Future<T>) f;
                slots.get(next[0]++).copyOutcomeOf(done);
            }
        };
        for (Future<? extends T> f : all) {
            f.addCallback(onDone);
        }
        if (timeout != null && !all.isEmpty()) {
            TimerHandle timer = EventLoop.running().callLater(timeout, () -> {
                for (Future<? extends T> f : all) {
                    if (!f.isDone()) {
                        f.removeCallback(onDone);
                    }
                }
                while (next[0] < slots.size()) {
                    slots.get(next[0]++).tryFail(new TimeoutException("as_completed: timed out after " + timeout));
                }
            });
            slots.get(slots.size() - 1).addDoneCallback(last -> timer.cancel());
        }
        return Collections.unmodifiableList(slots);
    }
}
