package dev.weft.it.library.loop;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The order of {@code callSoon} and {@code callSoonThreadsafe} callbacks (issue #12, item 5). Each expected trace
 * is the output of the Python program in the test's Javadoc, run on CPython 3.13 with
 * {@code loop.set_task_factory(asyncio.eager_task_factory)} and {@code loop.run_until_complete(main())}.
 */
class CallSoonOrderTest {

    @Async
    static Task<List<String>> mixOnTheLoopThread() {
        List<String> log = new ArrayList<>();
        EventLoop loop = EventLoop.running();
        loop.callSoonThreadsafe(() -> log.add("A"));
        loop.callSoon(() -> log.add("B"));
        loop.callSoonThreadsafe(() -> log.add("C"));
        await(Tasks.sleep(Duration.ZERO));
        log.add("main");
        return Task.completed(log);
    }

    /**
     * On the loop thread, {@code callSoonThreadsafe} and {@code callSoon} share one FIFO queue with the task
     * steps. Python 3.13:
     * <pre>
     * async def same_thread():
     *     log = []
     *     loop = asyncio.get_running_loop()
     *     loop.call_soon_threadsafe(lambda: log.append("A"))
     *     loop.call_soon(lambda: log.append("B"))
     *     loop.call_soon_threadsafe(lambda: log.append("C"))
     *     await asyncio.sleep(0)
     *     log.append("main")
     * </pre>
     * gives {@code A B C main}.
     */
    @Test
    void callSoonThreadsafeOnTheLoopThreadKeepsFifoOrderWithCallSoon() {
        assertEquals(List.of("A", "B", "C", "main"), EventLoop.run(() -> mixOnTheLoopThread()));
    }

    @Async
    static Task<List<String>> callsFromAnotherThread() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        EventLoop loop = EventLoop.running();
        Thread producer = new Thread(() -> {
            for (String name : List.of("X1", "X2", "X3")) {
                loop.callSoonThreadsafe(() -> log.add(name));
            }
        });
        producer.start();
        try {
            producer.join(); // blocks the loop a moment on purpose: all three are sent before the first yield
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        await(Tasks.sleep(Duration.ZERO));
        await(Tasks.sleep(Duration.ZERO));
        log.add("main");
        return Task.completed(log);
    }

    /**
     * From another thread, callbacks run in the order that thread scheduled them, in the turn after they arrive
     * (asyncio appends them to the ready queue at once, so after a single yield it would already have run them;
     * after two, both agree). Python 3.13:
     * <pre>
     * async def other_thread():
     *     log = []
     *     loop = asyncio.get_running_loop()
     *     def producer():
     *         for name in ("X1", "X2", "X3"):
     *             loop.call_soon_threadsafe(lambda n=name: log.append(n))
     *     th = threading.Thread(target=producer); th.start(); th.join()
     *     await asyncio.sleep(0)
     *     await asyncio.sleep(0)
     *     log.append("main")
     * </pre>
     * gives {@code X1 X2 X3 main}.
     */
    @Test
    void callSoonThreadsafeFromAnotherThreadKeepsThatThreadsOrder() {
        assertEquals(List.of("X1", "X2", "X3", "main"), EventLoop.run(() -> callsFromAnotherThread()));
    }
}
