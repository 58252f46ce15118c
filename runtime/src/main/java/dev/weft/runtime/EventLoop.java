package dev.weft.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A single-threaded event loop in the model of asyncio's: it runs ready callbacks in order, timers when they
 * are due, and callbacks handed over by other threads, on the one thread that runs it.
 *
 * <pre>{@code
 * int sum = EventLoop.run(() -> addLater(1, 2));   // asyncio.run: new loop, run main's task, clean up, close
 * }</pre>
 *
 * <h2>One turn</h2>
 * Each turn (asyncio's {@code _run_once}) moves what other threads sent ({@link #callSoonThreadsafe}) to the
 * ready queue, sleeps until the next timer when nothing is ready (in a selector once a channel is watched, see
 * {@link #addReader}; it is polled without waiting when callbacks are ready), queues the callbacks of the channels
 * found ready, moves the timers that are due to the ready queue, then runs the callbacks that were ready at that
 * point, and only those: a callback scheduled while the turn runs waits for the next one. This gives the total order of contract item 9: {@code callSoon} callbacks
 * in call order; timers in deadline order, equal deadlines in call order; a task woken by a future after the
 * callbacks already ready.
 *
 * <h2>Threads</h2>
 * A loop runs on the thread that calls {@link #runForever}, {@link #runUntilComplete} or {@link #run}. Its
 * state is confined to that thread; only {@link #callSoonThreadsafe}, {@link #submit} (and {@link #stop}) may be
 * called from others while it runs. As a safety net, {@link #callSoon} called from another thread while the loop
 * runs acts as {@code callSoonThreadsafe}; those callbacks run in the turn after they arrive. Cross-thread
 * hand-off is one lock-free queue plus an unpark of the loop thread when it sleeps; the loop's own queue takes no
 * lock and allocates nothing once grown.
 *
 * <h2>Errors</h2>
 * A callback that throws never stops the loop: the exception goes to the {@linkplain #setExceptionHandler
 * exception handler}, which by default logs it through {@link System.Logger} ("dev.weft.runtime", ERROR). So does,
 * in every mode, the failure of a future or task of this loop that nobody retrieved (as asyncio's "Task exception
 * was never retrieved"), when it is collected or at the latest when the loop closes:
 * <pre>
 * Task exception was never retrieved: Task@59309333 demo.Main.failing(Main.java:14) (not retrieved when its loop closed)
 * java.lang.IllegalStateException: boom
 *     at demo.Main.failing(Main.java:15)
 *     ...
 * </pre>
 * See {@code NeverRetrieved} for what counts as retrieved.
 */
public final class EventLoop implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.weft.runtime");
    /**
     * The loop that last answered {@link #runningOrNull()}: checked against the current thread before the
     * thread-local map, so the common case (one loop, asked from its own thread) is a field read and a compare.
     */
    private static EventLoop lastFound;

    private static final BiConsumer<EventLoop, LoopError> LOG_ERRORS = (loop, error) -> logError(error);

    /** What the default exception handler does: log at ERROR through {@link System.Logger} "dev.weft.runtime". */
    static void logError(LoopError error) {
        LOG.log(System.Logger.Level.ERROR, error.message(), error.exception());
    }

    private final ReadyQueue ready = new ReadyQueue();

    private final Inbox inbox = new Inbox();
    private final TimerHeap timers = new TimerHeap();
    private long timerSequence;

    /** The thread running the loop, or null when it is not running. */
    private volatile Thread owner;
    /**
     * How the loop waits and is woken ({@link LoopWaiter}): its executor for an attached loop; for a loop that runs
     * itself, made the first time it has to wait (a run that never waits makes none).
     */
    private volatile LoopWaiter waiter;
    private boolean stopping;
    private volatile boolean closed;
    private BiConsumer<EventLoop, LoopError> exceptionHandler = LOG_ERRORS;

    /** The task whose step is running, or null. */
    Task<?> currentTask;
    /** The tasks current before each first step running now (for one that ends in an exception). */
    final EnteredSteps entered = new EnteredSteps();
    /** Debug mode for this loop (see {@link #setDebug(boolean)}). */
    volatile boolean debug = DebugChecks.GLOBAL;
    private long slowCallbackNanos = 100_000_000L;

    /**
     * Turns debug mode on or off for this loop (on for every loop with {@code -Dweft.debug=true}): callbacks and
     * task steps slower than {@link #setSlowCallbackDuration the threshold} are reported with the task, its
     * {@code @Async} method and the lines of the awaits the step ran between (a plain callback with its class and
     * the line that scheduled it, and the task it started), and the tasks made on this loop are tracked so that
     * one collected while pending, and the task of an {@code @Async} call nobody awaited, are reported with their
     * method and the line that created them. All through {@link System.Logger} "dev.weft.runtime" at WARNING. A
     * failure nobody retrieved is reported in every mode; debug mode adds the line that created the task.
     */
    public void setDebug(boolean on) {
        debug = on;
        if (on) {
            DebugChecks.tracking = true;
        }
    }

    public boolean isDebug() {
        return debug;
    }

    /** In debug mode, callbacks that run longer than {@code threshold} are reported (default 100 ms). */
    public void setSlowCallbackDuration(Duration threshold) {
        slowCallbackNanos = threshold.toNanos();
    }

    /** True while the loop runs the callbacks of a turn. */
    private boolean dispatching;
    /** The name {@link Tasks#named} gives the next task made on this loop, or null. Loop thread. */
    String nextTaskName;
    /** How many direct resumptions are nested on the stack now (see {@link #mayResumeDirectly()}). */
    int directDepth;
    private static final int MAX_DIRECT_DEPTH = 16;
    /** The task {@link #resumeChain} steps now, and the awaiter it handed on at its end, to step next. */
    private Task<?> chainStepping;
    private Task<?> chainNext;
    /** The task to resume, and the done future it resumes from, once the step running now has unwound. */
    private Task<?> afterStep;
    private Future<?> afterStepFrom;
    /** The pending tasks; made at the first registration. Loop thread. */
    private PendingTasks tasks;

    /** A new loop, not yet running. */
    public EventLoop() {
        this.attached = null;
        this.virtualClock = null;
    }

    private EventLoop(java.util.concurrent.Executor executor) {
        this.attached = new AttachedDriver(this, executor, this::attachedTurn);
        this.waiter = attached;
        this.virtualClock = null;
    }

    private EventLoop(Long scheduleSeed) {
        this.attached = null;
        this.virtualClock = new VirtualClock(this, scheduleSeed);
    }

    // ------------------------------------------------------------------------------------------ virtual time

    /** The clock of a loop in virtual time, or null: the only field the hot paths look at for it. */
    private final VirtualClock virtualClock;

    /**
     * A new loop whose clock is virtual (see {@link VirtualClock}): {@link #time()} starts at 0, and when nothing is
     * ready and no work that left the loop is outstanding, the clock jumps to the next timer instead of waiting for
     * it. For tests: an hour of {@code Tasks.sleep} takes microseconds, in the order it has in real time.
     *
     * <pre>{@code
     * EventLoop loop = EventLoop.withVirtualTime();
     * loop.runUntilComplete(Tasks.sleep(Duration.ofHours(1)));
     * assert loop.time() == Duration.ofHours(1).toNanos();
     * }</pre>
     */
    public static EventLoop withVirtualTime() {
        return new EventLoop((Long) null);
    }

    /**
     * A loop in virtual time whose schedule explorer ({@code ScheduleExplorer}) decides, from {@code seed}, the
     * points the contract leaves open: the order in which what other threads send arrives (completions of
     * {@link #runInExecutor} jobs and of awaited CompletableFutures, {@code callSoonThreadsafe} calls), held back
     * while work that left the loop is outstanding and then let in, one piece of work's arrivals together and in
     * their order, the pieces in an order the seed shuffles; and the order of the channels a turn finds ready. Run
     * a test with many seeds to meet the orders real threads give only now and then; the same seed gives the same
     * order again.
     *
     * <pre>{@code
     * for (long seed = 0; seed < 100; seed++) {
     *     EventLoop loop = EventLoop.exploringSchedules(seed);
     *     ...   // run the test on it; on failure, print the seed: exploringSchedules(seed) replays it
     * }
     * }</pre>
     */
    public static EventLoop exploringSchedules(long seed) {
        return new EventLoop(Long.valueOf(seed));
    }

    /** True for a loop made by {@link #withVirtualTime()}. */
    public boolean hasVirtualTime() {
        return virtualClock != null;
    }

    /**
     * The virtual clock of this loop.
     *
     * @throws IllegalStateException when the loop runs in real time (not made by {@link #withVirtualTime()})
     */
    public VirtualClock virtualClock() {
        VirtualClock v = virtualClock;
        if (v == null) {
            throw new IllegalStateException(this + " runs in real time; make it with EventLoop.withVirtualTime()");
        }
        return v;
    }

    /** The virtual clock, or null in real time: for the runtime's own hooks (runInExecutor, awaited stages). */
    VirtualClock virtualClockOrNull() {
        return virtualClock;
    }

    /**
     * {@link #run}, on a loop {@linkplain #withVirtualTime() in virtual time}: the same start, the same clean-up,
     * but timers fire as soon as nothing else can happen first.
     *
     * <pre>{@code
     * EventLoop.runInVirtualTime(() -> Tasks.sleep(Duration.ofMinutes(30)));   // returns at once
     * }</pre>
     */
    public static <T> T runInVirtualTime(Supplier<? extends CompletionStage<T>> main) {
        return runOn(withVirtualTime(), main);
    }

    /**
     * {@link #run}, on this loop, which has not run yet (one from {@link #withVirtualTime()} or {@link
     * #exploringSchedules}, say): {@code main} is called on it while it runs, the loop runs until what it returned is
     * done, and then it is cleaned up and closed as {@code run} does.
     *
     * <pre>{@code
     * int n = EventLoop.exploringSchedules(seed).runMain(() -> countReplies());
     * }</pre>
     *
     * @throws IllegalStateException when this loop is closed or running, or another loop runs on this thread
     */
    public <T> T runMain(Supplier<? extends CompletionStage<T>> main) {
        checkOpen();
        if (owner != null || attached != null) {
            throw new IllegalStateException("runMain needs a loop that is not running and runs itself: " + this);
        }
        return runOn(this, main);
    }

    // ------------------------------------------------------------------------------------------ attached loops

    /** For a loop attached to an executor: its turns' driver. Null for a loop that runs itself. */
    private final AttachedDriver attached;

    /**
     * A loop that lives on an existing single-threaded executor, so tasks can run on a Swing event dispatch
     * thread, a JavaFX application thread or a Netty event loop. Each turn of the loop is a job submitted to
     * {@code executor} when there is work (callbacks, a timer due, a hand-over from another thread); between
     * turns the thread is free for its own work. The executor must run its jobs on one thread, in order.
     *
     * <pre>{@code
     * EventLoop ui = EventLoop.attachedTo(SwingUtilities::invokeLater);
     * ui.callSoonThreadsafe(() -> loadAndShow());   // an @Async method, started on the EDT
     * }</pre>
     *
     * On that thread, after the first turn, {@link #running()} is this loop, so code there can start tasks and
     * create futures directly. {@code runForever}/{@code runUntilComplete} are not used with such a loop;
     * {@link #close()} stops it.
     */
    public static EventLoop attachedTo(java.util.concurrent.Executor executor) {
        EventLoop loop = new EventLoop(Objects.requireNonNull(executor, "executor"));
        loop.attached.queueTurn();
        return loop;
    }

    /** One turn of an attached loop, on its executor's thread; never blocks. */
    private void attachedTurn() {
        attached.turnStarted();
        if (closed) {
            return;
        }
        Thread me = Thread.currentThread();
        Thread o = owner;
        if (o == null) {
            ThreadState.here().running = this;
            lastFound = this;
            owner = me; // an attached loop keeps its thread
        } else if (o != me) {
            reportError(new LoopError(this + " ran a turn on thread '" + me.getName() + "' after thread '"
                    + o.getName() + "': the executor it is attached to must be single-threaded", null, attached.executor));
            return;
        }
        inbox.drainTo(this);
        timers.purgeIfMostlyCancelled();
        runDueCallbacks();
        if (closeRequested) {
            finishAttachedClose();
            return;
        }
        if (ready.size() > 0 || !inbox.isEmpty()) {
            attached.queueTurn();
        } else {
            TimerHandle next = timers.peek();
            if (next != null) {
                attached.wakeUpAt(next.when);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ the running loop

    /**
     * The loop running on this thread.
     *
     * @throws IllegalStateException when no loop runs on this thread
     */
    public static EventLoop running() {
        EventLoop loop = runningOrNull();
        if (loop == null) {
            throw new IllegalStateException("No event loop is running on thread '" + Thread.currentThread().getName()
                    + "'; start one with EventLoop.run(...)");
        }
        return loop;
    }

    /** The loop running on this thread, or {@code null}. */
    public static EventLoop runningOrNull() {
        Thread t = Thread.currentThread();
        EventLoop hint = lastFound;
        if (hint != null && hint.owner == t) {
            return hint;
        }
        EventLoop loop = ThreadState.here().running;
        if (loop != null) {
            lastFound = loop;
        }
        return loop;
    }

    /** True on the loop's own thread, or anywhere while the loop is not running (then the caller owns it). */
    boolean isConfinedHere() {
        Thread o = owner;
        return o == null ? attached == null : o == Thread.currentThread();
    }

    /** True on the thread running this loop. */
    public boolean inLoopThread() {
        return owner == Thread.currentThread();
    }

    public boolean isRunning() {
        return owner != null;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * The loop's clock, the time base of {@link #callAt}: {@link System#nanoTime()}, or for a loop in virtual time
     * the virtual nanoseconds since it was made ({@link VirtualClock#nanos()}).
     */
    public long time() {
        VirtualClock v = virtualClock;
        return v == null ? System.nanoTime() : v.nanos();
    }

    // ------------------------------------------------------------------------------------------ scheduling

    /**
     * Runs {@code callback} on a later turn, after the callbacks scheduled before it.
     *
     * @throws IllegalStateException when the loop is closed
     */
    public void callSoon(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        if (!isConfinedHere()) {
            callSoonThreadsafe(callback);
            return;
        }
        enqueue(DebugChecks.tracking && debug ? DebugChecks.scheduled(callback) : callback, null);
    }

    /**
     * As {@link #callSoon(Runnable)}, and returns a {@link Handle} that can take the callback back before it runs
     * (asyncio's {@code call_soon} returns one; Weft's plain {@code callSoon} does not, so it allocates nothing).
     * From another thread, as {@link #callSoonThreadsafe}.
     *
     * @throws IllegalStateException when the loop is closed
     */
    public Handle callSoonCancellable(Runnable callback) {
        Handle handle = new Handle(Objects.requireNonNull(callback, "callback"));
        callSoon(handle);
        return handle;
    }

    /**
     * As {@link #callSoon(Runnable)}, the callback running in {@code context} (asyncio's {@code
     * call_soon(callback, context=ctx)}): it sees that context's {@link ContextVar} values, and what it sets stays in
     * that run. Plain {@code callSoon} runs the callback in the loop thread's own context.
     *
     * @throws IllegalStateException when the loop is closed
     */
    public void callSoon(Runnable callback, Context context) {
        Objects.requireNonNull(callback, "callback");
        Objects.requireNonNull(context, "context");
        callSoon(new Runnable() {
            @Override
            public void run() {
                context.run(callback);
            }

            @Override
            public String toString() {
                return callback.toString();
            }
        });
    }

    /**
     * Runs {@code callback} on the loop thread; may be called from any thread, and wakes the loop if it sleeps.
     * Callbacks from one thread run in the order that thread scheduled them. Called on the loop's own thread it is
     * {@link #callSoon}: one FIFO queue with the {@code callSoon} callbacks and task steps, as asyncio's
     * {@code call_soon_threadsafe} (which appends to the same ready queue); from another thread the callback goes
     * through the inbox and runs in the turn after it arrives.
     *
     * @throws IllegalStateException when the loop is closed
     */
    public void callSoonThreadsafe(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        Runnable action = DebugChecks.tracking && debug ? DebugChecks.scheduled(callback) : callback;
        if (owner == Thread.currentThread()) {
            enqueue(action, null);
        } else {
            post(action, null);
        }
    }

    /**
     * Runs {@code callback} once {@code delay} has passed.
     *
     * @return a handle that cancels it
     */
    public TimerHandle callLater(Duration delay, Runnable callback) {
        long nanos;
        try {
            nanos = Math.max(0L, delay.toNanos());
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE / 2;
        }
        return callAt(time() + nanos, callback);
    }

    /**
     * Runs {@code callback} at {@code deadline}, a value of {@link #time()}.
     *
     * @return a handle that cancels it
     */
    public TimerHandle callAt(long deadline, Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        checkOpen();
        if (!isConfinedHere()) {
            throw new IllegalStateException("callLater/callAt must be called on the loop thread; "
                    + "use callSoonThreadsafe(() -> loop.callLater(...)) from other threads");
        }
        TimerHandle handle = new TimerHandle(this, deadline, timerSequence++,
                DebugChecks.tracking && debug ? DebugChecks.scheduled(callback) : callback);
        timers.add(handle);
        if (attached != null && !dispatching) {
            attached.wakeUpAt(deadline);
        }
        return handle;
    }

    /** Loop thread only: appends one (action, argument) pair to the ready queue. */
    void enqueue(Object action, Object arg) {
        if (closed) {
            throw new IllegalStateException("Event loop is closed");
        }
        if (attached != null && !dispatching) {
            attached.queueTurn(); // scheduled from the executor's thread between turns
        }
        ready.add(action, arg);
    }

    /**
     * True when a task that just finished (on this loop's thread) may resume its awaiter at once instead of
     * through the ready queue, because the order is then exactly the queue's (contract item 9; issue #12 item 1).
     * Through the queue the awaiter would run in the next turn, after the rest of this turn's batch and before what
     * that turn adds behind it: callbacks other threads sent, timers that fell due. Resumed at once, it is that next
     * turn, so it may go only when that turn would hold nothing else: nothing is ready (this batch's rest included),
     * the inbox is empty, no timer is due, and the loop is not stopping (a stop ends the run after this turn). Only
     * the trip is saved, which for a chain of awaits is one turn per level; what the awaiter schedules still waits
     * for the turn after. The clock is read only when a timer is scheduled.
     */
    boolean mayResumeDirectly() {
        return dispatching && ready.size() == 0 && directDepth < MAX_DIRECT_DEPTH && !stopping // on the loop thread
                && inbox.isEmpty() && noTimerDue();
    }

    /**
     * Resumes {@code awaiter}, whose awaited task {@code finished} has just ended a resumed step (see
     * {@link #mayResumeDirectly()}). When {@code finished} is the task {@link #resumeChain} is stepping, the awaiter
     * is handed back to it, to be stepped once this step has unwound: nothing runs in between, and the stack stays
     * flat however long the chain of awaiters.
     */
    void resumeDirectly(Task<?> awaiter, Task<?> finished) {
        if (chainStepping == finished) {
            chainNext = awaiter;
        } else {
            resumeChain(awaiter, finished);
        }
    }

    /**
     * True when {@link #resumeAfterStep} may be called: a callback of this loop's turn runs now, on this thread, and
     * no other resumption waits for it to unwind.
     */
    boolean canResumeAfterStep() {
        return dispatching && afterStep == null && owner == Thread.currentThread();
    }

    /**
     * Resumes {@code awaiter} from {@code from}, a future that is done and whose callback the caller took, as soon
     * as the callback running now (a task's step) has unwound, before anything else runs: an {@link AsyncGenerator}'s consumer
     * going on in the step in which the generator's body emitted or ended, as asyncio's consumer goes on in the step
     * that ran the generator's frame. Only after {@link #canResumeAfterStep()} said true.
     */
    void resumeAfterStep(Task<?> awaiter, Future<?> from) {
        afterStep = awaiter;
        afterStepFrom = from;
    }

    /** The resumption {@link #resumeAfterStep} left, after the callback that left it (see {@link #dispatch}). */
    private void runAfterStep() {
        Task<?> t = afterStep;
        Future<?> from = afterStepFrom;
        afterStep = null;
        afterStepFrom = null;
        resumeChain(t, from);
    }

    /**
     * Steps {@code awaiter} (from {@code from}: a finished task, or a done future), then each awaiter the stepped task
     * hands on when it finishes, and each resumption a step leaves with {@link #resumeAfterStep}. Loop thread.
     */
    private void resumeChain(Task<?> awaiter, Object from) {
        Task<?> outer = chainStepping; // a chain started inside a step that is not its own (a barrier's, say)
        directDepth++;
        try {
            Task<?> t = awaiter;
            Object f = from;
            while (t != null) {
                chainStepping = t;
                t.resumeFrom(f);
                Task<?> next = chainNext;
                chainNext = null;
                if (next != null) {
                    f = t;
                    t = next;
                } else if (afterStep != null) {
                    t = afterStep;
                    f = afterStepFrom;
                    afterStep = null;
                    afterStepFrom = null;
                } else {
                    t = null;
                }
            }
        } finally {
            chainStepping = outer;
            chainNext = null;
            directDepth--;
        }
    }

    private boolean noTimerDue() {
        if (timers.size() == 0) {
            return true;
        }
        TimerHandle next = timers.peek(); // a cancelled one counts as due: it would be dropped in the next turn
        return !next.isCancelled() && next.when - time() > 0;
    }

    /** From any thread: schedules (action, argument), directly when confined here, else through the inbox. */
    void schedule(Object action, Object arg) {
        if (isConfinedHere()) {
            enqueue(action, arg);
        } else {
            post(action, arg);
        }
    }

    private void post(Object action, Object arg) {
        checkOpen();
        if (virtualClock != null && virtualClock.explorer != null) {
            inbox.offer(ScheduleExplorer.arrival(action, arg), null); // with the group of the work it ends
        } else {
            inbox.offer(action, arg);
        }
        LoopWaiter w = waiter;
        if (w != null) {
            w.wake();
        }
    }

    void timerCancelled() {
        timers.cancelled++;
    }

    // ------------------------------------------------------------------------------------------ running

    /**
     * Runs turns until {@link #stop()} is called. Called after {@code stop()}, runs one turn.
     *
     * @throws IllegalStateException when the loop is closed or already running, or another loop runs on this
     *     thread
     */
    public void runForever() {
        checkOpen();
        if (attached != null) {
            throw new IllegalStateException(this + " is attached to an executor, which runs its turns; "
                    + "hand it work with callSoonThreadsafe instead of running it");
        }
        if (owner != null) {
            throw new IllegalStateException("This event loop is already running (on thread '"
                    + owner.getName() + "')");
        }
        if (runningOrNull() != null) {
            throw new IllegalStateException("Cannot run an event loop while another loop is running on thread '"
                    + Thread.currentThread().getName() + "'");
        }
        Thread me = Thread.currentThread();
        owner = me;
        ThreadState.here().running = this;
        lastFound = this;
        try {
            while (true) {
                runOnce();
                if (stopping) {
                    break;
                }
            }
        } finally {
            stopping = false;
            owner = null;
            ThreadState.here().running = null;
            if (lastFound == this) {
                lastFound = null;
            }
        }
    }

    /**
     * Runs the loop until {@code future} is done, and returns its result.
     *
     * @return the future's value
     * @throws IllegalStateException when the loop was stopped before the future was done
     * @throws Throwable (unchecked at the call site) the future's exception, or CancellationException
     */
    public <T> T runUntilComplete(Future<T> future) {
        Objects.requireNonNull(future, "future");
        if (!future.isDone()) {
            Stopper stopper = new Stopper();
            future.addCallback(stopper);
            try {
                runForever();
            } finally {
                stopper.armed = false; // it may be queued already, if the loop stopped for another reason
                future.removeCallback(stopper);
            }
            if (!future.isDone()) {
                throw new IllegalStateException("Event loop stopped before " + future + " was done");
            }
        }
        return future.result();
    }

    /** The done-callback of {@link #runUntilComplete}: stops the loop, unless that run is over already. */
    private final class Stopper implements Consumer<Future<?>> {
        boolean armed = true;

        @Override
        public void accept(Future<?> done) {
            if (armed) {
                stop();
            }
        }
    }

    /**
     * Stops the loop after the callbacks of the current turn. From another thread, the request is sent to the
     * loop thread.
     */
    public void stop() {
        if (isConfinedHere()) {
            stopping = true;
        } else {
            post((Runnable) () -> stopping = true, null);
        }
    }

    /**
     * Closes the loop: drops the callbacks and timers still scheduled. A closed loop cannot run or take
     * callbacks. Closing twice does nothing. As asyncio's {@code close}, the default executor is shut down without
     * waiting for its work ({@link #run} waits before it closes); calls handed over with {@link #submit} that have
     * not finished fail.
     *
     * @throws IllegalStateException when the loop is running
     */
    @Override
    public void close() {
        if (attached != null) {
            closeAttached();
            return;
        }
        if (owner != null) {
            throw new IllegalStateException("Cannot close a running event loop");
        }
        if (closed) {
            return;
        }
        releaseOnClose();
    }

    /**
     * Marks the loop closed and drops what it still holds; running executor jobs finish, unheard. Failures of
     * this loop's futures that nobody retrieved are reported now: with the loop gone, nobody can await them.
     */
    private void releaseOnClose() {
        closed = true;
        executorShutdownCalled = true;
        java.util.concurrent.ExecutorService executor = defaultExecutor;
        if (executor != null) {
            executor.shutdown();
        }
        failSubmissions();
        ready.clear();
        timers.clear();
        inbox.clear();
        closeOwnedResources();
        if (waiter instanceof SelectorWaiter s) {
            s.close();
        }
        NeverRetrieved.Watchlist failures = neverRetrieved;
        if (failures != null) {
            for (NeverRetrieved w : failures.drain()) {
                w.reportAtClose(this);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ never retrieved

    /** Failures of this loop's futures not retrieved yet; made at the first failure. */
    private volatile NeverRetrieved.Watchlist neverRetrieved;

    NeverRetrieved.Watchlist neverRetrieved() {
        NeverRetrieved.Watchlist list = neverRetrieved;
        if (list == null) {
            synchronized (this) {
                list = neverRetrieved;
                if (list == null) {
                    list = new NeverRetrieved.Watchlist();
                    neverRetrieved = list;
                }
            }
        }
        return list;
    }

    /**
     * A failed future of this loop was collected with its failure unretrieved (on the Cleaner's thread). The
     * default handler logs it from there at once; a handler of the application's gets it on the loop thread while
     * the loop is open (if the loop closes first, its close reports it), and directly once the loop is closed.
     */
    void reportCollected(NeverRetrieved w) {
        if (exceptionHandler == LOG_ERRORS || closed) {
            w.reportTo(this, "collected");
            return;
        }
        try {
            post((Runnable) () -> w.reportTo(this, "collected"), null);
        } catch (IllegalStateException closedMeanwhile) {
            w.reportTo(this, "collected");
        }
    }

    /** An attached loop was asked to close: it does at the end of the current (or next) turn. */
    private boolean closeRequested;

    /** Closing an attached loop: on its thread at once (or after the running turn), from another as a turn. */
    private void closeAttached() {
        if (closed) {
            return;
        }
        Thread o = owner;
        if (o != null && o != Thread.currentThread()) {
            post((Runnable) () -> closeRequested = true, null);
            return;
        }
        closeRequested = true;
        if (!dispatching) {
            finishAttachedClose();
        }
    }

    private void finishAttachedClose() {
        attached.cancelWakeUp();
        releaseOnClose();
        ThreadState here = ThreadState.here();
        if (here.running == this) {
            here.running = null;
        }
        if (lastFound == this) {
            lastFound = null;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("Event loop is closed");
        }
    }

    /** One turn: see the class documentation. */
    private void runOnce() {
        drainInbox();
        timers.purgeIfMostlyCancelled();

        LoopWaiter w = waiter; // read once: the field is volatile for the producers' sake
        boolean waited = false;
        if (ready.size() == 0 && !stopping) {
            long timeout = -1; // forever
            TimerHandle next = timers.peek();
            if (next != null) {
                timeout = Math.max(0L, next.when - time());
            }
            if (timeout != 0 && virtualClock != null) {
                timeout = virtualClock.beforeWait(inbox, next, w);
            }
            if (timeout != 0) {
                if (w == null) {
                    w = new ParkWaiter();
                    waiter = w;
                }
                w.await(inbox, timeout);
                waited = true;
                drainInbox();
            }
        }
        if (w instanceof SelectorWaiter s) {
            if (!waited) {
                s.poll(); // callbacks are ready: the channels are looked at without waiting
            }
            // after what other threads sent, before the timers due
            s.queueReady(this, virtualClock != null ? virtualClock.explorer : null);
        }

        runDueCallbacks();
    }

    /** Moves what other threads sent to the ready queue (through the schedule explorer, when there is one). */
    private void drainInbox() {
        VirtualClock v = virtualClock;
        if (v != null && v.explorer != null) {
            v.explorer.drain(inbox, this);
        } else {
            inbox.drainTo(this);
        }
    }

    /** The second half of a turn: due timers join the ready queue, then the callbacks ready now run. */
    private void runDueCallbacks() {
        moveDueTimers();
        int todo = ready.size();
        dispatching = true;
        try {
            runReady(todo);
        } finally {
            dispatching = false;
        }
        PendingTasks t = tasks;
        if (t != null) {
            t.endOfTurn();
        }
    }

    /** Moves the timers that are due to the ready queue. */
    private void moveDueTimers() {
        if (timers.size() > 0) { // the clock costs ~20 ns: read it only when a timer may be due
            long now = time();
            TimerHandle due;
            while ((due = timers.peek()) != null && due.when - now <= 0) {
                timers.poll();
                due.unscheduled = true;
                if (due.isCancelled()) {
                    timers.cancelled--;
                } else {
                    enqueue(due, null);
                }
            }
        }
    }

    private void runReady(int todo) {
        for (int i = 0; i < todo; i++) {
            ReadyQueue q = ready;
            Object action = q.firstAction();
            Object arg = q.firstArg();
            q.removeFirst();
            if (debug || FlightEvents.ACTIVE.timesCallbacks()) {
                dispatchTimed(action, arg);
            } else {
                dispatch(action, arg);
            }
        }
    }

    /**
     * The dispatch of debug mode, or of a recording with the slow-callback event on: a callback or step slower
     * than the threshold is reported with what it was (see {@link DebugChecks#describeCallback}): "Executing a
     * step of Task@4c873330 demo.Main.slowStep(Main.java:80), from the await at line 73 to the await at line 80,
     * took 0.317 seconds".
     */
    private void dispatchTimed(Object action, Object arg) {
        StackTraceElement siteBefore = action instanceof Task<?> t ? Task.siteOf(t) : null;
        DebugChecks.startWatchingCallback();
        Object event = FlightEvents.ACTIVE.beginCallback();
        long start = System.nanoTime();
        dispatch(action, arg);
        long took = System.nanoTime() - start;
        Task<?> started = DebugChecks.stopWatchingCallback();
        if (event != null) {
            FlightEvents.ACTIVE.endCallback(event, action, arg, siteBefore, started);
        }
        if (debug && took > slowCallbackNanos) {
            LOG.log(System.Logger.Level.WARNING, String.format("Executing %s took %.3f seconds",
                    DebugChecks.describeCallback(action, arg, siteBefore, started), took / 1e9));
        }
    }

    /** Runs one ready entry; an exception goes to the exception handler. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void dispatch(Object action, Object arg) {
        try {
            if (action instanceof Task<?> task) {
                if (task.loop == this) {
                    task.resumeFrom(arg);
                } else {
                    task.wake(arg);
                }
            } else if (arg == null) {
                if (action instanceof TimerHandle timer) {
                    if (!timer.isCancelled()) {
                        timer.callback.run();
                    }
                } else {
                    ((Runnable) action).run();
                }
            } else {
                ((Consumer) action).accept(arg);
            }
        } catch (Throwable e) {
            reportError(new LoopError("Exception in callback " + action, e, action));
        }
        if (afterStep != null) {
            runAfterStep(); // a step it ran left a resumption (an async generator's consumer): it goes on now
        }
    }

    // ------------------------------------------------------------------------------------------ leaving the loop

    /**
     * The executor {@link #runInExecutor(java.util.concurrent.Callable)} uses: the one given to
     * {@link #setDefaultExecutor}, or one made at the first use; shut down by {@link #close()}.
     */
    private volatile java.util.concurrent.ExecutorService defaultExecutor;
    /** {@link #shutdownDefaultExecutor} or {@link #close()} was called: the default executor takes no more work. */
    private volatile boolean executorShutdownCalled;

    /**
     * Runs blocking work on a thread of the loop's default executor and returns a future of this loop that
     * completes, on the loop's thread, with its result. As asyncio's {@code run_in_executor(None, fn)}:
     *
     * <pre>{@code
     * String page = await(EventLoop.running().runInExecutor(() -> Files.readString(path)));
     * }</pre>
     *
     * The default executor is the one given to {@link #setDefaultExecutor}, or else one made at the first call:
     * daemon threads named {@code weft-executor-N}, created as needed and ended after a minute idle.
     * {@link #run} waits for it at the end ({@link #shutdownDefaultExecutor}); {@link #close()} shuts it down
     * without waiting.
     *
     * <p>Cancelling the future interrupts the work if it has started, and keeps it from starting otherwise. As
     * {@code run_in_executor}, the work does not see the caller's {@link ContextVar}s (the executor thread's own
     * context applies); {@link Tasks#toThread} runs it in a copy of them, as {@code to_thread}.
     *
     * @throws IllegalStateException when the loop is closed, or {@link #shutdownDefaultExecutor} has been called
     *     (asyncio's "Executor shutdown has been called")
     */
    public <T> Future<T> runInExecutor(java.util.concurrent.Callable<T> work) {
        checkOpen();
        checkDefaultExecutor();
        java.util.concurrent.ExecutorService executor = defaultExecutor;
        if (executor == null) {
            synchronized (this) {
                checkDefaultExecutor();
                executor = defaultExecutor;
                if (executor == null) {
                    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
                    executor = java.util.concurrent.Executors.newCachedThreadPool(r -> {
                        Thread t = new Thread(r, "weft-executor-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
                    defaultExecutor = executor;
                }
            }
        }
        return runInExecutor(executor, work);
    }

    private void checkDefaultExecutor() {
        if (executorShutdownCalled) {
            throw new IllegalStateException("The default executor of " + this + " has been shut down "
                    + "(shutdownDefaultExecutor or close was called); pass an executor to runInExecutor instead");
        }
    }

    /**
     * Makes {@code executor} the default executor, used by {@link #runInExecutor(java.util.concurrent.Callable)}
     * and {@link Tasks#toThread}, as asyncio's {@code set_default_executor}. As there, the default executor used
     * until now, whether given before or made by the loop, is not shut down: its running work goes on, and a
     * default executor made by the loop ends its idle threads after a minute. The loop shuts {@code executor}
     * down when it closes (and {@link #run} waits for it), as one it made itself.
     *
     * <pre>{@code
     * loop.setDefaultExecutor(Executors.newFixedThreadPool(4));
     * }</pre>
     */
    public void setDefaultExecutor(java.util.concurrent.ExecutorService executor) {
        Objects.requireNonNull(executor, "executor");
        synchronized (this) {
            defaultExecutor = executor;
        }
    }

    /**
     * As {@link #shutdownDefaultExecutor(Duration)} with no time limit (asyncio's {@code timeout=None}).
     */
    public Future<Void> shutdownDefaultExecutor() {
        return shutdownDefaultExecutor(null);
    }

    /**
     * Shuts the default executor down and waits for its threads to finish, as asyncio's (3.12+)
     * {@code shutdown_default_executor(timeout)}: the executor takes no more work, and a thread of its own (not
     * the loop's, which goes on running) waits for the work already given to it. The returned future, of this loop,
     * completes once that work is done, or once {@code timeout} has passed; then a warning is logged (asyncio's
     * RuntimeWarning; here {@link System.Logger} "dev.weft.runtime", WARNING) and the work left goes on
     * unwaited. From now on, {@link #runInExecutor(java.util.concurrent.Callable)} and {@link Tasks#toThread} on
     * this loop throw an IllegalStateException; {@link #runInExecutor(java.util.concurrent.Executor,
     * java.util.concurrent.Callable)} with an executor of one's own still works. With no default executor (none
     * made or given), the future is done at once.
     *
     * <pre>{@code
     * await(EventLoop.running().shutdownDefaultExecutor(Duration.ofSeconds(5)));
     * }</pre>
     *
     * {@link #run} calls it when main's task and the tasks left are done, with asyncio's 300 seconds.
     *
     * @param timeout how long to wait for the work, or {@code null} for no limit
     * @throws IllegalStateException when the loop is closed
     */
    public Future<Void> shutdownDefaultExecutor(Duration timeout) {
        checkOpen();
        java.util.concurrent.ExecutorService executor;
        synchronized (this) {
            executorShutdownCalled = true;
            executor = defaultExecutor;
        }
        Future<Void> done = new Future<>(this);
        if (executor == null) {
            done.tryComplete(null);
            return done;
        }
        executor.shutdown();
        Thread joiner = new Thread(() -> {
            boolean finished;
            try {
                finished = timeout == null
                        ? executor.awaitTermination(Long.MAX_VALUE, java.util.concurrent.TimeUnit.NANOSECONDS)
                        : executor.awaitTermination(Math.max(0L, timeout.toNanos()),
                                java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                finished = false;
            }
            boolean inTime = finished;
            Runnable report = () -> {
                if (!inTime) {
                    LOG.log(System.Logger.Level.WARNING, "The executor did not finish joining its threads within "
                            + seconds(timeout) + " seconds (the default executor of " + this + ")");
                    // asyncio then calls shutdown(wait=False), which the shutdown() above already did
                }
                done.tryComplete(null);
            };
            try {
                callSoonThreadsafe(report);
            } catch (IllegalStateException closedMeanwhile) {
                report.run();
            }
        }, "weft-executor-shutdown");
        joiner.setDaemon(true);
        joiner.start();
        return done;
    }

    /** {@code timeout} in seconds as asyncio prints it: {@code 300}, {@code 0.05}. */
    private static String seconds(Duration timeout) {
        return timeout == null ? "unlimited"
                : java.math.BigDecimal.valueOf(timeout.toNanos(), 9).stripTrailingZeros().toPlainString();
    }

    /** How long {@link #run} waits for the default executor's work: asyncio's {@code THREAD_JOIN_TIMEOUT}. */
    private static final Duration THREAD_JOIN_TIMEOUT = Duration.ofSeconds(300);

    /**
     * Runs blocking work on {@code executor} and returns a future of this loop that completes, on the loop's
     * thread, with its result or its exception (the original one). Cancelling the future cancels the submitted
     * job ({@code cancel(true)}: interrupted if running) when the executor is an {@link
     * java.util.concurrent.ExecutorService}.
     */
    public <T> Future<T> runInExecutor(java.util.concurrent.Executor executor, java.util.concurrent.Callable<T> work) {
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(work, "work");
        checkOpen();
        Future<T> result = new Future<>(this);
        VirtualClock clock = virtualClock;
        // the job holds the virtual clock until its outcome has been handed over; what it sends is one group
        long workNumber = clock == null ? 0 : clock.take();
        java.util.concurrent.Callable<T> call = clock == null || clock.explorer == null ? work : () -> {
            long[] group = ScheduleExplorer.GROUP.get();
            long outer = group[0];
            group[0] = workNumber;
            try {
                return work.call();
            } finally {
                group[0] = outer;
            }
        };
        java.util.concurrent.FutureTask<T> job = new java.util.concurrent.FutureTask<>(call) {
            @Override
            protected void done() {
                if (clock == null) {
                    handOver();
                } else {
                    clock.handOverAndRelease(workNumber, this::handOver);
                }
            }

            private void handOver() {
                if (isClosed()) {
                    return; // the loop is gone: nobody can receive the outcome
                }
                try {
                    if (isCancelled()) {
                        result.cancel();
                    } else {
                        result.tryComplete(get());
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    result.tryFail(e.getCause() != null ? e.getCause() : e);
                } catch (InterruptedException | java.util.concurrent.CancellationException e) {
                    result.cancel();
                } catch (IllegalStateException closedMeanwhile) {
                    // the loop closed between the check and the hand-over
                }
            }
        };
        result.addCallback((Consumer<Future<?>>) f -> {
            if (f.isCancelled()) {
                job.cancel(true);
            }
        });
        try {
            executor.execute(job);
        } catch (RuntimeException rejected) {
            if (clock != null) {
                clock.release();
            }
            throw rejected;
        }
        return result;
    }

    // ------------------------------------------------------------------------------------------ from other threads

    /** Calls handed over by {@link #submit} and not finished; made at the first one. */
    private volatile java.util.Set<Submission<?>> submissions;

    /**
     * Runs {@code call} on this loop, from any thread, and returns a {@link java.util.concurrent.CompletableFuture}
     * of its result: asyncio's {@code run_coroutine_threadsafe(coro, loop)}. On the loop's thread, on a later
     * turn, a task is started that calls {@code call} (which usually calls an {@code @Async} method, as the
     * {@code main} of {@link #run} does, and may return a Task, any {@link Future} or {@link CompletionStage}, or a
     * plain value) and awaits what it returns. The two are chained both ways, as in asyncio: the
     * CompletableFuture completes with the result, fails with the task's exception (the original one, so
     * {@code get()} throws an ExecutionException around it), and is cancelled when the task is; cancelling the
     * CompletableFuture cancels the task (a CancellationException is thrown in at its await), or, before the
     * task has started, keeps {@code call} from being called at all.
     *
     * <pre>{@code
     * EventLoop loop = ...;                         // running on another thread
     * int n = loop.submit(() -> countRows(table)).get(5, TimeUnit.SECONDS);
     * }</pre>
     *
     * Named as {@link java.util.concurrent.ExecutorService#submit}, which it resembles: work handed to the thread
     * that owns it, a future back. It may also be called on the loop's own thread, as asyncio allows: the call then
     * runs on a later turn; await the CompletableFuture there, never block on it ({@code get()} would wait for the
     * loop it blocks). It may be called before the loop runs: the call runs once it does.
     *
     * <p>If the loop closes before the call has run, or while its task is pending (closed without
     * {@link #run}'s clean-up, which cancels the task), the CompletableFuture fails with an IllegalStateException
     * that says so, rather than never completing.
     *
     * @throws IllegalStateException when the loop is closed
     */
    public <T> java.util.concurrent.CompletableFuture<T> submit(Supplier<? extends CompletionStage<T>> call) {
        Submission<T> submission = new Submission<>(this, call);
        java.util.Set<Submission<?>> pending = submissions;
        if (pending == null) {
            synchronized (this) {
                pending = submissions;
                if (pending == null) {
                    pending = java.util.concurrent.ConcurrentHashMap.newKeySet();
                    submissions = pending;
                }
            }
        }
        pending.add(submission);
        try {
            callSoonThreadsafe(submission);
        } catch (IllegalStateException closedAlready) {
            pending.remove(submission);
            throw closedAlready;
        }
        if (closed) {
            submission.loopClosed(); // closed while it was handed over: it may never run
        }
        return submission.result;
    }

    /** The CompletableFuture of {@code submission} is done. */
    void submissionDone(Submission<?> submission) {
        java.util.Set<Submission<?>> pending = submissions;
        if (pending != null) {
            pending.remove(submission);
        }
    }

    /** At close: the calls handed over and not finished will never be; their CompletableFutures fail. */
    private void failSubmissions() {
        java.util.Set<Submission<?>> pending = submissions;
        if (pending != null) {
            for (Submission<?> s : List.copyOf(pending)) {
                s.loopClosed();
            }
        }
    }

    // ------------------------------------------------------------------------------------------ errors

    /**
     * Sets what receives errors no caller can see (a callback that threw, a task that failed during shutdown);
     * {@code null} restores the default, which logs through {@link System.Logger}.
     */
    public void setExceptionHandler(BiConsumer<EventLoop, LoopError> handler) {
        this.exceptionHandler = handler == null ? LOG_ERRORS : handler;
    }

    /** Hands {@code error} to the exception handler; a handler that throws is logged and ignored. */
    public void reportError(LoopError error) {
        try {
            exceptionHandler.accept(this, error);
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.ERROR, "Exception in the event loop's exception handler", e);
            LOG.log(System.Logger.Level.ERROR, error.message(), error.exception());
        }
    }

    // ------------------------------------------------------------------------------------------ owned resources

    /** What closes with this loop, in the order it was given; made at the first. Loop thread. */
    private java.util.LinkedHashSet<AutoCloseable> owned;

    /**
     * Closes {@code resource} when this loop closes, unless {@link #stopClosingWithLoop} was called for it first:
     * how the connections and servers of {@code dev.weft.runtime.net} are closed when {@link #run} ends (after the
     * tasks still pending were cancelled, whose {@code finally} blocks may close them first). Resources close in the
     * order they were given; what one throws goes to the exception handler and the others still close. Loop
     * thread only.
     */
    public void closeWithLoop(AutoCloseable resource) {
        Objects.requireNonNull(resource, "resource");
        checkLoopThread("hand a resource to");
        checkOpen();
        if (owned == null) {
            owned = new java.util.LinkedHashSet<>();
        }
        owned.add(resource);
    }

    /** {@code resource} closed by its owner: the loop no longer closes (nor holds) it. False when it did not. */
    public boolean stopClosingWithLoop(AutoCloseable resource) {
        return owned != null && owned.remove(resource);
    }

    private void closeOwnedResources() {
        java.util.LinkedHashSet<AutoCloseable> all = owned;
        owned = null;
        if (all == null) {
            return;
        }
        for (AutoCloseable r : all) {
            try {
                r.close();
            } catch (Exception e) {
                reportError(new LoopError("closing " + r + " with " + this + " failed", e, r));
            }
        }
    }

    // ------------------------------------------------------------------------------------------ channels

    /**
     * Calls {@code callback} in each turn in which {@code channel} is ready to read (to accept, for a server
     * channel), until {@link #removeReader}; asyncio's {@code add_reader}. The channel is made non-blocking. A
     * reader added again for the same channel replaces the earlier one. The loop then waits in a
     * {@link java.nio.channels.Selector} (one per loop, opened by the first channel): each turn polls it, and the
     * callbacks of the channels found ready are queued after the callbacks other threads sent and before the timers
     * that fell due, a channel's reader before its writer. Closing the channel forgets it (one whose callbacks were
     * all removed stays registered, selecting nothing, until it closes); closing the loop closes the selector, not
     * the channels. Loop thread only; not on a loop attached to an executor, which cannot wait
     * in a selector: run the I/O on a loop of its own and hand results over with {@link #callSoonThreadsafe} or
     * {@link #submit}.
     *
     * @throws IllegalStateException off the loop thread, on an attached or closed loop
     * @throws java.io.UncheckedIOException when the selector cannot be opened or the channel made non-blocking
     */
    public void addReader(java.nio.channels.SelectableChannel channel, Runnable callback) {
        watch(channel, callback, true);
    }

    /**
     * As {@link #addReader}, for the turns in which {@code channel} is ready to write (or to finish connecting,
     * for a socket channel whose connection is pending); asyncio's {@code add_writer}.
     */
    public void addWriter(java.nio.channels.SelectableChannel channel, Runnable callback) {
        watch(channel, callback, false);
    }

    /** Stops calling the reader of {@code channel}: false when it had none. Loop thread only. */
    public boolean removeReader(java.nio.channels.SelectableChannel channel) {
        return unwatch(channel, true);
    }

    /** Stops calling the writer of {@code channel}: false when it had none. Loop thread only. */
    public boolean removeWriter(java.nio.channels.SelectableChannel channel) {
        return unwatch(channel, false);
    }

    private void watch(java.nio.channels.SelectableChannel channel, Runnable callback, boolean reader) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(callback, "callback");
        SelectorWaiter s = selectorWaiter();
        java.nio.channels.SelectionKey key = s.keyOf(channel);
        try {
            if (key == null) {
                channel.configureBlocking(false);
                SelectorWaiter.Watch w = s.newWatch();
                key = channel.register(s.selector, 0, w);
            }
            SelectorWaiter.Watch w = (SelectorWaiter.Watch) key.attachment();
            if (reader) {
                w.reader = callback;
            } else {
                w.writer = callback;
            }
            key.interestOps(interestOf(channel, w));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot watch " + channel + ": " + e.getMessage(), e);
        }
    }

    private boolean unwatch(java.nio.channels.SelectableChannel channel, boolean reader) {
        Objects.requireNonNull(channel, "channel");
        checkLoopThread("remove a channel's callback");
        if (!(waiter instanceof SelectorWaiter s)) {
            return false;
        }
        java.nio.channels.SelectionKey key = s.keyOf(channel);
        if (key == null) {
            return false;
        }
        SelectorWaiter.Watch w = (SelectorWaiter.Watch) key.attachment();
        boolean had = reader ? w.reader != null : w.writer != null;
        if (reader) {
            w.reader = null;
        } else {
            w.writer = null;
        }
        // with neither, the key stays, selecting nothing, until the channel closes: a cancelled key would refuse
        // the channel's next registration until a select had flushed it
        key.interestOps(interestOf(channel, w));
        return had;
    }

    /** The operations to select for: read or accept for the reader, write or (when pending) connect for the writer. */
    private static int interestOf(java.nio.channels.SelectableChannel channel, SelectorWaiter.Watch w) {
        int valid = channel.validOps();
        int ops = 0;
        if (w.reader != null) {
            ops |= valid & (java.nio.channels.SelectionKey.OP_READ | java.nio.channels.SelectionKey.OP_ACCEPT);
        }
        if (w.writer != null) {
            boolean connecting = channel instanceof java.nio.channels.SocketChannel sc && sc.isConnectionPending();
            ops |= connecting ? java.nio.channels.SelectionKey.OP_CONNECT
                    : valid & java.nio.channels.SelectionKey.OP_WRITE;
        }
        return ops;
    }

    /** This loop's selector, opened now if it has none; the loop waits in it from the next turn on. */
    private SelectorWaiter selectorWaiter() {
        checkOpen();
        if (attached != null) {
            throw new IllegalStateException(this + " is attached to an executor and cannot wait in a selector for"
                    + " channels: run the I/O on a loop of its own (EventLoop.run or runForever on a thread of its"
                    + " own) and hand results over with callSoonThreadsafe or submit");
        }
        checkLoopThread("watch a channel");
        if (waiter instanceof SelectorWaiter s) {
            return s;
        }
        try {
            SelectorWaiter s = new SelectorWaiter();
            waiter = s; // a producer that still wakes the park waiter finds it asleep no more: see LoopWaiter
            return s;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot open a selector for " + this, e);
        }
    }

    private void checkLoopThread(String what) {
        if (!isConfinedHere()) {
            throw new IllegalStateException("Cannot " + what + " of " + this + " from thread '"
                    + Thread.currentThread().getName() + "': only from the loop's own thread");
        }
    }

    // ------------------------------------------------------------------------------------------ tasks

    /** {@code task} suspends for the first time, on {@code awaited}: it joins the pending tasks. */
    void register(Task<?> task, Object awaited) {
        pendingTasksMade().add(task, awaited);
    }

    void register(Task<?> task) {
        pendingTasksMade().add(task);
    }

    private PendingTasks pendingTasksMade() {
        PendingTasks t = tasks;
        if (t == null) {
            t = tasks = new PendingTasks();
        }
        return t;
    }

    /** The task is finishing: it leaves the pending tasks, if it had joined them. */
    void unregister(Task<?> task, boolean failing) {
        if (task.takeRegistered()) {
            tasks.remove(task, failing);
        }
    }

    /** How many tasks of this loop hold a slot among the pending ones. */
    private int registeredTasks() {
        PendingTasks t = tasks;
        return t == null ? 0 : t.registered();
    }

    /**
     * The tasks of this loop that are not done yet, in the order they first suspended (a task reached through its
     * awaiter, see {@link PendingTasks#add(Task, Object)}, right after that awaiter), then those in their first step.
     * Loop thread only.
     */
    public List<Task<?>> pendingTasks() {
        List<Task<?>> all = new ArrayList<>(registeredTasks() + 1);
        java.util.Set<Task<?>> unlisted = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        PendingTasks pt = tasks;
        if (pt != null) {
            pt.listInto(this, all, unlisted);
        }
        // the tasks in their first step, which join the pending ones only when they suspend: the running one, and
        // those whose first steps are on the stack below it (each once: a task is on that stack while its own first
        // step runs, and a resumed task there has suspended before, so is registered or reached above; a task in
        // its first step may be awaited already, by a task it started)
        for (int i = 0; i <= entered.depth(); i++) {
            Task<?> t = i < entered.depth() ? entered.at(i) : currentTask;
            if (t != null && t.loop == this && !t.registered() && !t.isDone()
                    && !unlisted.contains(t)) {
                all.add(t);
            }
        }
        return all;
    }

    /**
     * A printable tree of this loop's pending tasks: each task not awaited by another, then, indented, the tasks
     * it waits for (as asyncio's call-graph capture and Kotlin's coroutine dumps). Each line says what the task is
     * doing: {@code running} (its step is the one running now: the task that called {@code dumpTasks}),
     * {@code running, in the call that started <task>} (its step is on the stack below the running one),
     * {@code ready to resume at <await>} (woken, waiting for its turn), or {@code awaiting at <await>} (suspended;
     * followed by {@code on <future>} when what it awaits is not a task). Loop thread only.
     *
     * <pre>
     * EventLoop@6d06d69c[running on main]: 3 pending task(s)
     *   Task@7852e922 running, resumed from demo.Main.main2(Main.java:20)
     *   Task@4e25154f awaiting at demo.Chain.outer(Chain.java:11)
     *     └ Task@70dea4e awaiting at demo.Chain.inner(Chain.java:22) on Future@5c647e05[pending]
     * </pre>
     */
    public String dumpTasks() {
        List<Task<?>> all = pendingTasks();
        java.util.Set<Task<?>> awaited = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Task<?> t : all) {
            if (t.awaiting() instanceof Task<?> inner) {
                awaited.add(inner);
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(this).append(": ").append(all.size()).append(" pending task(s)\n");
        for (Task<?> t : all) {
            if (awaited.contains(t)) {
                continue;
            }
            int depth = 0;
            java.util.Set<Task<?>> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (Task<?> cur = t; cur != null && seen.add(cur); depth++) {
                out.append("  ".repeat(depth + 1)).append(depth == 0 ? "" : "└ ").append(Future.id(cur));
                if (cur instanceof Task.CoroutineTask<?> ct) {
                    out.append(" (").append(ct.coroutine()).append(')');
                }
                StackTraceElement site = Task.siteOf(cur);
                java.util.concurrent.CompletionStage<?> f = cur.awaiting();
                if (f == null) { // its step is on the stack
                    out.append(cur == currentTask ? " running" : " running, in the call that started another task");
                    if (site != null) {
                        out.append(site.getLineNumber() > 0 ? ", resumed from " : " in ").append(site);
                    }
                } else {
                    out.append(isDone(f) ? " ready to resume" : " awaiting");
                    out.append(site != null ? " at " + site : "");
                    if (!(f instanceof Task<?>)) {
                        out.append(" on ").append(f);
                    }
                }
                out.append('\n');
                cur = f instanceof Task<?> next && !next.isDone() ? next : null;
            }
        }
        return out.toString();
    }

    private static boolean isDone(java.util.concurrent.CompletionStage<?> awaited) {
        return awaited instanceof java.util.concurrent.Future<?> f && f.isDone();
    }

    /** The task whose step is running on this loop, or {@code null} between steps. */
    public Task<?> currentTask() {
        return currentTask;
    }

    // ------------------------------------------------------------------------------------------ run

    /**
     * Runs {@code main} on a new event loop, as asyncio's {@code run}: the loop starts on this thread,
     * {@code main} is called on it while it runs (so {@code running()}, {@code callSoon} and {@code Tasks.sleep}
     * work inside), and the loop runs until what {@code main} returned is done. {@code main} usually calls an
     * {@code @Async} method and returns its Task; it may return any {@link Future}, any {@link CompletionStage},
     * or a plain value. Then the tasks still pending are cancelled and allowed to finish their cancellation
     * (their finally blocks run), the work given to the default executor ({@link #runInExecutor(
     * java.util.concurrent.Callable)}, {@link Tasks#toThread}) is waited for, up to 300 seconds, as asyncio's
     * {@code run} does with {@code shutdown_default_executor} (see {@link #shutdownDefaultExecutor(Duration)}:
     * the executor's threads are daemon threads, and without the wait the JVM could end while they are in the
     * middle of that work), and the loop is closed, dropping timers and callbacks that belong to no task.
     *
     * @return the result of what {@code main} returned
     * @throws IllegalStateException when called while a loop is running on this thread: await the work there
     *     instead
     * @throws Throwable (unchecked at the call site) main's exception, unwrapped
     */
    public static <T> T run(Supplier<? extends CompletionStage<T>> main) {
        return runOn(new EventLoop(), main);
    }

    @SuppressWarnings("unchecked")
    private static <T> T runOn(EventLoop loop, Supplier<? extends CompletionStage<T>> main) {
        Objects.requireNonNull(main, "main");
        if (runningOrNull() != null) {
            throw new IllegalStateException("EventLoop.run() cannot be called while an event loop is running on "
                    + "thread '" + Thread.currentThread().getName() + "': await the work from the running loop "
                    + "instead");
        }
        try {
            MainRun outcome = new MainRun(loop, main);
            loop.callSoon(outcome);
            return (T) outcome.runLoop();
        } finally {
            loop.shutDownAndClose();
        }
    }

    /**
     * {@link #run}'s clean-up, also a {@link LoopGroup}'s for each of its loops, on the loop's thread once it has
     * stopped: cancels the tasks still pending and runs until they are done, waits for the default executor, then
     * closes the loop (which closes what was handed to {@link #closeWithLoop}).
     */
    void shutDownAndClose() {
        try {
            cancelAllTasks();
            if (!isClosed() && defaultExecutor != null) {
                runUntilComplete(shutdownDefaultExecutor(THREAD_JOIN_TIMEOUT));
            }
        } finally {
            close();
        }
    }

    /**
     * {@link #run}'s main, in one object: the callback that calls it (the first turn), the future of its outcome,
     * and the done-callback that stops the loop (on main's task when it is pending, else on itself), which
     * {@link #runUntilComplete} would add as a separate object. An empty run allocates little more than the loop.
     */
    private static final class MainRun extends Future<Object> implements Runnable, Consumer<Future<?>> {
        /** Main, until its call; then {@link #ARMED} until the run is over, then null (a late stop does nothing). */
        private Object phase;
        private static final Object ARMED = new Object();

        MainRun(EventLoop loop, Supplier<?> main) {
            super(loop);
            this.phase = main;
        }

        @Override
        public void run() {
            Supplier<?> main = (Supplier<?>) phase;
            phase = ARMED;
            Object result;
            try {
                result = main.get();
            } catch (Throwable e) {
                tryTransition(FAILED, e);
                loop.enqueue(this, this);
                return;
            }
            if (result instanceof Future<?> task && task.loop == loop && !task.isDone()) {
                // as asyncio.run's run_until_complete(task): the loop stops in the turn after main's task
                // finished, not one turn later through this future's own done-callback
                task.addCallback(this);
                return;
            }
            adopt(result);
            if (isDone()) {
                loop.enqueue(this, this); // as a done-callback of this future: the stop, in the next turn
            } else {
                addCallback((Consumer<Future<?>>) this::accept); // a stage or another loop's future, followed
            }
        }

        /** The done-callback: of main's task (take its outcome, stop), or of this future (stop). */
        @Override
        public void accept(Future<?> done) {
            if (phase != ARMED) {
                return;
            }
            if (done != this) {
                copyOutcomeOf(done);
            }
            loop.stop();
        }

        /** {@link #runUntilComplete} of this future, with this object as the stopping callback. */
        Object runLoop() {
            try {
                loop.runForever();
            } finally {
                phase = null;
            }
            if (!isDone()) {
                throw new IllegalStateException("Event loop stopped before " + this + " was done");
            }
            return result();
        }

        @Override
        public String toString() {
            Object s = phase;
            return s instanceof Supplier<?> ? "the call of EventLoop.run's main " + s : super.toString();
        }
    }

    /** Cancels every pending task and runs the loop until they are done, reporting real failures. */
    private void cancelAllTasks() {
        if (closed) {
            return;
        }
        if (registeredTasks() == 0) {
            return;
        }
        List<Task<?>> pending = pendingTasks();
        Future<Void> allDone = new Future<>(this);
        int[] left = {pending.size()};
        Consumer<Future<?>> countDown = done -> {
            if (--left[0] == 0) {
                allDone.tryComplete(null);
            }
        };
        for (Task<?> t : pending) {
            t.cancel();
            t.addCallback(countDown);
        }
        runUntilComplete(allDone);
        for (Task<?> t : pending) {
            if (t.isFailed() && !(t.exception() instanceof CancellationException)) {
                reportError(new LoopError("Unhandled exception in " + NeverRetrieved.describe(t)
                        + " while EventLoop.run() was shutting down",
                        t.exception(), t));
            }
        }
    }

    @Override
    public String toString() {
        Thread o = owner;
        return "EventLoop@" + Integer.toHexString(System.identityHashCode(this))
                + (closed ? "[closed]" : o != null ? "[running on " + o.getName() + "]" : "[idle]");
    }

    /** Test hook: how many timers the heap holds, cancelled ones included. */
    int scheduledTimerCount() {
        return timers.size();
    }
}
