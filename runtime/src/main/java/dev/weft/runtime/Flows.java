package dev.weft.runtime;

import java.util.concurrent.Flow;
import java.util.function.Supplier;

/**
 * {@link java.util.concurrent.Flow} (Reactive Streams) both ways: any {@link Flow.Publisher} read in {@code @Async}
 * code as an {@link AsyncIterator}, and any {@link AsyncIterator} (an {@link AsyncGenerator}, say) served as a
 * {@link Flow.Publisher} to Reactor, RxJava, the JDK's HTTP client or any other Reactive Streams library.
 * Both sides pass the Reactive Streams TCK.
 *
 * <pre>{@code
 * // a publisher read from @Async code
 * @Async
 * static Task<Integer> sum(Flow.Publisher<Integer> numbers) {
 *     AsyncIterator<Integer> it = Flows.iterate(numbers);
 *     int total = 0;
 *     try {
 *         while (await(it.hasNext())) {
 *             total += it.next();
 *         }
 *     } finally {
 *         await(it.close());                   // cancels the subscription if we left early
 *     }
 *     return Task.completed(total);
 * }
 *
 * // a generator served to a reactive library: its body runs no further ahead than the subscriber's demand
 * Flow.Publisher<String> lines = Flows.publisher(loop, () -> AsyncGenerator.of(out -> readLines(out, file)));
 * Flux<String> flux = JdkFlowAdapter.flowPublisherToFlux(lines);
 * }</pre>
 */
public final class Flows {

    /** The prefetch of {@link #iterate(Flow.Publisher)}: items requested ahead of the consumer. */
    public static final int DEFAULT_PREFETCH = 16;

    private Flows() {
    }

    /**
     * As {@link #iterate(Flow.Publisher, int)} with a prefetch of {@value #DEFAULT_PREFETCH}.
     *
     * @param publisher the publisher to read
     * @param <T> the item type
     * @return an iterator that subscribes at its first {@code hasNext()}
     */
    public static <T> AsyncIterator<T> iterate(Flow.Publisher<? extends T> publisher) {
        return new FlowIterator<>(publisher, DEFAULT_PREFETCH);
    }

    /**
     * An {@link AsyncIterator} over the items of {@code publisher}.
     *
     * <p><b>Subscribing.</b> Nothing happens before the first {@code hasNext()}, which subscribes; it must be called
     * on a loop's thread (inside {@link EventLoop#run}, or on a {@link LoopGroup}'s loop), and the iterator is used
     * on that thread from then on. The publisher may signal on any thread: its signals are carried to the loop
     * through a lock-free queue and one wake-up at a time, and the subscription's {@code request} and
     * {@code cancel} are only called on the loop's thread.
     *
     * <p><b>Demand.</b> {@code prefetch} items are requested once subscribed; each time the consumer has taken
     * {@code ceil(prefetch / 2)} items with {@code next()}, that many more are requested. So items requested and
     * not yet taken, those buffered included, are never more than {@code prefetch}. A publisher that sends more
     * than it was asked for (against rule 1.1) is cancelled, and the iterator fails with an
     * {@link IllegalStateException}.
     *
     * <p><b>Ends.</b> {@code onComplete}: {@code hasNext()} gives {@code false} once the items before it were taken.
     * {@code onError(e)}: the items before it, then {@code hasNext()} fails with {@code e} itself, unwrapped.
     * {@link AsyncIterator#close()} cancels the subscription and drops the buffered items; its future is done at
     * once. Cancelling a pending {@code hasNext()} (as cancelling the task that awaits it does) cancels the
     * subscription too, and closes the iterator.
     *
     * <p>The subscriber follows the spec's section 2: a second {@code onSubscribe} is cancelled (rule 2.5), items
     * after a cancel are dropped (2.8), {@code onComplete} and {@code onError} are taken without a request (2.9,
     * 2.10), and a {@code null} argument throws a {@link NullPointerException} (2.13); for {@code onNext(null)} the
     * subscription then counts as cancelled and the iterator fails with that exception.
     *
     * @param publisher the publisher to read
     * @param prefetch  items requested ahead of the consumer, at least 1
     * @param <T> the item type
     * @return an iterator that subscribes at its first {@code hasNext()}
     * @throws IllegalArgumentException when {@code prefetch < 1}
     */
    public static <T> AsyncIterator<T> iterate(Flow.Publisher<? extends T> publisher, int prefetch) {
        return new FlowIterator<>(publisher, prefetch);
    }

    /**
     * As {@link #publisher(EventLoop, Supplier)} on the loop running on this thread.
     *
     * @param source makes one iterator per subscription
     * @param <T> the item type
     * @return the publisher
     * @throws IllegalStateException when no loop runs on this thread
     */
    public static <T> Flow.Publisher<T> publisher(Supplier<? extends AsyncIterator<? extends T>> source) {
        return new FlowPublisher<>(EventLoop.running(), source);
    }

    /**
     * A cold {@link Flow.Publisher}: each {@code subscribe} gets an iterator of its own from {@code source}, called
     * on {@code loop}'s thread, and reads it as far as the subscriber's demand goes.
     *
     * <p><b>Threads.</b> {@code subscribe}, {@code request} and {@code cancel} may be called from any thread; the
     * loop must be running (one of a {@link LoopGroup}'s loops, say), or be run later: the work waits in its queue
     * until then. A subscribe made once the loop is closed gets {@code onSubscribe} then {@code onError} with an
     * {@link IllegalStateException}. <b>The subscriber's methods are called on the loop's thread</b>, one at a time,
     * and must not block: a blocking subscriber stops the loop, the generator feeding it included.
     *
     * <p><b>Demand.</b> The iterator's {@code hasNext()} is asked only while the subscriber's demand is above zero,
     * so an {@link AsyncGenerator}'s body is never more than the requested items ahead: it waits at the emit of the
     * last one requested. Demand adds up across {@code request} calls and saturates at {@code Long.MAX_VALUE}, which
     * means unbounded (rule 3.17); an unbounded demand on a source that never waits hands out 256 items per turn of
     * the loop, so the loop's other work goes on. {@code request(n)} with {@code n <= 0} cancels and signals
     * {@code onError} with an {@link IllegalArgumentException} (rule 3.9). A request made inside {@code onNext} is
     * served after it returns, never recursively (rule 3.3).
     *
     * <p><b>Ends.</b> The iterator's end: {@code onComplete}. Its failure (a failed {@code hasNext()}, or
     * {@code source} throwing): {@code onError} with the original exception. A {@code null} item:
     * {@code onError(NullPointerException)}, and the iterator is closed. {@code cancel()} closes the iterator (an
     * answer it was waiting for is cancelled first), so a generator's {@code finally} blocks run; what closing throws
     * goes to the loop's exception handler. A subscriber method that throws has broken rule 2.13: its subscription
     * counts as cancelled (the iterator is closed, nothing more is signalled), and the exception goes to the loop's
     * exception handler ({@link EventLoop#setExceptionHandler}).
     *
     * @param loop   the loop the iterators are made and read on
     * @param source makes one iterator per subscription
     * @param <T> the item type
     * @return the publisher
     */
    public static <T> Flow.Publisher<T> publisher(EventLoop loop,
                                                  Supplier<? extends AsyncIterator<? extends T>> source) {
        return new FlowPublisher<>(loop, source);
    }
}
