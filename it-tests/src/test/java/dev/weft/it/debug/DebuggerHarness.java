package dev.weft.it.debug;

import com.sun.jdi.AbsentInformationException;
import com.sun.jdi.Bootstrap;
import com.sun.jdi.Field;
import com.sun.jdi.IncompatibleThreadStateException;
import com.sun.jdi.LocalVariable;
import com.sun.jdi.Location;
import com.sun.jdi.Method;
import com.sun.jdi.ObjectReference;
import com.sun.jdi.PrimitiveValue;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.StackFrame;
import com.sun.jdi.StringReference;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.VMDisconnectedException;
import com.sun.jdi.Value;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.connect.IllegalConnectorArgumentsException;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.ClassPrepareEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.StepEvent;
import com.sun.jdi.event.VMDeathEvent;
import com.sun.jdi.event.VMDisconnectEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.ClassPrepareRequest;
import com.sun.jdi.request.EventRequest;
import com.sun.jdi.request.EventRequestManager;
import com.sun.jdi.request.StepRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A debugger, as jdb and the IDEs are one: a program in a JVM of its own started with
 * {@code -agentlib:jdwp=transport=dt_socket,server=y,suspend=y,address=127.0.0.1:0} (the port it prints is
 * attached to with JDI's {@code com.sun.jdi.SocketAttach}, only on 127.0.0.1), line breakpoints set by source
 * line only when the class is prepared, every stop recorded (method, line, visible variables and their values,
 * {@code this}, the JDI exceptions thrown while reading them), step-over requests issued the way jdb and IntelliJ
 * issue them. A run never outlives {@link #LIMIT_MILLIS}; {@link #close()} kills the JVM.
 *
 * <pre>{@code
 * try (DebuggerHarness debugger = DebuggerHarness.launch(List.of(), classPath, "app.DebugSample")) {
 *     BreakpointRun run = debugger.runWithBreakpoints("app.DebugSample", "DebugSample.java", Style.JDB, lines);
 *     run.stops();       // every stop, in order
 *     run.programOut();  // what the program printed
 * }
 * }</pre>
 */
final class DebuggerHarness implements AutoCloseable {

    /** The longest a debugged run may take, start to exit; a run that takes longer fails (and is killed). */
    static final long LIMIT_MILLIS = Long.getLong("weft.debug.limit.millis", 60_000);

    /** How a line breakpoint is placed on a line's locations. */
    enum Style {
        /**
         * As jdb's {@code stop at Class:line}: the first location {@code ReferenceType.locationsOfLine} returns,
         * in the named class only (jdb's source: "TO DO: handle multiple locations").
         */
        JDB,
        /**
         * As IntelliJ and Eclipse: every location of the line, in the class and its nested classes (a class
         * prepare request for {@code Outer*}), wherever the class's source file is the breakpoint's file.
         */
        IDE
    }

    /** How a step-over is carried out. */
    enum Stepper {
        /**
         * One {@code StepRequest(thread, STEP_LINE, STEP_OVER)} with a count filter of 1; the first step event is
         * where it lands. jdb's {@code next} is this, with no class filters.
         */
        ONE_REQUEST,
        /**
         * IntelliJ IDEA's step over: the same request with the stepping filters as class exclusion filters, then
         * on each step event its {@code RequestHint} decides: in the same frame (same frame count, not stepped out)
         * and the same file, it stops on another line and steps again on the same line; elsewhere it steps again
         * (same depth) while the location is in a synthetic method that is not a lambda body, or in a lambda's
         * generated class ("Skip synthetic methods", on by default), and stops otherwise.
         */
        INTELLIJ
    }

    /** IntelliJ IDEA's default stepping filters ({@code DebuggerSettings.DEFAULT_STEPPING_FILTERS}). */
    static final List<String> INTELLIJ_DEFAULT_FILTERS = List.of("com.sun.*", "java.*", "javax.*", "org.omg.*",
            "sun.*", "jdk.internal.*", "junit.*", "org.junit.*", "com.intellij.rt.*", "com.yourkit.runtime.*",
            "com.springsource.loaded.*", "org.springsource.loaded.*", "javassist.*", "org.apache.webbeans.*",
            "com.ibm.ws.*", "org.mockito.*");

    /** The JDK's packages, as jdb's {@code exclude} default and most step filter lists have them. */
    static final List<String> JDK_FILTERS = List.of("java.*", "javax.*", "jdk.*", "sun.*", "com.sun.*");

    /** One step-over configuration: who steps, with which class exclusion filters. */
    record StepConfig(String name, Stepper stepper, List<String> exclusionFilters) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A variable as the debugger shows it: its value, or the exception reading it threw. */
    record Variable(String name, String type, String value, String error) {
        @Override
        public String toString() {
            return name + "=" + (error != null ? "<" + error + ">" : value);
        }
    }

    /**
     * One stop of the thread. {@code requestedLine} is the breakpoint's line (0 for a step); {@code variables}
     * are {@code StackFrame.visibleVariables()} each read with {@code getValue} ({@code variablesError} is the
     * {@code AbsentInformationException} when there is no table, {@code getValuesError} what the IDEs' one call
     * {@code getValues(visibleVariables)} threw); {@code thisObject} is {@code StackFrame.thisObject()} (null in a
     * static method) with its instance fields in {@code thisFields}.
     */
    record Stop(int requestedLine, String type, String method, String signature, boolean synthetic,
                boolean staticMethod, String source, int line, long codeIndex, List<Variable> variables, String variablesError,
                String getValuesError, String thisObject, Map<String, String> thisFields, List<String> stack) {

        Map<String, Variable> variableMap() {
            Map<String, Variable> m = new LinkedHashMap<>();
            for (Variable v : variables) {
                m.put(v.name(), v);
            }
            return m;
        }

        /** {@code Class.method:line}, as a debugger's frames view shows the top frame. */
        String where() {
            return type + "." + method + ":" + line;
        }

        @Override
        public String toString() {
            return where() + (synthetic ? " (synthetic)" : "") + " vars" + variables
                    + (variablesError != null ? " <" + variablesError + ">" : "")
                    + (getValuesError != null ? " getValues:<" + getValuesError + ">" : "")
                    + (thisObject != null ? " this=" + thisObject + thisFields : " this=none");
        }
    }

    /**
     * Where a breakpoint was placed: the line, every location {@code locationsOfLine} returned in each prepared
     * class ({@code method@codeIndex}), and the ones a request was made for.
     */
    record Placement(int line, String type, List<String> available, List<String> requested) {
    }

    /** A run with line breakpoints: every stop in order, where they were placed, what the program printed. */
    record BreakpointRun(List<Stop> stops, List<Placement> placements, List<String> programOut, String programErr) {
        List<Stop> at(int line) {
            return stops.stream().filter(s -> s.requestedLine() == line).toList();
        }

        String placementsOf(int line) {
            return placements.stream().filter(p -> p.line() == line)
                    .map(p -> p.type() + " locationsOfLine=" + p.available() + " requested=" + p.requested())
                    .collect(Collectors.joining("; "));
        }
    }

    /**
     * A step-over from a breakpoint stop: {@code from}, every step event of the first press on the way
     * ({@code path}: IntelliJ steps again from some of them), {@code landed}, where the debugger showed the thread
     * again (null if it never did: the program ran to its end first, see {@code note}), and {@code landings}, where
     * each press landed when more than one was made.
     */
    record StepOver(Stop from, List<Stop> path, Stop landed, List<Stop> landings, String note) {
        @Override
        public String toString() {
            String first = landed != null ? landed.where() + (landed.synthetic() ? " (synthetic)" : "")
                    + (path.size() > 1 ? " after " + path.size() + " step events " + path.stream().map(Stop::where)
                    .toList() : "") : "nowhere (" + note + ")";
            String more = landings.size() > 1 ? "; pressed again: " + landings.subList(1, landings.size()).stream()
                    .map(s -> s.where() + (s.synthetic() ? " (synthetic)" : "")).collect(Collectors.joining(" -> "))
                    + (note.isEmpty() ? "" : " (" + note + ")") : "";
            return "from " + from.where() + " -> " + first + more;
        }
    }

    /** A run of step-overs, one from each stop at the origin lines. */
    record StepRun(StepConfig config, List<StepOver> steps, List<String> programOut, String programErr) {
        List<StepOver> from(int line) {
            return steps.stream().filter(s -> s.from().requestedLine() == line).toList();
        }
    }

    private static final Pattern LISTENING = Pattern.compile("Listening for transport dt_socket at address: (\\d+)");

    private final Process process;
    private final VirtualMachine vm;
    private final List<String> out;
    private final StringBuffer err;
    private final Thread outReader;
    private final Thread errReader;
    private final long deadline;
    private final List<String> command;

    private DebuggerHarness(Process process, VirtualMachine vm, List<String> out, StringBuffer err, Thread outReader,
                            Thread errReader, long deadline, List<String> command) {
        this.process = process;
        this.vm = vm;
        this.out = out;
        this.err = err;
        this.outReader = outReader;
        this.errReader = errReader;
        this.deadline = deadline;
        this.command = command;
    }

    /**
     * Starts {@code java [jdwp] jvmOptions -cp classPath mainClass} with the JDK running the tests, suspended
     * until the debugger attaches, and attaches to it.
     */
    static DebuggerHarness launch(List<String> jvmOptions, String classPath, String mainClass) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LIMIT_MILLIS);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,address=127.0.0.1:0");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classPath);
        command.add(mainClass);
        Process process = new ProcessBuilder(command).start();
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        StringBuffer err = new StringBuffer();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread outReader = reader("debuggee stdout", process.getInputStream(), line -> {
            Matcher m = LISTENING.matcher(line);
            if (!port.isDone() && m.find()) {
                port.complete(Integer.parseInt(m.group(1)));
            } else {
                out.add(line);
            }
        }, () -> port.completeExceptionally(new IOException("the JVM ended before it listened for a debugger")));
        Thread errReader = reader("debuggee stderr", process.getErrorStream(), line -> err.append(line).append('\n'),
                () -> { });
        try {
            int p = port.get(remaining(deadline), TimeUnit.NANOSECONDS);
            AttachingConnector connector = Bootstrap.virtualMachineManager().attachingConnectors().stream()
                    .filter(c -> c.name().equals("com.sun.jdi.SocketAttach")).findFirst().orElseThrow();
            Map<String, Connector.Argument> args = connector.defaultArguments();
            args.get("hostname").setValue("127.0.0.1");
            args.get("port").setValue(Integer.toString(p));
            args.get("timeout").setValue("20000");
            VirtualMachine vm = connector.attach(args);
            return new DebuggerHarness(process, vm, out, err, outReader, errReader, deadline, command);
        } catch (InterruptedException | ExecutionException | TimeoutException | IllegalConnectorArgumentsException
                 | IOException e) {
            process.destroyForcibly();
            throw new IOException("could not start and attach to " + command + ": " + e + "\nstderr: " + err, e);
        }
    }

    private static Thread reader(String name, InputStream in, java.util.function.Consumer<String> line,
                                 Runnable atEnd) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    line.accept(l);
                }
            } catch (IOException ignored) {
                // the process was killed
            } finally {
                atEnd.run();
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    VirtualMachine vm() {
        return vm;
    }

    /** What the program printed so far (all of it, once a run ended). */
    List<String> programOut() {
        synchronized (out) {
            return List.copyOf(out);
        }
    }

    String programErr() {
        return err.toString();
    }

    // ----------------------------------------------------------------------------------------------------------
    // Line breakpoints

    /**
     * Runs the program to its end with a line breakpoint on each of {@code lines} of {@code sourceName}, placed
     * in the {@code style}'s way when {@code className} (and, IDE style, its nested classes) is prepared, and
     * records every stop.
     */
    BreakpointRun runWithBreakpoints(String className, String sourceName, Style style, List<Integer> lines) {
        List<Stop> stops = new ArrayList<>();
        List<Placement> placements = new ArrayList<>();
        EventRequestManager erm = vm.eventRequestManager();
        ClassPrepareRequest prepare = erm.createClassPrepareRequest();
        prepare.addClassFilter(style == Style.JDB ? className : className + "*");
        prepare.setSuspendPolicy(EventRequest.SUSPEND_ALL);
        prepare.enable();
        loop(new Listener() {
            @Override
            void classPrepared(ReferenceType type) {
                placements.addAll(placeBreakpoints(type, sourceName, style, lines));
            }

            @Override
            void breakpoint(BreakpointEvent e) {
                stops.add(stop(e.thread(), (Integer) e.request().getProperty("line")));
            }
        });
        return new BreakpointRun(stops, placements, programOut(), programErr());
    }

    private List<Placement> placeBreakpoints(ReferenceType type, String sourceName, Style style, List<Integer> lines) {
        List<Placement> placed = new ArrayList<>();
        try {
            if (!sourceName.equals(type.sourceName())) {
                return placed;
            }
        } catch (AbsentInformationException e) {
            return placed;
        }
        for (int line : lines) {
            List<Location> locations;
            try {
                locations = type.locationsOfLine(line);
            } catch (AbsentInformationException e) {
                continue;
            }
            List<Location> chosen = style == Style.JDB
                    ? (locations.isEmpty() ? List.of() : List.of(locations.get(0)))
                    : locations;
            for (Location l : chosen) {
                BreakpointRequest bp = vm.eventRequestManager().createBreakpointRequest(l);
                bp.putProperty("line", line);
                bp.setSuspendPolicy(EventRequest.SUSPEND_ALL);
                bp.enable();
            }
            if (!locations.isEmpty()) {
                placed.add(new Placement(line, type.name(), describe(locations), describe(chosen)));
            }
        }
        return placed;
    }

    private static List<String> describe(List<Location> locations) {
        return locations.stream().map(l -> l.method().name() + "@" + l.codeIndex()).toList();
    }

    // ----------------------------------------------------------------------------------------------------------
    // Step over

    /**
     * Runs the program to its end with an IDE-style breakpoint (every location) on each of {@code originLines};
     * at each stop there, a step-over in {@code config}'s way, with the breakpoints disabled until it lands (so
     * that what is seen is where the step goes, not the next breakpoint); then {@code presses - 1} more
     * step-overs from each landing (a user pressing the key again), unless the step already landed on
     * {@code stopPressingAt}'s line; then the program goes on.
     */
    StepRun runWithStepOvers(String className, String sourceName, List<Integer> originLines, StepConfig config,
                             int presses, Map<Integer, Integer> stopPressingAt) {
        List<StepOver> steps = new ArrayList<>();
        EventRequestManager erm = vm.eventRequestManager();
        ClassPrepareRequest prepare = erm.createClassPrepareRequest();
        prepare.addClassFilter(className + "*");
        prepare.setSuspendPolicy(EventRequest.SUSPEND_ALL);
        prepare.enable();
        loop(new Listener() {
            Stop origin;               // the breakpoint stop the first press started from
            Stop from;                 // where the current press started
            List<Stop> path;           // the step events of the first press
            List<Stop> landings;       // where each press landed
            int startFrames;
            boolean steppedOut;
            int events;

            @Override
            void classPrepared(ReferenceType type) {
                placeBreakpoints(type, sourceName, Style.IDE, originLines);
            }

            @Override
            void breakpoint(BreakpointEvent e) {
                origin = stop(e.thread(), (Integer) e.request().getProperty("line"));
                path = new ArrayList<>();
                landings = new ArrayList<>();
                for (BreakpointRequest b : erm.breakpointRequests()) {
                    b.disable();
                }
                press(e.thread(), origin);
            }

            private void press(ThreadReference thread, Stop at) {
                from = at;
                steppedOut = false;
                events = 0;
                try {
                    startFrames = thread.frameCount();
                } catch (IncompatibleThreadStateException x) {
                    throw new IllegalStateException(x);
                }
                request(thread, StepRequest.STEP_OVER);
            }

            @Override
            void step(StepEvent e) {
                erm.deleteEventRequest(e.request());
                Stop at = stop(e.thread(), 0);
                if (landings.isEmpty()) {
                    path.add(at);
                }
                events++;
                int next = config.stepper() == Stepper.ONE_REQUEST || events > 10_000 ? STOP : hint(e, at);
                if (next != STOP) {
                    request(e.thread(), next);
                    return;
                }
                landings.add(at);
                Integer target = stopPressingAt.get(origin.requestedLine());
                if (landings.size() < presses && (target == null || at.line() != target)) {
                    press(e.thread(), at);
                    return;
                }
                finish(events > 10_000 ? "gave up after 10,000 step events" : "");
            }

            private void finish(String note) {
                steps.add(new StepOver(origin, path, landings.isEmpty() ? null : landings.get(0), List.copyOf(landings),
                        note));
                origin = null;
                for (StepRequest r : List.copyOf(erm.stepRequests())) {
                    erm.deleteEventRequest(r);
                }
                for (BreakpointRequest b : erm.breakpointRequests()) {
                    b.enable();
                }
            }

            @Override
            void ended() {
                if (origin != null) {
                    steps.add(new StepOver(origin, path, landings.isEmpty() ? null : landings.get(0),
                            List.copyOf(landings), "the program ended before the step " + (landings.size() + 1)
                            + " landed"));
                }
            }

            /** IntelliJ's RequestHint.getNextStepDepth for a step over from {@code from}, as documented above. */
            private int hint(StepEvent e, Stop at) {
                int frames;
                try {
                    frames = e.thread().frameCount();
                } catch (IncompatibleThreadStateException x) {
                    throw new IllegalStateException(x);
                }
                if (frames < startFrames) {
                    steppedOut = true;
                }
                boolean sameFrame = !steppedOut && frames == startFrames;
                if (sameFrame && at.source() != null && at.source().equals(from.source())) {
                    return at.line() == from.line() ? StepRequest.STEP_OVER : STOP;
                }
                Method m = e.location().method();
                boolean lambdaClass = m.declaringType().name().contains("$$Lambda");
                if ((m.isSynthetic() && !m.name().startsWith("lambda$")) || lambdaClass) {
                    return StepRequest.STEP_OVER;
                }
                return STOP;
            }

            /** A new step request, as IntelliJ's DebugProcessImpl.doStep and jdb's next make it. */
            private void request(ThreadReference thread, int depth) {
                for (StepRequest old : List.copyOf(erm.stepRequests())) {
                    if (old.thread().equals(thread)) {
                        erm.deleteEventRequest(old);
                    }
                }
                StepRequest request = erm.createStepRequest(thread, StepRequest.STEP_LINE, depth);
                for (String filter : config.exclusionFilters()) {
                    request.addClassExclusionFilter(filter);
                }
                request.addCountFilter(1);
                request.setSuspendPolicy(EventRequest.SUSPEND_ALL);
                request.enable();
            }
        });
        return new StepRun(config, steps, programOut(), programErr());
    }

    private static final int STOP = 0;

    private static String sourceName(Location l) {
        if (l == null) {
            return null;
        }
        try {
            return l.sourceName();
        } catch (AbsentInformationException e) {
            return null;
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // The event loop

    private abstract static class Listener {
        void classPrepared(ReferenceType type) {
        }

        void breakpoint(BreakpointEvent e) {
        }

        void step(StepEvent e) {
        }

        void ended() {
        }
    }

    /** Resumes the VM and handles its events until it exits; fails (and kills it) past the deadline. */
    private void loop(Listener listener) {
        boolean ended = false;
        try {
            while (!ended) {
                long left = TimeUnit.NANOSECONDS.toMillis(remaining(deadline));
                if (left <= 0) {
                    throw timeout();
                }
                EventSet set = vm.eventQueue().remove(left);
                if (set == null) {
                    throw timeout();
                }
                for (Event e : set) {
                    if (e instanceof VMDeathEvent || e instanceof VMDisconnectEvent) {
                        ended = true;
                    } else if (e instanceof ClassPrepareEvent cp) {
                        listener.classPrepared(cp.referenceType());
                    } else if (e instanceof BreakpointEvent bp) {
                        listener.breakpoint(bp);
                    } else if (e instanceof StepEvent st) {
                        listener.step(st);
                    }
                }
                if (!ended) {
                    set.resume();
                }
            }
        } catch (VMDisconnectedException e) {
            // the program ended
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        listener.ended();
        try {
            if (!process.waitFor(remaining(deadline), TimeUnit.NANOSECONDS)) {
                throw timeout();
            }
            outReader.join(TimeUnit.NANOSECONDS.toMillis(remaining(deadline)) + 1);
            errReader.join(TimeUnit.NANOSECONDS.toMillis(remaining(deadline)) + 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private AssertionError timeout() {
        process.destroyForcibly();
        return new AssertionError("the debugged program did not finish in " + LIMIT_MILLIS + " ms: " + command
                + "\nstdout: " + String.join("\n", programOut()) + "\nstderr: " + err);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Reading a stop

    /** The top frame of a suspended thread, as a debugger's frames and variables views show it. */
    static Stop stop(ThreadReference thread, int requestedLine) {
        try {
            StackFrame frame = thread.frame(0);
            Location location = frame.location();
            Method method = location.method();
            List<Variable> variables = new ArrayList<>();
            String variablesError = null;
            String getValuesError = null;
            try {
                List<LocalVariable> visible = frame.visibleVariables();
                for (LocalVariable v : visible) {
                    try {
                        variables.add(new Variable(v.name(), v.typeName(), format(frame.getValue(v)), null));
                    } catch (RuntimeException e) {   // InconsistentDebugInfoException, IllegalArgumentException...
                        variables.add(new Variable(v.name(), v.typeName(), null,
                                e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "")));
                    }
                }
                try {
                    frame.getValues(visible);   // what the IDEs call, once for all the variables
                } catch (RuntimeException e) {
                    getValuesError = e.getClass().getSimpleName();
                }
            } catch (AbsentInformationException e) {
                variablesError = "AbsentInformationException";
            }
            ObjectReference self = frame.thisObject();
            Map<String, String> fields = new LinkedHashMap<>();
            if (self != null) {
                for (Field f : self.referenceType().allFields()) {
                    if (!f.isStatic()) {
                        fields.put(f.name(), format(self.getValue(f)));
                    }
                }
            }
            List<String> stack = new ArrayList<>();
            List<StackFrame> frames = thread.frames();
            for (int i = 0; i < Math.min(frames.size(), 16); i++) {
                Location l = frames.get(i).location();
                stack.add(l.declaringType().name() + "." + l.method().name() + ":" + l.lineNumber());
            }
            return new Stop(requestedLine, location.declaringType().name(), method.name(), method.signature(),
                    method.isSynthetic(), method.isStatic(), sourceName(location), location.lineNumber(), location.codeIndex(), variables,
                    variablesError, getValuesError, self == null ? null : self.referenceType().name(), fields, stack);
        } catch (IncompatibleThreadStateException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A value as text: a primitive or a String as its value, another object as {@code type#id}. */
    static String format(Value v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof StringReference s) {
            return s.value();
        }
        if (v instanceof PrimitiveValue) {
            return v.toString();
        }
        if (v instanceof ObjectReference o) {
            return o.referenceType().name() + "#" + o.uniqueID();
        }
        return v.toString();
    }

    @Override
    public void close() {
        try {
            vm.dispose();
        } catch (VMDisconnectedException ignored) {
            // already gone
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
