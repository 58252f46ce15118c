package dev.weft.runtime;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * The runtime's JDK Flight Recorder events (loaded only through {@link FlightEvents}, so {@code jdk.jfr} stays
 * optional). All are disabled by default, so a recording started for other reasons (the JDK's default settings)
 * costs Weft's hot paths nothing; enable them by name:
 *
 * <pre>
 * java -XX:StartFlightRecording:filename=run.jfr,+dev.weft.TaskSuspended#enabled=true,... -cp app.jar Main
 * jfr print --events dev.weft.TaskSuspended,dev.weft.TaskResumed run.jfr
 * </pre>
 *
 * Each task event names the task ({@code Task@1b6d3586}), its {@code @Async} method ({@code demo.Main.fetch},
 * from {@link Task#awaitSite()}; a hand-written coroutine's {@code toString} otherwise) and a source line.
 */
final class JfrEvents extends FlightEvents {
    private static final String CATEGORY = "Weft";

    @Name("dev.weft.TaskCreated")
    @Label("Task Created")
    @Description("A task was created; its first step runs now, on this thread. The stack trace is where.")
    @Category(CATEGORY)
    @Enabled(false)
    @StackTrace(true)
    static final class TaskCreated extends Event {
        @Label("Task")
        String task;
        @Label("Method")
        @Description("The @Async method the task runs")
        String method;
    }

    @Name("dev.weft.TaskSuspended")
    @Label("Task Suspended")
    @Description("A task suspended at an await of a future that was not done")
    @Category(CATEGORY)
    @Enabled(false)
    @StackTrace(false)
    static final class TaskSuspended extends Event {
        @Label("Task")
        String task;
        @Label("Method")
        String method;
        @Label("Line")
        @Description("The source line of the await")
        int line;
        @Label("Awaited")
        @Description("The future the task waits for")
        String awaited;
    }

    @Name("dev.weft.TaskResumed")
    @Label("Task Resumed")
    @Description("A step of a task after a resumption, from the await it resumed at until it suspends again, "
            + "finishes or fails; its duration is how long the step held the thread")
    @Category(CATEGORY)
    @Enabled(false)
    @StackTrace(false)
    static final class TaskResumed extends Event {
        @Label("Task")
        String task;
        @Label("Method")
        String method;
        @Label("Line")
        @Description("The source line of the await the task resumed at")
        int line;
    }

    @Name("dev.weft.TaskCompleted")
    @Label("Task Completed")
    @Description("A task finished with a value, failed, or was cancelled")
    @Category(CATEGORY)
    @Enabled(false)
    @StackTrace(false)
    static final class TaskCompleted extends Event {
        @Label("Task")
        String task;
        @Label("Method")
        String method;
        @Label("Outcome")
        @Description("finished, failed or cancelled")
        String outcome;
        @Label("Exception")
        @Description("The failure, for a failed task")
        String exception;
    }

    @Name("dev.weft.SlowCallback")
    @Label("Slow Callback")
    @Description("A callback or task step that held the event loop's thread longer than the threshold")
    @Category(CATEGORY)
    @Enabled(false)
    @StackTrace(false)
    @Threshold("100 ms")
    static final class SlowCallback extends Event {
        @Label("Callback")
        @Description("What ran: the task step (with its await lines) or the callback (with where it was scheduled "
                + "in debug mode)")
        String callback;
        @Label("Task")
        String task;
        @Label("Method")
        String method;
    }

    // Probes: isEnabled() reads the event class's state, never the instance's, so one instance answers for all.
    private static final TaskCreated CREATED = new TaskCreated();
    private static final TaskSuspended SUSPENDED = new TaskSuspended();
    private static final TaskResumed RESUMED = new TaskResumed();
    private static final TaskCompleted COMPLETED = new TaskCompleted();
    private static final SlowCallback SLOW = new SlowCallback();

    @Override
    void created(Task<?> task) {
        if (CREATED.isEnabled()) {
            TaskCreated e = new TaskCreated();
            if (e.shouldCommit()) {
                e.task = id(task);
                e.method = method(task);
                e.commit();
            }
        }
    }

    @Override
    void suspended(Task<?> task, Object awaited) {
        if (SUSPENDED.isEnabled()) {
            TaskSuspended e = new TaskSuspended();
            if (e.shouldCommit()) {
                StackTraceElement site = Task.siteOf(task);
                e.task = id(task);
                e.method = method(task, site);
                e.line = site == null ? -1 : site.getLineNumber();
                e.awaited = awaited instanceof Future<?> f ? NeverRetrieved.describe(f)
                        : awaited.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(awaited));
                e.commit();
            }
        }
    }

    @Override
    Object beginResumed(Task<?> task, boolean firstStep) {
        if (!RESUMED.isEnabled() || firstStep) {
            return null;
        }
        TaskResumed e = new TaskResumed();
        StackTraceElement site = Task.siteOf(task); // before the step moves it on
        e.line = site == null ? -1 : site.getLineNumber();
        e.method = method(task, site);
        e.begin();
        return e;
    }

    @Override
    void endResumed(Object event, Task<?> task) {
        TaskResumed e = (TaskResumed) event;
        e.end();
        if (e.shouldCommit()) {
            e.task = id(task);
            e.commit();
        }
    }

    @Override
    void completed(Task<?> task, int state, Object outcome) {
        if (COMPLETED.isEnabled()) {
            TaskCompleted e = new TaskCompleted();
            if (e.shouldCommit()) {
                e.task = id(task);
                e.method = method(task);
                e.outcome = state == Future.FINISHED ? "finished" : state == Future.FAILED ? "failed" : "cancelled";
                if (state == Future.FAILED && outcome instanceof Throwable t) {
                    e.exception = t.toString();
                }
                e.commit();
            }
        }
    }

    @Override
    boolean timesCallbacks() {
        return SLOW.isEnabled();
    }

    @Override
    Object beginCallback() {
        if (!SLOW.isEnabled()) {
            return null;
        }
        SlowCallback e = new SlowCallback();
        e.begin();
        return e;
    }

    @Override
    void endCallback(Object event, Object action, Object arg, StackTraceElement siteBefore, Task<?> started) {
        SlowCallback e = (SlowCallback) event;
        e.end();
        if (e.shouldCommit()) {
            e.callback = DebugChecks.describeCallback(action, arg, siteBefore, started);
            Task<?> t = action instanceof Task<?> step ? step : started;
            if (t != null) {
                e.task = id(t);
                e.method = method(t);
            }
            e.commit();
        }
    }

    private static String id(Task<?> t) {
        return t.kind() + "@" + Integer.toHexString(System.identityHashCode(t));
    }

    private static String method(Task<?> t) {
        return method(t, Task.siteOf(t));
    }

    private static String method(Task<?> t, StackTraceElement site) {
        if (site != null) {
            return site.getClassName() + "." + site.getMethodName();
        }
        return t instanceof Task.CoroutineTask<?> ct ? String.valueOf(ct.coroutine()) : t.getClass().getName();
    }
}
