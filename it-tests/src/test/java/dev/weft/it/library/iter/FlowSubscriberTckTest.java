package dev.weft.it.library.iter;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.AsyncIterator;
import dev.weft.runtime.Flows;
import dev.weft.runtime.LoopGroup;
import dev.weft.runtime.Task;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowSubscriberBlackboxVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/**
 * The Reactive Streams TCK's blackbox subscriber verification against the subscriber behind {@link Flows#iterate}:
 * each subscriber under test is the one an iterator hands to a publisher that gives it out, with an {@code @Async}
 * consumer on a loop of its own reading the iterator to its end. The TCK signals it from its own threads (and its
 * helper publisher from an executor's), so every signal crosses to the loop.
 */
public class FlowSubscriberTckTest extends FlowSubscriberBlackboxVerification<Integer> {

    private LoopGroup loops;
    private ExecutorService executor;

    public FlowSubscriberTckTest() {
        super(new TestEnvironment(FlowTck.TIMEOUT_MILLIS, FlowTck.NO_SIGNAL_MILLIS));
    }

    @BeforeClass
    public void startLoop() {
        loops = LoopGroup.start(1, "tck-subscriber-loop-");
        executor = Executors.newFixedThreadPool(2);
    }

    @AfterClass
    public void stopLoop() {
        loops.close(); // cancels the consumers the TCK left waiting
        executor.shutdownNow();
    }

    /** Reads the iterator to its end; what the TCK's publishers fail with is theirs, not this test's. */
    @Async
    static Task<Integer> readToTheEnd(AsyncIterator<Integer> items) {
        int n = 0;
        try {
            while (await(items.hasNext())) {
                items.next();
                n++;
            }
        } catch (RuntimeException expected) {
            // onError from the TCK
        }
        return Task.completed(n);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Flow.Subscriber<Integer> createFlowSubscriber() {
        CompletableFuture<Flow.Subscriber<? super Integer>> handedOut = new CompletableFuture<>();
        Flow.Publisher<Integer> handOut = handedOut::complete;
        loops.loop(0).submit(() -> readToTheEnd(Flows.iterate(handOut)));
        try {
            return (Flow.Subscriber<Integer>) handedOut.get(FlowTck.TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("the iterator did not subscribe at its first hasNext()", e);
        }
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }

    @Override
    public ExecutorService publisherExecutorService() {
        return executor;
    }
}
