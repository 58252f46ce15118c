package dev.weft.it.library.loop;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A task that finishes may resume its awaiter at once instead of through the ready queue; the order must be the
 * queue's in every case, timers included (issue #12, item 1). The awaiter's resumption is a turn of its own: a
 * timer that fell due, or a callback that is still ready, runs before it, and what the awaiter schedules runs after
 * them. Each expected trace is the output of the Python program in the test's Javadoc, run on CPython 3.13 with
 * {@code loop.set_task_factory(asyncio.eager_task_factory)} and {@code loop.run_until_complete(parent())}, where
 * {@code log} is a list shared by the whole program.
 */
class DirectResumptionOrderTest {

    private static final List<String> log = new ArrayList<>();

    private static List<String> run(java.util.function.Supplier<Task<Void>> main) {
        log.clear();
        EventLoop.run(main::get);
        return List.copyOf(log);
    }

    @Async
    static Task<Integer> timerChild(EventLoop loop) {
        await(Tasks.sleep(Duration.ZERO));
        loop.callLater(Duration.ZERO, () -> log.add("T"));
        return Task.completed(1);
    }

    @Async
    static Task<Void> timerParent() {
        EventLoop loop = EventLoop.running();
        await(timerChild(loop));
        loop.callSoon(() -> log.add("X"));
        await(Tasks.sleep(Duration.ofMillis(10)));
        log.add("main");
        return Task.completed(null);
    }

    /**
     * The program: a timer that falls due while the child's last step runs goes before the parent, which
     * was to resume in the next turn, and so before what the parent schedules.
     * <pre>
     * async def child(loop):
     *     await asyncio.sleep(0)
     *     loop.call_later(0, lambda: log.append("T"))
     *     return 1
     * async def parent():
     *     loop = asyncio.get_running_loop()
     *     await loop.create_task(child(loop))
     *     loop.call_soon(lambda: log.append("X"))
     *     await asyncio.sleep(0.01)
     *     log.append("main")
     * </pre>
     * gives {@code T X main}.
     */
    @Test
    void aTimerThatFellDueRunsBeforeWhatTheResumedAwaiterSchedules() {
        assertEquals(List.of("T", "X", "main"), run(DirectResumptionOrderTest::timerParent));
    }

    @Async
    static Task<Integer> readyGrandchild(EventLoop loop) {
        await(Tasks.sleep(Duration.ZERO));
        loop.callLater(Duration.ZERO, () -> log.add("T"));
        loop.callSoon(() -> log.add("S"));
        return Task.completed(1);
    }

    @Async
    static Task<Integer> readyChild(EventLoop loop) {
        await(readyGrandchild(loop));
        log.add("child");
        loop.callSoon(() -> log.add("Y"));
        return Task.completed(2);
    }

    @Async
    static Task<Void> readyParent() {
        EventLoop loop = EventLoop.running();
        await(readyChild(loop));
        log.add("parent");
        loop.callSoon(() -> log.add("X"));
        await(Tasks.sleep(Duration.ofMillis(10)));
        log.add("main");
        return Task.completed(null);
    }

    /**
     * Three levels, with a callback and a timer both scheduled by the bottom one: each level resumes a turn after
     * the one below finished.
     * <pre>
     * async def grand2(loop):
     *     await asyncio.sleep(0)
     *     loop.call_later(0, lambda: log.append("T"))
     *     loop.call_soon(lambda: log.append("S"))
     *     return 1
     * async def child2(loop):
     *     await loop.create_task(grand2(loop))
     *     log.append("child")
     *     loop.call_soon(lambda: log.append("Y"))
     *     return 2
     * async def parent2():
     *     loop = asyncio.get_running_loop()
     *     await loop.create_task(child2(loop))
     *     log.append("parent")
     *     loop.call_soon(lambda: log.append("X"))
     *     await asyncio.sleep(0.01)
     *     log.append("main")
     * </pre>
     * gives {@code S child T Y parent X main}.
     */
    @Test
    void eachLevelOfAChainResumesInTheTurnAfterTheOneBelowFinished() {
        assertEquals(List.of("S", "child", "T", "Y", "parent", "X", "main"),
                run(DirectResumptionOrderTest::readyParent));
    }

    @Async
    static Task<Integer> quietChild(EventLoop loop) {
        await(timerChild(loop));
        log.add("child");
        return Task.completed(2);
    }

    @Async
    static Task<Void> quietParent() {
        EventLoop loop = EventLoop.running();
        await(quietChild(loop));
        log.add("parent");
        loop.callSoon(() -> log.add("X"));
        await(Tasks.sleep(Duration.ofMillis(10)));
        log.add("main");
        return Task.completed(null);
    }

    /**
     * The timer falls due at the bottom of a chain whose middle level schedules nothing: the timer still runs
     * between the middle level and the top one, since the top one resumes a turn later.
     * <pre>
     * async def grand3(loop):
     *     await asyncio.sleep(0)
     *     loop.call_later(0, lambda: log.append("T"))
     *     return 1
     * async def child3(loop):
     *     await loop.create_task(grand3(loop))
     *     log.append("child")
     *     return 2
     * async def parent3():
     *     loop = asyncio.get_running_loop()
     *     await loop.create_task(child3(loop))
     *     log.append("parent")
     *     loop.call_soon(lambda: log.append("X"))
     *     await asyncio.sleep(0.01)
     *     log.append("main")
     * </pre>
     * gives {@code child T parent X main}.
     */
    @Test
    void aTimerThatFellDueAtTheBottomOfAChainRunsBeforeTheTopResumes() {
        assertEquals(List.of("child", "T", "parent", "X", "main"), run(DirectResumptionOrderTest::quietParent));
    }

    @Async
    static Task<Integer> yieldingChild() {
        await(Tasks.sleep(Duration.ZERO));
        return Task.completed(1);
    }

    @Async
    static Task<Void> earlyTimerParent() {
        EventLoop loop = EventLoop.running();
        loop.callLater(Duration.ZERO, () -> log.add("T"));
        await(yieldingChild());
        log.add("parent");
        loop.callSoon(() -> log.add("X"));
        await(Tasks.sleep(Duration.ZERO));
        log.add("after0");
        await(Tasks.sleep(Duration.ofMillis(10)));
        log.add("main");
        return Task.completed(null);
    }

    /**
     * A timer scheduled before the await is due in the same turn as the child's last step, so it runs before the
     * parent resumes.
     * <pre>
     * async def child4(loop):
     *     await asyncio.sleep(0)
     *     return 1
     * async def parent4():
     *     loop = asyncio.get_running_loop()
     *     loop.call_later(0, lambda: log.append("T"))
     *     await loop.create_task(child4(loop))
     *     log.append("parent")
     *     loop.call_soon(lambda: log.append("X"))
     *     await asyncio.sleep(0)
     *     log.append("after0")
     *     await asyncio.sleep(0.01)
     *     log.append("main")
     * </pre>
     * gives {@code T parent X after0 main}.
     */
    @Test
    void aTimerDueInTheChildsLastTurnRunsBeforeTheParentResumes() {
        assertEquals(List.of("T", "parent", "X", "after0", "main"),
                run(DirectResumptionOrderTest::earlyTimerParent));
    }

    @Async
    static Task<Void> awaitsItsParent(Task<?> parent) {
        await(parent);
        log.add("child resumed");
        return Task.completed(null);
    }

    @Async
    static Task<Integer> finishesInItsFirstStep(List<Task<Void>> holder) {
        holder.add(awaitsItsParent(Task.current()));
        log.add("parent returns");
        return Task.completed(1);
    }

    @Async
    static Task<Void> callerOfAFirstStep() {
        List<Task<Void>> holder = new ArrayList<>();
        finishesInItsFirstStep(holder);
        log.add("caller continues");
        await(holder.get(0));
        log.add("main");
        return Task.completed(null);
    }

    /**
     * A task that finishes in its first step, awaited already (by a child it started), hands its awaiter to the
     * queue: its caller's code after the call is the rest of the current step and goes first.
     * <pre>
     * async def child(parent):
     *     await parent
     *     log.append("child resumed")
     * async def parent_task(holder):
     *     holder.append(asyncio.get_running_loop().create_task(child(asyncio.current_task())))
     *     log.append("parent returns")
     *     return 1
     * async def main():
     *     h = []
     *     asyncio.get_running_loop().create_task(parent_task(h))
     *     log.append("caller continues")
     *     await h[0]
     *     log.append("main")
     * </pre>
     * gives {@code parent returns, caller continues, child resumed, main} (3.12 and 3.13).
     */
    @Test
    void anAwaiterOfATaskThatFinishesInItsFirstStepWaitsForTheRestOfTheCallersStep() {
        assertEquals(List.of("parent returns", "caller continues", "child resumed", "main"),
                run(DirectResumptionOrderTest::callerOfAFirstStep));
    }
}
