package dev.weft.runtime;

import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.function.Supplier;

/**
 * {@link Flows#publisher}'s publisher: cold, each {@link #subscribe} reads a new iterator from the source, made on
 * the loop's thread, through a {@link FlowSubscription}.
 */
final class FlowPublisher<T> implements Flow.Publisher<T> {

    private final EventLoop loop;
    private final Supplier<? extends AsyncIterator<? extends T>> source;

    FlowPublisher(EventLoop loop, Supplier<? extends AsyncIterator<? extends T>> source) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.source = Objects.requireNonNull(source, "source");
    }

    /** Any thread; on the loop's own thread, onSubscribe is called before this returns. */
    @Override
    public void subscribe(Flow.Subscriber<? super T> subscriber) {
        Objects.requireNonNull(subscriber, "subscribe(null) (rule 1.9)");
        FlowSubscription<T> s = new FlowSubscription<>(loop, source, subscriber);
        if (loop.inLoopThread()) {
            s.start();
            return;
        }
        try {
            loop.callSoonThreadsafe(s::start);
        } catch (IllegalStateException loopClosed) {
            s.rejected(new IllegalStateException("Cannot subscribe to " + this + ": " + loop + " is closed",
                    loopClosed));
        }
    }

    @Override
    public String toString() {
        return "Flows.publisher[" + source + " on " + loop + "]";
    }
}
