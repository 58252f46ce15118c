package dev.weft.examples;

import static dev.weft.runtime.Await.await;

import dev.weft.Async;
import dev.weft.runtime.AsyncGenerator;
import dev.weft.runtime.AsyncIterator;
import dev.weft.runtime.AsyncIterators;
import dev.weft.runtime.Emitter;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Flows;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;

/**
 * Async iteration (issue #15): an async generator consumed by hand and left early, the same generator through
 * operators, a {@link Flow.Publisher} (the JDK's {@link SubmissionPublisher}, fed by another thread) read in
 * {@code @Async} code, and a generator served to a plain {@link Flow.Subscriber} that asks for one item at a time.
 * Prints what happens, in order, and ends.
 */
public final class Iteration {
    private Iteration() {
    }

    /** Counts down from {@code from}, a tick apart; says when its finally block runs. */
    @Async
    static Task<Void> countdown(Emitter<Integer> out, int from) {
        try {
            for (int i = from; i > 0; i--) {
                await(Tasks.sleep(Duration.ofMillis(20)));
                System.out.println("  countdown emits " + i);
                await(out.emit(i)); // suspended here until the consumer asks for the next item
            }
        } finally {
            System.out.println("  countdown's finally");
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> byHand() {
        System.out.println("by hand, leaving after three items:");
        AsyncIterator<Integer> it = AsyncGenerator.of(out -> countdown(out, 10)); // nothing runs yet
        int sum = 0;
        try {
            for (int n = 0; n < 3 && await(it.hasNext()); n++) {
                int x = it.next();
                System.out.println("  consumer got " + x);
                sum += x;
            }
        } finally {
            await(it.close()); // the generator's finally has run when this returns
        }
        System.out.println("  sum " + sum);
        return Task.completed(null);
    }

    @Async
    static Task<Void> withOperators() {
        System.out.println("through map, filter and take, collected:");
        AsyncIterator<Integer> evens = AsyncIterators.filter(AsyncGenerator.of(out -> countdown(out, 10)),
                x -> x % 2 == 0);
        List<String> firstTwo = await(AsyncIterators.toList(
                AsyncIterators.take(AsyncIterators.map(evens, x -> "even " + x), 2))); // take closes the chain
        System.out.println("  " + firstTwo);
        return Task.completed(null);
    }

    @Async
    static Task<Void> readAPublisher() {
        System.out.println("a SubmissionPublisher fed by another thread, read here:");
        SubmissionPublisher<String> publisher = new SubmissionPublisher<>();
        AsyncIterator<String> it = Flows.iterate(publisher);
        Future<Boolean> first = it.hasNext(); // subscribes: items submitted from now on reach it
        new Thread(() -> {
            for (String s : List.of("alpha", "beta", "gamma")) {
                publisher.submit(s);
            }
            publisher.close();
        }).start();
        boolean more = await(first);
        while (more) {
            System.out.println("  read " + it.next());
            more = await(it.hasNext());
        }
        return Task.completed(null);
    }

    @Async
    static Task<Void> serveAGenerator() {
        System.out.println("a generator served as a Flow.Publisher, one request at a time:");
        Flow.Publisher<Integer> countdown = Flows.publisher(EventLoop.running(),
                () -> AsyncGenerator.of(out -> countdown(out, 3)));
        CompletableFuture<Void> done = new CompletableFuture<>();
        countdown.subscribe(new Flow.Subscriber<Integer>() {
            private Flow.Subscription subscription;

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(1);
            }

            @Override
            public void onNext(Integer item) {
                System.out.println("  subscriber got " + item + ", requests one more");
                subscription.request(1);
            }

            @Override
            public void onError(Throwable e) {
                done.completeExceptionally(e);
            }

            @Override
            public void onComplete() {
                System.out.println("  complete");
                done.complete(null);
            }
        });
        await(done);
        return Task.completed(null);
    }

    @Async
    static Task<Void> demo() {
        await(byHand());
        await(withOperators());
        await(readAPublisher());
        await(serveAGenerator());
        return Task.completed(null);
    }

    public static void main(String[] args) {
        EventLoop.run(Iteration::demo);
    }
}
