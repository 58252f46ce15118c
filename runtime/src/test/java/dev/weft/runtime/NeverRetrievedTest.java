package dev.weft.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A failure nobody retrieved is reported, in every mode, once: when its loop closes, or when it is collected,
 * whichever comes first; a failure retrieved is never reported. "Retrieved" as asyncio's {@code _log_traceback}.
 */
class NeverRetrievedTest {

    /** Collects garbage until {@code condition} holds, or 10 seconds pass. */
    static boolean afterGc(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 100 && !condition.getAsBoolean(); i++) {
            System.gc();
            Thread.sleep(100);
        }
        return condition.getAsBoolean();
    }

    /** {@code @Async Task<Integer> failing() { await(sleep(ZERO)); throw boom; }}, the await at line 12. */
    static Frame<Integer> failing(RuntimeException boom) {
        return Frame.start("failing",
                (f, sent) -> f.await(Tasks.sleep(Duration.ZERO), 12),
                (f, sent) -> {
                    throw boom;
                });
    }

    /** Runs {@code body} on a new loop whose exception handler collects into {@code errors}, for 5 ms more. */
    static void runCollecting(List<LoopError> errors, Consumer<EventLoop> body) {
        EventLoop.run(() -> {
            EventLoop loop = EventLoop.running();
            loop.setExceptionHandler((l, e) -> {
                synchronized (errors) {
                    errors.add(e);
                }
            });
            body.accept(loop);
            return Tasks.sleep(Duration.ofMillis(5));
        });
    }

    private static List<LoopError> neverRetrieved(List<LoopError> errors) {
        synchronized (errors) {
            return errors.stream().filter(e -> e.message().contains("exception was never retrieved")).toList();
        }
    }

    @Test
    void aDroppedTaskThatFailsIsReportedOnceWhenItsLoopClosesAndNotAgainWhenCollected() throws Exception {
        List<LoopError> errors = new ArrayList<>();
        RuntimeException boom = new RuntimeException("nobody awaits me");
        runCollecting(errors, loop -> failing(boom));

        List<LoopError> reported = neverRetrieved(errors);
        assertEquals(1, reported.size(), errors::toString);
        LoopError error = reported.get(0);
        assertSame(boom, error.exception());
        assertTrue(error.message().matches("Task exception was never retrieved: Task@[0-9a-f]+ "
                + "demo\\.Main\\.failing\\(Main\\.java:12\\) \\(not retrieved when its loop closed\\)"), error.message());

        // a failure collected later, reported by the Cleaner through the default logger: by then the first one,
        // unreachable too, would have been reported again if it could be
        RuntimeException control = new RuntimeException("collected");
        try (LogCapture log = new LogCapture()) {
            Future.failed(control); // loop-less and dropped: reported when collected
            assertTrue(afterGc(() -> log.containing("(collected)").stream().anyMatch(r -> r.getThrown() == control)),
                    "the collected failure is reported");
            assertEquals(java.util.logging.Level.SEVERE, log.containing("(collected)").get(0).getLevel());
            assertTrue(log.containing("Future exception was never retrieved: Future@").size() >= 1);
            System.gc();
            Thread.sleep(200);
            assertEquals(List.of(), log.containing("nobody awaits me"), "not reported again when collected");
        }
        assertEquals(1, neverRetrieved(errors).size(), errors::toString);
    }

    @Test
    void aFailureThatIsAwaitedIsNeverReported() throws Exception {
        List<LoopError> errors = new ArrayList<>();
        RuntimeException boom = new RuntimeException("awaited");
        List<Throwable> caught = new ArrayList<>();
        runCollecting(errors, loop -> Frame.<Integer>start("outer",
                (f, sent) -> f.await(failing(boom), 30),
                (f, sent) -> 0));
        // the outer task failed in turn, and nobody awaited it: only the outer one is reported
        assertEquals(1, neverRetrieved(errors).size(), errors::toString);
        assertTrue(neverRetrieved(errors).get(0).message().contains("demo.Main.outer(Main.java:30)"), errors::toString);

        errors.clear();
        runCollecting(errors, loop -> Frame.<Integer>start("catcher",
                (f, sent) -> f.await(failing(boom), 40),
                (f, sent) -> 0)
                .addDoneCallback(done -> caught.add(done.exception())));
        assertEquals(List.of(boom), caught);
        assertEquals(List.of(), neverRetrieved(errors), "awaited, then read by a callback: nothing to report");
    }

    @Test
    void resultExceptionGetCancelAndPassingTheOutcomeOnCountAsRetrieved() {
        List<LoopError> errors = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        runCollecting(errors, loop -> {
            Future<Integer> a = new Future<>();
            a.fail(new IllegalStateException("a"));
            assertThrows(IllegalStateException.class, a::result);

            Future<Integer> b = new Future<>();
            b.fail(new IllegalStateException("b"));
            seen.add(b.exception().getMessage());

            Future<Integer> c = new Future<>();
            c.fail(new IllegalStateException("c"));
            assertEquals(false, c.cancel()); // as asyncio: cancelling says the outcome is not wanted

            Future<Integer> d = new Future<>();
            CompletableFuture<Integer> cf = d.toCompletableFuture();
            d.fail(new IllegalStateException("d"));
            cf.whenComplete((v, e) -> seen.add("cf " + e.getMessage()));

            Future<Integer> e = new Future<>();
            Future<Integer> follower = new Future<>();
            e.addDoneCallback(follower::copyOutcomeOf);
            e.fail(new IllegalStateException("e"));
            follower.addDoneCallback(done -> seen.add("follower " + done.exception().getMessage()));
        });
        assertEquals(List.of("b", "cf d", "follower e"), seen);
        assertEquals(List.of(), neverRetrieved(errors));
    }

    @Test
    void getCountsAsRetrievedOffTheLoop() throws Exception {
        Future<Integer> f = new Future<>((EventLoop) null);
        f.fail(new IllegalStateException("got"));
        assertThrows(ExecutionException.class, f::get);
        assertTrue(f.isFailed());
        // nothing left to report: the watch is gone, so collecting f can report nothing (checked by the field)
        assertEquals(null, watchOf(f));
    }

    @Test
    void aDoneCallbackThatDoesNotReadTheFailureDoesNotRetrieveIt() {
        List<LoopError> errors = new ArrayList<>();
        runCollecting(errors, loop -> {
            Future<Integer> f = new Future<>();
            f.addDoneCallback(done -> { }); // as asyncio: only result() and exception() retrieve
            f.fail(new IllegalStateException("only looked at"));
        });
        assertEquals(1, neverRetrieved(errors).size(), errors::toString);
        assertTrue(neverRetrieved(errors).get(0).message().startsWith("Future exception was never retrieved: Future@"));
    }

    @Test
    void aGatherThatFailedAlreadyRetrievesTheLaterFailuresOfItsChildrenAsAsyncioDoes() {
        List<LoopError> errors = new ArrayList<>();
        List<Throwable> caught = new ArrayList<>();
        runCollecting(errors, loop -> {
            Future<Integer> first = new Future<>();
            Future<Integer> second = new Future<>();
            Future<List<Object>> all = Futures.gather(List.of(first, second), false);
            all.addDoneCallback(done -> caught.add(done.exception()));
            first.fail(new IllegalStateException("first"));
            loop.callLater(Duration.ofMillis(1), () -> second.fail(new IllegalStateException("second")));
        });
        assertEquals(1, caught.size());
        assertEquals(List.of(), neverRetrieved(errors));
    }

    @Test
    void successAndCancellationLeaveNothingToWatch() {
        Future<Integer> ok = new Future<>((EventLoop) null);
        ok.complete(1);
        Future<Integer> cancelled = new Future<>((EventLoop) null);
        cancelled.cancel();
        Future<Integer> failed = new Future<>((EventLoop) null);
        failed.fail(new IllegalStateException("watched"));
        assertEquals(null, watchOf(ok));
        assertEquals(null, watchOf(cancelled));
        assertTrue(watchOf(failed) instanceof NeverRetrieved);
        failed.exception();
        assertEquals(null, watchOf(failed));
    }

    @Test
    void aFailureCollectedWhileItsLoopRunsReachesTheApplicationsHandlerOnTheLoopThread() throws Exception {
        List<String> threads = new ArrayList<>();
        List<LoopError> errors = new ArrayList<>();
        EventLoop.run(() -> {
            EventLoop loop = EventLoop.running();
            String loopThread = Thread.currentThread().getName();
            loop.setExceptionHandler((l, e) -> {
                synchronized (errors) {
                    errors.add(e);
                    threads.add(Thread.currentThread().getName().equals(loopThread) ? "loop" : "other");
                }
            });
            failing(new RuntimeException("collected while the loop runs")); // dropped at once
            return Frame.<Void>start("server",
                    (f, sent) -> f.await(Tasks.sleep(Duration.ZERO), 50),
                    (f, sent) -> {
                        System.gc();
                        return f.await(Tasks.sleep(Duration.ofMillis(100)), 51);
                    },
                    (f, sent) -> f.await(waitUntil(() -> !neverRetrieved(errors).isEmpty()), 52),
                    (f, sent) -> null);
        });
        List<LoopError> reported = neverRetrieved(errors);
        assertEquals(1, reported.size(), errors::toString);
        assertTrue(reported.get(0).message().endsWith("(collected)"), reported.get(0).message());
        assertEquals(List.of("loop"), threads);
    }

    /** A future of the running loop done once {@code condition} holds (checked every 10 ms with a GC, 10 s at most). */
    static Future<Void> waitUntil(BooleanSupplier condition) {
        EventLoop loop = EventLoop.running();
        Future<Void> done = new Future<>();
        long until = System.nanoTime() + 10_000_000_000L;
        Runnable[] check = new Runnable[1];
        check[0] = () -> {
            if (condition.getAsBoolean() || System.nanoTime() > until) {
                done.tryComplete(null);
            } else {
                System.gc();
                loop.callLater(Duration.ofMillis(10), check[0]);
            }
        };
        check[0].run();
        return done;
    }

    /** The watch in the done future's state word, or null when that word is a plain mark (nothing watched). */
    private static Object watchOf(Future<?> f) {
        try {
            java.lang.reflect.Field callbacks = Future.class.getDeclaredField("callbacks");
            callbacks.setAccessible(true);
            Object word = callbacks.get(f);
            assertTrue(word instanceof Future.Done, "a done future's callbacks word is its state: " + word);
            return word instanceof NeverRetrieved ? word : null;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
