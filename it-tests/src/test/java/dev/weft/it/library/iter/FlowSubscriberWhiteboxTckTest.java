package dev.weft.it.library.iter;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.AsyncIterator;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Flows;
import dev.weft.runtime.LoopGroup;
import dev.weft.runtime.Semaphore;
import dev.weft.runtime.Task;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.tck.SubscriberWhiteboxVerification.SubscriberPuppet;
import org.reactivestreams.tck.SubscriberWhiteboxVerification.WhiteboxSubscriberProbe;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowSubscriberWhiteboxVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/**
 * The Reactive Streams TCK's whitebox subscriber verification against the subscriber behind {@link Flows#iterate}.
 * That subscriber's demand follows its consumer, so the TCK's puppet drives the consumer: {@code triggerRequest(n)}
 * lets an {@code @Async} consumer take {@code n} more items (taking them is what makes the iterator request more,
 * beyond the prefetch it requests at once), and {@code signalCancel()} makes it close the iterator. The probe sees
 * each signal after the iterator's subscriber has taken it.
 */
public class FlowSubscriberWhiteboxTckTest extends FlowSubscriberWhiteboxVerification<Integer> {

    private LoopGroup loops;

    public FlowSubscriberWhiteboxTckTest() {
        super(new TestEnvironment(FlowTck.TIMEOUT_MILLIS, FlowTck.NO_SIGNAL_MILLIS));
    }

    @BeforeClass
    public void startLoop() {
        loops = LoopGroup.start(1, "tck-whitebox-loop-");
    }

    @AfterClass
    public void stopLoop() {
        loops.close();
    }

    /** Asks for each item at once (the first ask subscribes), takes it when a permit comes; to the end or close. */
    @Async
    static Task<Void> takeWhenAllowed(AsyncIterator<Integer> items, Semaphore allowed) {
        try {
            while (await(items.hasNext())) {
                await(allowed.acquire());
                items.next();
            }
        } catch (CancellationException | NoSuchElementException closed) {
            // signalCancel() closed the iterator while this waited for an item, or for a permit
        } catch (RuntimeException fromTheTck) {
            // onError
        }
        return Task.completed(null);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected Flow.Subscriber<Integer> createFlowSubscriber(WhiteboxSubscriberProbe<Integer> probe) {
        EventLoop loop = loops.loop(0);
        CompletableFuture<Flow.Subscriber<? super Integer>> handedOut = new CompletableFuture<>();
        Flow.Publisher<Integer> handOut = handedOut::complete;
        CompletableFuture<AsyncIterator<Integer>> made = new CompletableFuture<>();
        Semaphore allowed = new Semaphore(0);
        loop.submit(() -> {
            AsyncIterator<Integer> it = Flows.iterate(handOut);
            made.complete(it);
            return takeWhenAllowed(it, allowed);
        });
        Flow.Subscriber<Integer> inner;
        AsyncIterator<Integer> it;
        try {
            it = made.get(FlowTck.TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            inner = (Flow.Subscriber<Integer>) handedOut.get(FlowTck.TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("the iterator did not subscribe at its first hasNext()", e);
        }
        return new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                inner.onSubscribe(s);
                probe.registerOnSubscribe(new SubscriberPuppet() {
                    @Override
                    public void triggerRequest(long n) {
                        for (long i = 0; i < n; i++) {
                            loop.callSoonThreadsafe(allowed::release);
                        }
                    }

                    @Override
                    public void signalCancel() {
                        loop.callSoonThreadsafe(it::close);
                    }
                });
            }

            @Override
            public void onNext(Integer x) {
                inner.onNext(x);
                probe.registerOnNext(x);
            }

            @Override
            public void onError(Throwable e) {
                inner.onError(e);
                probe.registerOnError(e);
            }

            @Override
            public void onComplete() {
                inner.onComplete();
                probe.registerOnComplete();
            }
        };
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }
}
