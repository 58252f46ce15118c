package dev.weft.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TaskTest {

    @Test
    void firstStepRunsInsideStartOnTheCallingThread() {
        List<String> trace = new ArrayList<>();
        Future<Integer> gate = new Future<>();
        Task<Integer> t = Script.<Integer>plain(
                (task, sent) -> {
                    trace.add("first step on " + Thread.currentThread().getName());
                    return task.suspendOn(gate);
                },
                (task, sent) -> (Integer) sent * 2).start();
        assertEquals(List.of("first step on " + Thread.currentThread().getName()), trace);
        assertFalse(t.isDone());
        gate.complete(21);
        assertEquals(42, t.result());
    }

    @Test
    void coroutineThatNeverSuspendsFinishesInsideStart() {
        Task<String> t = Script.<String>plain((task, sent) -> "at once").start();
        assertTrue(t.isDone());
        assertEquals("at once", t.result());
    }

    @Test
    void twoTasksInterleaveThroughSleepZero() {
        List<String> trace = new ArrayList<>();
        EventLoop.run(() -> {
            Task<Void> a = yielder("a", 3, trace);
            Task<Void> b = yielder("b", 3, trace);
            return Script.<Void>plain(
                    (task, sent) -> task.suspendOn(a),
                    (task, sent) -> task.suspendOn(b),
                    (task, sent) -> null).start();
        });
        assertEquals(List.of("a0", "b0", "a1", "b1", "a2", "b2"), trace);
    }

    /** A coroutine that logs and yields {@code n} times: {@code for (i...) { log; await(sleep(ZERO)); }}. */
    private static Task<Void> yielder(String name, int n, List<String> trace) {
        return Task.start(new Coroutine<Void>() {
            int i;

            @Override
            public Object step(Task<Void> task, Object sent, Throwable thrown) throws Throwable {
                if (thrown != null) {
                    throw thrown;
                }
                if (i == n) {
                    return null;
                }
                trace.add(name + i++);
                return task.suspendOn(Tasks.sleep(Duration.ZERO));
            }
        });
    }

    @Test
    void sleepZeroResumesAfterTheCallbacksAlreadyReadyButBeforeLaterOnes() {
        List<String> trace = new ArrayList<>();
        EventLoop.run(() -> {
            EventLoop loop = EventLoop.running();
            loop.callSoon(() -> {
                trace.add("ready before yield");
                loop.callSoon(() -> trace.add("scheduled on the next turn"));
            });
            return Script.<Void>plain(
                    (task, sent) -> task.suspendOn(Tasks.sleep(Duration.ZERO)),
                    (task, sent) -> {
                        trace.add("task resumed");
                        return null;
                    }).start();
        });
        assertEquals(List.of("ready before yield", "task resumed", "scheduled on the next turn"), trace);
    }

    @Test
    void resumesWithTheOriginalExceptionOfTheAwaitedFuture() {
        java.io.IOException boom = new java.io.IOException("boom");
        AtomicReference<Throwable> caught = new AtomicReference<>();
        Future<String> f = new Future<>();
        Task<String> t = Script.<String>of(
                (task, sent, thrown) -> task.suspendOn(f),
                (task, sent, thrown) -> {
                    caught.set(thrown);
                    return "handled";
                }).start();
        f.fail(boom);
        assertSame(boom, caught.get());
        assertEquals("handled", t.result());
    }

    @Test
    void exceptionEscapingTheCoroutineFailsTheTaskBeforeAndAfterSuspending() {
        IllegalStateException early = new IllegalStateException("early");
        Task<String> before = Script.<String>plain((task, sent) -> {
            throw early;
        }).start();
        assertSame(early, before.exception());

        Future<String> f = new Future<>();
        IllegalStateException late = new IllegalStateException("late");
        Task<String> after = Script.<String>plain(
                (task, sent) -> task.suspendOn(f),
                (task, sent) -> {
                    throw late;
                }).start();
        f.complete("x");
        assertSame(late, after.exception());
        assertFalse(after.isCancelled());
    }

    @Test
    void cancellingATaskThatWaitsOnAFutureRunsItsFinallyOnce() {
        List<String> trace = new ArrayList<>();
        AtomicReference<Future<String>> awaited = new AtomicReference<>();
        AtomicReference<Task<String>> taskRef = new AtomicReference<>();
        EventLoop.run(() -> {
            Future<String> f = new Future<>();
            awaited.set(f);
            Task<String> t = Script.<String>of(
                    (task, sent, thrown) -> {
                        trace.add("try");
                        return task.suspendOn(f);
                    },
                    (task, sent, thrown) -> {
                        try {
                            if (thrown != null) {
                                throw thrown;
                            }
                            trace.add("not reached");
                            return "value";
                        } finally {
                            trace.add("finally");
                        }
                    }).start();
            taskRef.set(t);
            EventLoop.running().callSoon(() -> assertTrue(t.cancel("stop")));
            return Tasks.sleep(Duration.ofMillis(5));
        });
        Task<String> t = taskRef.get();
        assertEquals(List.of("try", "finally"), trace);
        assertTrue(awaited.get().isCancelled());
        assertTrue(t.isCancelled());
        CancellationException e = assertThrows(CancellationException.class, t::result);
        assertEquals("stop", e.getMessage());
        assertFalse(t.cancel(), "cancelling a done task answers false");
    }

    @Test
    void caughtCancellationKeepsTheTaskRunning() {
        List<String> trace = new ArrayList<>();
        Task<String> t = EventLoop.run(() -> {
            Future<String> f = new Future<>();
            Task<String> task = Script.<String>of(
                    (tk, sent, thrown) -> tk.suspendOn(f),
                    (tk, sent, thrown) -> {
                        trace.add("caught " + thrown.getClass().getSimpleName());
                        return tk.suspendOn(Tasks.sleep(Duration.ofMillis(1)));
                    },
                    (tk, sent, thrown) -> {
                        trace.add("went on");
                        return "survived";
                    }).start();
            EventLoop.running().callSoon(task::cancel);
            return Tasks.sleep(Duration.ofMillis(20), task);
        });
        assertEquals(List.of("caught CancellationException", "went on"), trace);
        assertFalse(t.isCancelled());
        assertEquals("survived", t.result());
        assertEquals(1, t.cancelling(), "the request still counts until uncancel()");
    }

    @Test
    void cancelRequestedWhileRunningIsDeliveredAtTheNextStep() {
        List<String> trace = new ArrayList<>();
        Task<String> t = EventLoop.run(() -> {
            Future<String> f = new Future<>();
            Task<String> task = Script.<String>of(
                    (tk, sent, thrown) -> {
                        tk.cancel("self");   // while running: remembered
                        trace.add("still running");
                        return tk.suspendOn(f);  // the awaited future is cancelled at once
                    },
                    (tk, sent, thrown) -> {
                        trace.add("thrown in: " + thrown.getMessage());
                        throw thrown;
                    }).start();
            assertTrue(f.isCancelled());
            return Tasks.sleep(Duration.ofMillis(1), task);
        });
        assertEquals(List.of("still running", "thrown in: self"), trace);
        assertTrue(t.isCancelled());
    }

    @Test
    void cancelOfATaskWhoseFutureIgnoresItIsThrownInAtTheNextStep() {
        List<String> trace = new ArrayList<>();
        Task<String> t = EventLoop.run(() -> {
            Future<String> done = new Future<>();
            Task<String> task = Script.<String>of(
                    (tk, sent, thrown) -> {
                        tk.cancel("pending");
                        return tk.suspendOn(Tasks.sleep(Duration.ZERO)); // yield
                    },
                    (tk, sent, thrown) -> {
                        trace.add(thrown == null ? "no exception" : "thrown: " + thrown.getMessage());
                        return "caught";
                    }).start();
            return Tasks.sleep(Duration.ofMillis(1), task);
        });
        assertEquals(List.of("thrown: pending"), trace);
        assertEquals("caught", t.result());
    }

    @Test
    void cancellingCountsRequestsAndUncancelTakesThemBack() {
        EventLoop.run(() -> {
            Future<String> f = new Future<>();
            Task<String> t = Script.<String>of(
                    (tk, sent, thrown) -> {
                        tk.cancel();
                        tk.cancel();
                        assertEquals(2, tk.cancelling());
                        assertEquals(1, tk.uncancel());
                        assertEquals(0, tk.uncancel());
                        assertEquals(0, tk.uncancel(), "uncancel never goes below zero");
                        return tk.suspendOn(f);  // nothing left to deliver
                    },
                    (tk, sent, thrown) -> {
                        assertEquals(null, thrown, "an uncancelled request is not delivered");
                        return sent;
                    }).start();
            assertFalse(f.isCancelled());
            f.complete("ok");
            return t;
        });
    }

    @Test
    void cancellingCountsARequestThatCancelledTheAwaitedFuture() {
        Task<String> t = EventLoop.run(() -> {
            Future<String> f = new Future<>();
            Task<String> task = Script.<String>of(
                    (tk, sent, thrown) -> tk.suspendOn(f),
                    (tk, sent, thrown) -> {
                        assertEquals(1, tk.cancelling());
                        assertEquals(0, tk.uncancel());
                        return "swallowed";
                    }).start();
            task.cancel();
            return Tasks.sleep(Duration.ofMillis(1), task);
        });
        assertEquals("swallowed", t.result());
        assertEquals(0, t.cancelling());
    }

    @Test
    void aCancellationPendingWhenTheCoroutineReturnsCancelsTheTaskWithoutALoopToo() {
        Future<String> gate = new Future<>((EventLoop) null);
        Task<String> t = Script.<String>of(
                (tk, sent, thrown) -> tk.suspendOn(gate),
                (tk, sent, thrown) -> {
                    tk.cancel("self");
                    return "dropped";   // asyncio: cancelled right before the coroutine stops
                }).start();
        gate.complete("go");
        assertTrue(t.isCancelled());
        assertEquals("self", t.cancelMessage());
        assertThrows(CancellationException.class, t::result);
    }

    @Test
    void aCancellationRequestedDuringAStepThatYieldsCanBeTakenBackBeforeTheNextTurn() {
        Task<String> t = EventLoop.run(() -> {
            Task<String> task = Script.<String>of(
                    (tk, sent, thrown) -> {
                        tk.cancel();   // while running: kept, not forwarded to the yield
                        return tk.suspendOn(Tasks.sleep(Duration.ZERO));
                    },
                    (tk, sent, thrown) -> thrown == null ? "went on" : "thrown in").start();
            assertFalse(((Future<?>) task.awaiting()).isCancelled(), "sleep(ZERO) is a bare yield: nothing to cancel");
            assertEquals(0, task.uncancel());
            return Tasks.sleep(Duration.ofMillis(1), task);
        });
        assertEquals("went on", t.result());
        assertFalse(t.isCancelled());
    }

    @Test
    void withoutALoopLaterStepsRunOnTheThreadThatCompletesTheAwaitedFuture() throws Exception {
        Future<String> f = new Future<>();
        AtomicReference<String> stepThread = new AtomicReference<>();
        AtomicReference<String> callbackThread = new AtomicReference<>();
        Task<String> t = Script.<String>plain(
                (tk, sent) -> tk.suspendOn(f),
                (tk, sent) -> {
                    stepThread.set(Thread.currentThread().getName());
                    return "after " + sent;
                }).start();
        t.addDoneCallback(x -> callbackThread.set(Thread.currentThread().getName()));
        Thread completer = new Thread(() -> f.complete("x"), "completer");
        completer.start();
        completer.join();
        assertEquals("completer", stepThread.get());
        assertEquals("completer", callbackThread.get());
        assertEquals("after x", t.result());
    }

    @Test
    void withALoopLaterStepsRunOnTheLoopThreadWhoeverCompletesTheFuture() {
        AtomicReference<String> stepThread = new AtomicReference<>();
        CompletableFutureHolder holder = new CompletableFutureHolder();
        String loopThread = Thread.currentThread().getName();
        String result = EventLoop.run(() -> Script.<String>plain(
                (tk, sent) -> tk.suspendOn(Future.from(holder.cf)),
                (tk, sent) -> {
                    stepThread.set(Thread.currentThread().getName());
                    return (String) sent;
                }).start());
        assertEquals("from elsewhere", result);
        assertEquals(loopThread, stepThread.get());
    }

    private static final class CompletableFutureHolder {
        final java.util.concurrent.CompletableFuture<String> cf = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> "from elsewhere",
                        java.util.concurrent.CompletableFuture.delayedExecutor(10,
                                java.util.concurrent.TimeUnit.MILLISECONDS));
    }

    @Test
    void aChainOfTwoThousandTasksDoesNotGrowTheStackWithoutALoop() throws Exception {
        Future<Integer> leaf = new Future<>();
        Task<Integer> top = chain(2000, leaf);
        assertFalse(top.isDone());
        Thread t = new Thread(null, () -> leaf.complete(0), "completer", 256 * 1024);
        t.start();
        t.join();
        assertEquals(2000, top.result());
    }

    @Test
    void aChainOfTwoThousandTasksCompletesOnALoop() {
        int result = EventLoop.run(() -> {
            Future<Integer> leaf = new Future<>();
            Task<Integer> top = chain(2000, leaf);
            EventLoop.running().callSoon(() -> leaf.complete(0));
            return top;
        });
        assertEquals(2000, result);
    }

    @Test
    void aFinishingTaskResumesItsAwaiterAtOnceOnlyToABoundedDepth() {
        int[] depthAtTop = new int[1];
        int result = EventLoop.run(() -> {
            Future<Integer> leaf = new Future<>();
            Future<Integer> below = leaf;
            for (int i = 0; i < 200; i++) {
                Future<Integer> awaited = below;
                below = Script.<Integer>plain(
                        (tk, sent) -> tk.suspendOn(awaited),
                        (tk, sent) -> (Integer) sent + 1).start();
            }
            Future<Integer> top = below;
            Task<Integer> observer = Script.<Integer>plain(
                    (tk, sent) -> tk.suspendOn(top),
                    (tk, sent) -> {
                        depthAtTop[0] = Thread.currentThread().getStackTrace().length;
                        return (Integer) sent;
                    }).start();
            EventLoop.running().callSoon(() -> leaf.complete(0));
            return observer;
        });
        assertEquals(200, result);
        assertTrue(depthAtTop[0] < 250, "direct resumptions nest without bound: stack depth " + depthAtTop[0]);
    }

    /** Task i awaits task i-1, the first awaits {@code leaf}; each adds one. Built bottom-up, iteratively. */
    private static Task<Integer> chain(int depth, Future<Integer> leaf) {
        Future<Integer> below = leaf;
        Task<Integer> top = null;
        for (int i = 0; i < depth; i++) {
            Future<Integer> awaited = below;
            top = Script.<Integer>plain(
                    (tk, sent) -> tk.suspendOn(awaited),
                    (tk, sent) -> (Integer) sent + 1).start();
            below = top;
        }
        return top;
    }

    @Test
    void aTaskCannotBeCompletedByHand() {
        Task<String> t = Task.completed("v");
        assertThrows(UnsupportedOperationException.class, () -> t.complete("other"));
        assertThrows(UnsupportedOperationException.class, () -> t.fail(new RuntimeException()));
        assertEquals("v", t.result());
        assertFalse(t.cancel());
    }

    @Test
    void aTaskThatAwaitsItselfFails() {
        Task<String> t = Script.<String>plain((tk, sent) -> tk.suspendOn(tk)).start();
        assertTrue(t.exception() instanceof IllegalStateException);
    }

    @Test
    void currentTaskIsTheOneStepping() {
        AtomicReference<Task<?>> seen = new AtomicReference<>();
        Task<?> t = EventLoop.run(() -> {
            Task<String> task = Script.<String>plain(
                    (tk, sent) -> tk.suspendOn(Tasks.sleep(Duration.ZERO)),
                    (tk, sent) -> {
                        seen.set(Task.current());
                        return "x";
                    }).start();
            return Tasks.sleep(Duration.ofMillis(1), task);
        });
        assertSame(t, seen.get());
    }
}
