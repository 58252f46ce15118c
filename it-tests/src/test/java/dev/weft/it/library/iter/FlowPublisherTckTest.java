package dev.weft.it.library.iter;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.AsyncGenerator;
import dev.weft.runtime.Emitter;
import dev.weft.runtime.Flows;
import dev.weft.runtime.LoopGroup;
import dev.weft.runtime.Task;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/**
 * The Reactive Streams TCK (TestNG, run on the JUnit Platform by testng-engine) against {@link Flows#publisher}:
 * the publisher of an {@code @Async} generator that emits {@code n} items, served from a loop of its own while the
 * TCK subscribes, requests and cancels from its threads. The failed publisher's source throws, so every subscriber
 * gets onSubscribe then onError without asking for anything (rule 1.9, as the TCK expects of it).
 */
public class FlowPublisherTckTest extends FlowPublisherVerification<Long> {

    /** What the failed publisher's source throws. */
    static final class SourceBroken extends RuntimeException {
        SourceBroken() {
            super("the source of the failed publisher is broken");
        }
    }

    private LoopGroup loops;

    public FlowPublisherTckTest() {
        super(new TestEnvironment(FlowTck.TIMEOUT_MILLIS, FlowTck.NO_SIGNAL_MILLIS), FlowTck.GC_TIMEOUT_MILLIS);
    }

    @BeforeClass
    public void startLoop() {
        loops = LoopGroup.start(1, "tck-publisher-loop-");
    }

    @AfterClass
    public void stopLoop() {
        loops.close();
    }

    @Async
    static Task<Void> countTo(Emitter<Long> out, long n) {
        for (long i = 0; i < n; i++) {
            await(out.emit(i));
        }
        return Task.completed(null);
    }

    @Override
    public Flow.Publisher<Long> createFlowPublisher(long elements) {
        return Flows.publisher(loops.loop(0), () -> AsyncGenerator.of(out -> countTo(out, elements)));
    }

    @Override
    public Flow.Publisher<Long> createFailedFlowPublisher() {
        return Flows.publisher(loops.loop(0), () -> {
            throw new SourceBroken();
        });
    }

    @Override
    public long maxElementsFromPublisher() {
        return Long.MAX_VALUE - 1; // any finite count; Long.MAX_VALUE is the TCK's "infinite"
    }
}
