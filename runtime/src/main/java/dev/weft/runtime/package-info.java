/**
 * The Weft runtime: an event loop, futures and tasks in the model of Python's asyncio, and the coroutine
 * protocol that {@code @Async} methods are rewritten to.
 *
 * <h2>The pieces</h2>
 * <ul>
 *   <li>{@link dev.weft.runtime.EventLoop}: one thread; a ready queue of callbacks run in turns, a timer heap,
 *       a lock-free inbox for other threads. {@code EventLoop.run(main)} is asyncio.run.</li>
 *   <li>{@link dev.weft.runtime.Future}: pending, cancelled or finished; done-callbacks go through the owner
 *       loop's ready queue. Bridges to and from {@code CompletionStage}.</li>
 *   <li>{@link dev.weft.runtime.Task}: a future that steps a {@link dev.weft.runtime.Coroutine}.</li>
 *   <li>{@link dev.weft.runtime.Await#await}: the suspension point; {@link dev.weft.runtime.Tasks#sleep}.</li>
 *   <li>Async iteration: {@link dev.weft.runtime.AsyncIterator} (asyncio's {@code __anext__}/{@code aclose}),
 *       {@link dev.weft.runtime.AsyncGenerator} (an {@code @Async} body emitting through an
 *       {@link dev.weft.runtime.Emitter}, asyncio's async generator), {@link dev.weft.runtime.AsyncIterators}
 *       (operators), {@link dev.weft.runtime.Flows} ({@code java.util.concurrent.Flow} both ways).</li>
 * </ul>
 *
 * <h2>The coroutine protocol (what the transformer emits)</h2>
 * A transformed {@code @Async} method is a coroutine: a class whose {@code step(sent, thrown)} runs the body
 * from its last suspension point (a {@code label} field picks it) to the next one. At an {@code await(f)}:
 * <ol>
 *   <li>if {@code f.isDone()}, the value is read with {@code f.result()} (which throws the original exception)
 *       and the body goes on: nothing is saved, nothing allocated;</li>
 *   <li>otherwise the live locals and operand-stack values are saved into fields, {@code label} is set to the
 *       resume point, and the step returns {@code task.suspendOn(f)}, i.e. {@link dev.weft.runtime.Coroutine#SUSPENDED};</li>
 *   <li>on the next step, the saved values are restored and, at the await, {@code thrown} is thrown when set
 *       (so the user's catch/finally handle it), else {@code sent} is the await's value.</li>
 * </ol>
 * A step that returns anything else finishes the task with that value; one that throws fails it (a
 * {@code CancellationException} cancels it). The generated coroutine is a subclass of
 * {@link dev.weft.runtime.Task} overriding {@code step}: task, frame and waiter registration are one object.
 *
 * <h2>The task step (asyncio's {@code Task.__step})</h2>
 * <ol>
 *   <li>If a cancellation is pending, a {@code CancellationException} replaces what was to be sent, unless the
 *       future the task was woken by stands for code asyncio runs in the task's own step (a TaskGroup's exit): the
 *       task then gets that future's outcome, and the cancellation stays pending for its next await.</li>
 *   <li>The loop's current task is set; {@code step} runs.</li>
 *   <li>Returned: the task finishes, or, when a cancellation requested during the step is still pending, is
 *       cancelled and the value dropped. Threw: the task fails, or is cancelled for a CancellationException.</li>
 *   <li>Suspended on {@code f}: if a cancellation was requested during the step, {@code f} is cancelled (unless
 *       {@code f} is a {@code sleep(ZERO)}, asyncio's bare yield: the request then waits for the next step); then
 *       the task adds itself to {@code f}'s done-callbacks (no wrapper object). When {@code f} completes, the
 *       task is put in its loop's ready queue as an (action, argument) pair (task, f), and the next step
 *       sends {@code f}'s value or throws its exception.</li>
 * </ol>
 * A task that finishes may resume its awaiter at once instead of through the queue, only when nothing else would
 * run in between (nothing ready, no timer due, nothing from other threads, the loop not stopping), so the order is
 * always the queue's. The first step runs inside the call that creates the task, on the calling thread
 * ({@link dev.weft.runtime.Tasks#startSoon} queues it instead). A task with no loop
 * steps on whatever thread completes the future it awaits; callbacks of loop-less futures run through a
 * per-thread trampoline, so long chains never deepen the stack.
 *
 * <h2>Errors never pass silently</h2>
 * The runtime reports what no caller can see, in every mode, through the loop's exception handler (by default
 * {@link java.lang.System.Logger} "dev.weft.runtime" at ERROR): a callback that threw, a task that failed while
 * {@code EventLoop.run} was shutting down, and a future or task that failed and whose exception nobody retrieved
 * ({@code NeverRetrieved}: reported when the GC collects it, at the latest when its loop closes, once). Only the
 * failure path pays for this; a future that finishes with a value is not watched at all. A task that fails gets
 * the awaits of the tasks that were waiting for it as a suppressed {@link dev.weft.runtime.AsyncTrace}, read from
 * the waiting tasks (no stack walk). Debug mode ({@code -Dweft.debug=true}) adds the slow-callback report, tasks
 * collected while pending or never awaited, and where each task was created.
 *
 * <h2>Flight Recorder</h2>
 * With {@code jdk.jfr} present, the runtime emits {@code dev.weft.TaskCreated}, {@code TaskSuspended},
 * {@code TaskResumed} (a step's duration), {@code TaskCompleted} and {@code SlowCallback} events, each naming the
 * task, its {@code @Async} method and the await line; all are disabled by default and cost a check of the event
 * class until a recording enables them ({@code -XX:StartFlightRecording:+dev.weft.TaskSuspended#enabled=true}).
 *
 * <h2>Threads</h2>
 * A loop's state (its queue, its futures, its tasks) is confined to the loop's thread. Methods of a future or
 * task that change it, called from another thread while the loop runs, are forwarded to the loop with
 * {@code callSoonThreadsafe}. Futures with no loop are thread-safe (a monitor per future).
 * {@link dev.weft.runtime.EventLoop#submit} hands a call to a loop from any thread, as asyncio's
 * {@code run_coroutine_threadsafe}, with a {@code CompletableFuture} of its result.
 */
package dev.weft.runtime;
