package dev.weft.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Operators on {@link AsyncIterator}s: sources ({@link #of}, {@link #fromIterable}, {@link #fromQueue}),
 * intermediate operators ({@link #map}, {@link #mapAsync}, {@link #filter}, {@link #take}, {@link #timeout}) and
 * terminal operations ({@link #toList}, {@link #forEach}, {@link #forEachAsync}), in the spirit of Kotlin Flow's
 * operators and of the async generators one writes for them in asyncio.
 *
 * <pre>{@code
 * @Async
 * static Task<List<String>> firstErrors(Connection c) {
 *     AsyncIterator<String> lines = c.reader().lines(UTF_8);
 *     AsyncIterator<String> errors = AsyncIterators.filter(lines, l -> l.startsWith("ERROR"));
 *     return AsyncIterators.toList(AsyncIterators.take(errors, 10));   // closes the chain when done
 * }
 * }</pre>
 *
 * <p><b>Three guarantees</b>, for every intermediate operator:
 * <ul>
 *   <li><b>Lazy.</b> Making an operator asks nothing of upstream; each {@code hasNext()} asks upstream for as many
 *       items as it needs for one answer (filter: until one passes), no more. Like a Kotlin Flow, nothing runs
 *       before someone consumes.</li>
 *   <li><b>Cancellation-safe.</b> Cancelling the future of a pending {@code hasNext()} (the consumer's task
 *       cancelled while it waits) cancels what the operator waits on: upstream's pending {@code hasNext()}, which
 *       passes it on to the source's {@code await}, or the function of {@link #mapAsync}. The operator is then
 *       at its end, upstream closed.</li>
 *   <li><b>Closing.</b> {@code close()} closes upstream, and its future is done after upstream's close future,
 *       failed with upstream's close failure if any. Every other way out closes upstream too, once: the end, a
 *       failure of upstream or of the function, and {@link #take}'s count reached. So a generator's
 *       {@code finally} blocks run exactly once, whoever stops it.</li>
 * </ul>
 *
 * <p>Each intermediate operator is an {@link AsyncGenerator} whose body is a hand-written coroutine, so it has the
 * generator's order: its body runs inside the consumer's {@code hasNext()} as far as it can without waiting, and
 * when a source waits, the whole chain answers in the step in which the source emits, as a chain of asyncio async
 * generators does. Items that need no waiting cost no turn of the loop, and no stack: a million items through a
 * chain run in constant stack depth.
 *
 * <p><b>Failures</b> arrive at the consumer's {@code await(it.hasNext())} as the original exception, unwrapped,
 * through any number of operators: upstream's, or the exception a function or predicate threw (upstream is closed
 * first). The terminal operations' tasks fail with it in the same way.
 *
 * <p><b>Items may be null</b> wherever {@link AsyncIterator} allows it: operators pass {@code null} to the
 * function or predicate, and on.
 *
 * <p>Like iterators themselves, operators belong to one event loop and are used on its thread; {@link #timeout}
 * needs a running loop for its timer.
 */
public final class AsyncIterators {
    private AsyncIterators() {
    }

    // ------------------------------------------------------------------------------------------ sources

    /**
     * The given items, in order: a ready-made source, each answer done at once.
     *
     * <pre>{@code
     * List<Integer> squares = await(AsyncIterators.toList(AsyncIterators.map(AsyncIterators.of(1, 2, 3), x -> x * x)));
     * }</pre>
     *
     * @param items the items, copied now; {@code null} items are allowed
     * @param <T> the item type
     * @return an iterator over them
     */
    @SafeVarargs
    public static <T> AsyncIterator<T> of(T... items) {
        return new IterSource<>(Arrays.asList(items.clone()));
    }

    /**
     * The items of {@code items}, in its iteration order; its {@code iterator()} is called at the first
     * {@code hasNext()}, and an exception from it fails that {@code hasNext()}. Each answer is done at once.
     *
     * @param items the items; {@code null} items are allowed
     * @param <T> the item type
     * @return an iterator over them
     */
    public static <T> AsyncIterator<T> fromIterable(Iterable<? extends T> items) {
        return new IterSource<>(items);
    }

    /**
     * The items of {@code queue}, each taken with {@link Queue#get()} when the consumer asks for it (waiting while
     * the queue is empty); the iterator ends when the queue is {@linkplain Queue#shutdown() shut down} and empty,
     * as asyncio 3.13's consumer loop {@code while True: try: x = await q.get() except QueueShutDown: break}.
     * {@code close()} takes nothing more from the queue, and cancelling a pending {@code hasNext()} loses no item.
     * The queue is not shut down by closing.
     *
     * <pre>{@code
     * Queue<Job> jobs = new Queue<>();
     * Task<Void> producer = produce(jobs);                    // puts, then jobs.shutdown()
     * await(AsyncIterators.forEachAsync(AsyncIterators.fromQueue(jobs), job -> run(job)));
     * }</pre>
     *
     * @param queue the queue; {@code null} items are passed on as any other
     * @param <T> the item type
     * @return an iterator taking from it
     */
    public static <T> AsyncIterator<T> fromQueue(Queue<T> queue) {
        return AsyncGenerator.of(new IterQueueSource<>(queue));
    }

    // ------------------------------------------------------------------------------------------ intermediate

    /**
     * Each item of {@code it} passed through {@code function}, as Kotlin Flow's {@code map} (a synchronous
     * function; for an async one, {@link #mapAsync}). The function runs when the item is asked for; when it
     * throws, upstream is closed and the exception arrives at the consumer's {@code await(hasNext())}.
     *
     * @param it upstream
     * @param function applied to each item (to {@code null} items too); may return {@code null}
     * @param <T> upstream's item type
     * @param <R> the item type
     * @return a lazy iterator; see the class documentation for cancelling and closing
     */
    public static <T, R> AsyncIterator<R> map(AsyncIterator<T> it, Function<? super T, ? extends R> function) {
        Objects.requireNonNull(function, "function");
        return AsyncGenerator.of(new IterPump<T, R>(it) {
            @Override
            Object onItem(T x) {
                return function.apply(x);
            }

            @Override
            public String toString() {
                return "map(" + upstream + ")";
            }
        });
    }

    /**
     * Each item of {@code it} passed through an async {@code function} (an {@code @Async} method, say), one at a
     * time: the next item is asked of upstream only once the previous item's stage is done, as Kotlin Flow's
     * {@code map} with a suspending lambda. A failed stage fails the consumer's {@code await(hasNext())} with its
     * exception, upstream closed. Cancelling a pending {@code hasNext()} while the stage runs cancels it when it is
     * a {@link Future} or a {@code java.util.concurrent.Future} (a {@link Task}: at its {@code await}).
     *
     * <pre>{@code
     * AsyncIterator<User> users = AsyncIterators.mapAsync(ids, id -> fetchUser(id));   // @Async Task<User> fetchUser
     * }</pre>
     *
     * @param it upstream
     * @param function gives each item's stage, never {@code null}; its result may be {@code null}
     * @param <T> upstream's item type
     * @param <R> the item type
     * @return a lazy iterator; see the class documentation for cancelling and closing
     */
    public static <T, R> AsyncIterator<R> mapAsync(AsyncIterator<T> it,
            Function<? super T, ? extends CompletionStage<? extends R>> function) {
        Objects.requireNonNull(function, "function");
        return AsyncGenerator.of(new IterPump<T, R>(it) {
            @Override
            Object onItem(T x) {
                return function.apply(x);
            }

            @Override
            boolean isAsync() {
                return true;
            }

            @Override
            public String toString() {
                return "mapAsync(" + upstream + ")";
            }
        });
    }

    /**
     * The items of {@code it} for which {@code predicate} is true, as Kotlin Flow's {@code filter}. One
     * {@code hasNext()} asks upstream for items until one passes (or the end), in one step while upstream's answers
     * are done at once. When the predicate throws, upstream is closed and the exception arrives at the consumer.
     *
     * @param it upstream
     * @param predicate tested on each item (on {@code null} items too)
     * @param <T> the item type
     * @return a lazy iterator; see the class documentation for cancelling and closing
     */
    public static <T> AsyncIterator<T> filter(AsyncIterator<T> it, Predicate<? super T> predicate) {
        Objects.requireNonNull(predicate, "predicate");
        return AsyncGenerator.of(new IterPump<T, T>(it) {
            @Override
            Object onItem(T x) {
                return predicate.test(x) ? x : SKIP;
            }

            @Override
            public String toString() {
                return "filter(" + upstream + ")";
            }
        });
    }

    /**
     * The first {@code n} items of {@code it}, as Kotlin Flow's {@code take}.
     *
     * <p><b>When upstream is closed.</b> As soon as the {@code n}-th item has come from upstream, before it is
     * handed on: take closes upstream itself, awaits that, then answers {@code true} with the item; the next
     * {@code hasNext()} gives {@code false}. So the producer's {@code finally} blocks have run by the time the
     * consumer holds the last item, even if it never asks again nor closes, as Kotlin's {@code take} cancels its
     * upstream once the last item is emitted. A failure of that closing is not lost: the item is still handed on,
     * and the next {@code hasNext()} (or {@code close()}) fails with it. With {@code n == 0} upstream is never
     * started: the first {@code hasNext()} closes it (an {@link AsyncGenerator} not started runs nothing) and
     * gives {@code false}.
     *
     * @param it upstream
     * @param n how many items, {@code >= 0}
     * @param <T> the item type
     * @return a lazy iterator; see the class documentation for cancelling and closing
     * @throws IllegalArgumentException when {@code n < 0}
     */
    public static <T> AsyncIterator<T> take(AsyncIterator<T> it, long n) {
        if (n < 0) {
            throw new IllegalArgumentException("take(" + n + "): the count must be >= 0");
        }
        return AsyncGenerator.of(new IterPump<T, T>(it) {
            private long taken;

            @Override
            boolean wantsMore() {
                return taken < n;
            }

            @Override
            Object onItem(T x) {
                return x;
            }

            @Override
            boolean isLast() {
                return ++taken == n;
            }

            @Override
            public String toString() {
                return "take(" + upstream + ", " + n + ")";
            }
        });
    }

    /**
     * The items of {@code it}, each within {@code perItem}: when upstream's answer to one {@code hasNext()} takes
     * longer, its pending {@code hasNext()} is cancelled (which cancels the source at its {@code await}, so its
     * {@code finally} blocks run), upstream is closed and the close awaited, and then the consumer's
     * {@code await(hasNext())} fails with a {@link TimeoutException}, the exception {@link Timeout} and
     * {@link Futures#waitFor} give; the iterator is then at its end. Kotlin Flow's {@code timeout} bounds the whole
     * flow; this bounds each item, as asyncio's {@code async with timeout(t): x = await anext(it)} in a loop. An
     * answer that is done at once never times out. Only upstream's wait is timed, from the moment this operator
     * asks it for the item.
     *
     * <pre>{@code
     * AsyncIterator<String> lines = AsyncIterators.timeout(c.reader().lines(UTF_8), Duration.ofSeconds(30));
     * }</pre>
     *
     * @param it upstream
     * @param perItem the time each item may take, {@code >= 0}
     * @param <T> the item type
     * @return a lazy iterator; see the class documentation for cancelling and closing. Its {@code hasNext()} needs
     *     a running loop (for the timer) when upstream's answer is pending, and fails with
     *     {@link IllegalStateException} without one
     * @throws IllegalArgumentException when {@code perItem} is negative
     */
    public static <T> AsyncIterator<T> timeout(AsyncIterator<T> it, Duration perItem) {
        Objects.requireNonNull(perItem, "perItem");
        if (perItem.isNegative()) {
            throw new IllegalArgumentException("timeout(" + perItem + "): the time per item must be >= 0");
        }
        return AsyncGenerator.of(new IterPump<T, T>(it) {
            private TimerHandle timer;
            private boolean expired;

            @Override
            Future<Boolean> ask(Task<Void> task) {
                Future<Boolean> f = upstream.hasNext();
                if (!f.isDone()) {
                    expired = false;
                    timer = EventLoop.running().callLater(perItem, () -> {
                        timer = null;
                        expired = true; // before cancel(): whatever runs inside it sees the expiry
                        if (!f.cancel("AsyncIterators.timeout: no item within " + perItem)) {
                            expired = false; // answered meanwhile
                        }
                    });
                }
                return f;
            }

            @Override
            Throwable answered(Task<Void> task, Throwable thrown) {
                TimerHandle t = timer;
                if (t != null) {
                    timer = null;
                    t.cancel();
                }
                if (expired && thrown instanceof CancellationException && task.cancelling() == 0) {
                    expired = false;
                    return new TimeoutException("Timed out: no item from " + upstream + " within "
                            + perItem.toMillis() + " ms (AsyncIterators.timeout)");
                }
                expired = false;
                return thrown;
            }

            @Override
            Object onItem(T x) {
                return x;
            }

            @Override
            public String toString() {
                return "timeout(" + upstream + ", " + perItem + ")";
            }
        });
    }

    // ------------------------------------------------------------------------------------------ terminal

    /**
     * Every item of {@code it}, in a list, as Kotlin Flow's {@code toList}: a task that starts asking now and is
     * done at the end. The iterator is closed at the end, on a failure and when the task is cancelled (the close
     * awaited before the task ends); a failure of the iterator fails the task with that exception, unwrapped.
     *
     * <pre>{@code
     * List<String> all = await(AsyncIterators.toList(c.reader().lines(UTF_8)));
     * }</pre>
     *
     * @param it the iterator, consumed and closed
     * @param <T> the item type
     * @return a task done with the items (a mutable list, which may hold {@code null} items)
     */
    public static <T> Task<List<T>> toList(AsyncIterator<T> it) {
        List<T> items = new ArrayList<>();
        return Task.start(new IterDrain<T, List<T>>("toList", it, items::add, false, items));
    }

    /**
     * Runs {@code action} on every item of {@code it}, as Kotlin Flow's {@code collect}: a task that starts
     * asking now and is done at the end. When the action throws, the iterator is closed and the task fails with
     * that exception; the iterator is closed at the end, on its own failure and when the task is cancelled too, the
     * close awaited before the task ends.
     *
     * <pre>{@code
     * await(AsyncIterators.forEach(c.reader().lines(UTF_8), System.out::println));
     * }</pre>
     *
     * @param it the iterator, consumed and closed
     * @param action run on each item, in order
     * @param <T> the item type
     * @return a task done (with {@code null}) at the end
     */
    public static <T> Task<Void> forEach(AsyncIterator<T> it, Consumer<? super T> action) {
        Objects.requireNonNull(action, "action");
        return Task.start(new IterDrain<T, Void>("forEach", it, x -> {
            action.accept(x);
            return null;
        }, false, null));
    }

    /**
     * Runs an async {@code action} (an {@code @Async} method, say) on every item of {@code it}, one at a time: the
     * next item is asked for once the previous item's stage is done, as Kotlin Flow's {@code collect} with a
     * suspending lambda. A failed stage fails the task with its exception, the iterator closed. Cancelling the
     * task cancels the stage it waits on (or the iterator's pending {@code hasNext()}) and closes the iterator.
     *
     * <pre>{@code
     * await(AsyncIterators.forEachAsync(AsyncIterators.fromQueue(jobs), job -> handle(job)));  // @Async Task<Void> handle
     * }</pre>
     *
     * @param it the iterator, consumed and closed
     * @param action gives each item's stage, never {@code null}
     * @param <T> the item type
     * @return a task done (with {@code null}) at the end
     */
    public static <T> Task<Void> forEachAsync(AsyncIterator<T> it,
            Function<? super T, ? extends CompletionStage<?>> action) {
        Objects.requireNonNull(action, "action");
        return Task.start(new IterDrain<T, Void>("forEachAsync", it, action::apply, true, null));
    }
}
