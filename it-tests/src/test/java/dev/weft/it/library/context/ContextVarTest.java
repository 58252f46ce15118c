package dev.weft.it.library.context;

import static dev.weft.runtime.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.Async;
import dev.weft.runtime.ContextVar;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import dev.weft.runtime.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-task context, as Python's contextvars: inherited by child tasks, private to each task across awaits. */
class ContextVarTest {
    static final ContextVar<String> REQUEST = new ContextVar<>("request-id");
    static final ContextVar<Integer> DEPTH = new ContextVar<>("depth", () -> 0);

    @Async
    static Task<String> handle(String id, List<String> log) {
        REQUEST.set(id);
        for (int i = 0; i < 3; i++) {
            await(Tasks.sleep(Duration.ZERO));          // another request's task runs in between
            log.add(id + " sees " + REQUEST.get());
        }
        return Task.completed(await(child(log)));
    }

    @Async
    static Task<String> child(List<String> log) {
        String inherited = REQUEST.get();
        REQUEST.set(inherited + "/child");               // the child's own: the parent keeps its value
        await(Tasks.sleep(Duration.ZERO));
        return Task.completed(REQUEST.get());
    }

    @Async
    static Task<List<String>> twoRequests() {
        List<String> log = new ArrayList<>();
        Task<String> a = handle("A", log);
        Task<String> b = handle("B", log);
        String ra = await(a);
        String rb = await(b);
        log.add(ra);
        log.add(rb);
        log.add("main sees " + REQUEST.get("nothing"));
        return Task.completed(log);
    }

    @Test
    void eachTaskSeesItsOwnValueAcrossAwaitsAndChildrenInheritIt() {
        List<String> log = EventLoop.run(ContextVarTest::twoRequests);
        assertEquals(List.of("A sees A", "B sees B", "A sees A", "B sees B", "A sees A", "B sees B",
                "A/child", "B/child", "main sees nothing"), log);
    }

    @Async
    static Task<Integer> nested() {
        int outer = DEPTH.get();
        ContextVar.Token token = DEPTH.set(outer + 1);
        await(Tasks.sleep(Duration.ZERO));
        int inner = DEPTH.get();
        DEPTH.reset(token);
        return Task.completed(outer * 100 + inner * 10 + DEPTH.get());
    }

    @Test
    void resetPutsBackThePreviousValueAndDefaultsApply() {
        assertEquals(10, (int) EventLoop.run(ContextVarTest::nested));
        assertThrows(IllegalStateException.class, REQUEST::get, "never set, no default");
    }

    @Test
    void tasksStartFromTheValueOfTheThreadThatCreatesThem() {
        ContextVar.Token token = REQUEST.set("from main");
        try {
            String seen = EventLoop.run(() -> child(new ArrayList<>()));
            assertEquals("from main/child", seen);
            assertEquals("from main", REQUEST.get(), "the task's own set did not leak back to the thread");
        } finally {
            REQUEST.reset(token);
        }
        assertFalse(REQUEST.isSet());
    }

    @Async
    static Task<String> readsAfterResume(Future<String> gate) {
        REQUEST.set("loop-less");
        await(gate);
        return Task.completed(REQUEST.get());
    }

    @Test
    void aTaskWithoutALoopKeepsItsContextOnTheThreadThatResumesIt() throws Exception {
        Future<String> gate = new Future<>();
        Task<String> t = readsAfterResume(gate);
        Thread other = new Thread(() -> gate.complete("go"));
        other.start();
        other.join();
        assertEquals("loop-less", t.result());
        assertFalse(REQUEST.isSet(), "the loop-less task's value stayed with the task");
    }

    @Async
    static Task<String> offTheLoop() {
        REQUEST.set("request-7");
        String toThread = await(Tasks.toThread(() -> REQUEST.get("unset")));
        String inExecutor = await(EventLoop.running().runInExecutor(() -> REQUEST.get("unset")));
        String set = await(Tasks.toThread(() -> {
            REQUEST.set("worker");
            return REQUEST.get();
        }));
        return Task.completed(toThread + " " + inExecutor + " " + set + " " + REQUEST.get());
    }

    /**
     * asyncio.to_thread runs in a copy of the caller's context, run_in_executor in none. CPython 3.13:
     * <pre>
     * v = contextvars.ContextVar('v', default='unset')
     * async def main():
     *     v.set('request-7')
     *     print(await asyncio.to_thread(v.get))                       # request-7
     *     print(await loop.run_in_executor(None, v.get))              # unset
     *     def setter(): v.set('worker'); return v.get()
     *     print(await asyncio.to_thread(setter), v.get())             # worker request-7
     * </pre>
     */
    @Test
    void toThreadRunsInACopyOfTheCallersContextAndRunInExecutorInNone() {
        assertEquals("request-7 unset worker request-7", EventLoop.run(() -> offTheLoop()));
    }

    @Test
    void toThreadWithoutALoopCarriesTheCallersContextToo() throws Exception {
        ContextVar.Token token = REQUEST.set("from main");
        try {
            assertEquals("from main", Tasks.toThread(() -> REQUEST.get("unset")).get());
        } finally {
            REQUEST.reset(token);
        }
    }
}
