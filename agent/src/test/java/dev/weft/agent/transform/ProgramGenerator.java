package dev.weft.agent.transform;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A seeded generator of random {@code @Async} programs for {@link GeneratedProgramsTest}: one seed gives the
 * source of one class {@code demo.Gen<seed>}, always the same, that javac accepts, that always terminates, and
 * whose only observable behaviour is a trace (a string) built from the values it computes and the exceptions
 * it catches.
 *
 * <p>What a program looks like:
 * <ul>
 *   <li>{@link #SUPPORT_SOURCE}, the same for every program (class {@code demo.Support}, statically imported): a
 *       {@code suspend} flag, the awaited-value helpers ({@code now}, {@code later}, {@code cfNow}, {@code cfLater},
 *       {@code failNow}, {@code failLater}), the exception classes, a record {@code Box}, a mutable class
 *       {@code Cell}, an enum {@code Color}, an AutoCloseable {@code Res} that logs its close, the trace, the
 *       statics the programs update, and formatting helpers;</li>
 *   <li>several {@code @Async} methods, static and instance, in the class, in a static nested class, in an inner
 *       class and in an interface (static and default methods), returning {@code Task}, {@code CompletableFuture}
 *       or {@code CompletionStage}, each with a random body; a method only calls methods planned after it, or
 *       itself with a decreasing {@code n} (so the call graph is bounded), and every call spends one unit of a
 *       global {@code fuel} (so the total work is bounded whatever the nesting); {@code main0} calls each of
 *       them at least once;</li>
 *   <li>{@code run(boolean suspend)}: resets every static, runs {@code main0()} and returns the trace.</li>
 * </ul>
 *
 * <p>The oracle contract ({@link GeneratedProgramChecker} relies on it): the trace depends on {@code suspend} only
 * through the timing of completions. So: every call of an async method is awaited at once (a task started and
 * awaited later would interleave differently), no clock, no identity hash codes (nothing without a
 * {@code toString} of its own is ever printed), no static initializer that logs, and the messages of JDK
 * exceptions (which can name bytecode slots and class loaders) are never printed, only their class
 * ({@code describe}). A task-valued {@code return} (the callee's outcome is adopted) is only generated outside
 * every {@code try}: inside one, adopting after the {@code finally} is the documented, legitimate difference
 * between the transformed and the blocking {@code await}.
 *
 * <p>Two things keep javac fast and working: every {@code await} and every conditional or switch expression of
 * reference type is cast, so none is a poly expression (javac's overload resolution of nested poly expressions is
 * exponential in their depth), and the constructs javac itself crashes on are steered around ({@link #switchExpr},
 * {@link Config#avoidJavacBugs}).
 */
final class ProgramGenerator {

    /** One generated program. */
    record Program(long seed, String className, String source) {
        String internalName() {
            return className.replace('.', '/');
        }

        String simpleName() {
            return className.substring(className.lastIndexOf('.') + 1);
        }
    }

    /**
     * Switches for hunting bugs beyond a known one.
     *
     * @param awaitInNew     generate awaits (and async calls) among the arguments of {@code new}; turning it off
     *                       steers around the family of bugs of issue #10 item 1 so others can show up
     * @param avoidJavacBugs generate no instanceof pattern and no try inside any switch expression: javac 17
     *                       crashes on a few programs with them (an assertion in Flow$AssignAnalyzer.newVar, an NPE in
     *                       Gen.doHandleSwitchExpression) or writes inconsistent stack map frames; the checker
     *                       regenerates such a seed with this set
     */
    record Config(boolean awaitInNew, boolean avoidJavacBugs) {
        static final Config DEFAULT = new Config(true, false);

        Config avoidingJavacBugs() {
            return new Config(awaitInNew, true);
        }
    }

    static Program generate(long seed) {
        return generate(seed, Config.DEFAULT);
    }

    static Program generate(long seed, Config config) {
        return new ProgramGenerator(seed, config).program();
    }

    /** The class name for a seed: {@code demo.Gen123}, {@code demo.GenM45} for a negative seed. */
    static String classNameOf(long seed) {
        return "demo.Gen" + (seed < 0 ? "M" + Long.toUnsignedString(-seed) : Long.toString(seed));
    }

    /** The class name of the support code every program uses. */
    static final String SUPPORT_CLASS = "demo.Support";

    /**
     * The support code, the same for every program, in a class of its own so javac compiles it once per batch (it
     * is a third of a program): the mode flag, the trace, the statics the programs update, the value types, the
     * awaited-value helpers and the formatting helpers. Each program's class loader gets its own copy, so its
     * statics are the program's.
     */
    static final String SUPPORT_SOURCE = """
            package demo;

            import dev.weft.runtime.EventLoop;
            import dev.weft.runtime.Future;
            import dev.weft.runtime.Tasks;
            import java.time.Duration;
            import java.util.Arrays;
            import java.util.concurrent.CompletableFuture;
            import java.util.concurrent.CompletionStage;

            public final class Support {
                /** false: every awaited future is already done (the oracle); true: the "later" ones complete on a later turn. */
                static boolean suspend;
                static StringBuilder trace;
                static int fuel;
                static int sI;
                static long sL;
                static double sD;
                static String sS;
                static int[] sArr;

                static class Boom extends RuntimeException {
                    Boom(String message) {
                        super(message);
                    }
                }

                static final class Oops extends Boom {
                    Oops(String message) {
                        super(message);
                    }
                }

                static final class Other extends RuntimeException {
                    Other(String message) {
                        super(message);
                    }
                }

                enum Color { RED, GREEN, BLUE }

                record Box(int n, String s) {
                }

                static final class Cell {
                    long v;
                    Object o;

                    Cell(long v, Object o) {
                        this.v = v;
                        this.o = o;
                    }

                    /** A cell inside a cell shows only its number: a program may put a cell into itself. */
                    @Override
                    public String toString() {
                        return "Cell(" + v + ", " + (o instanceof Cell c ? "Cell(" + c.v + ", ...)" : o) + ")";
                    }
                }

                static final class Res implements AutoCloseable {
                    final String name;
                    final boolean failOnClose;

                    Res(String name, int v, boolean failOnClose) {
                        this.name = name;
                        this.failOnClose = failOnClose;
                        log("open " + name + " " + v);
                    }

                    void use(Object x) {
                        log("use " + name + " " + x);
                    }

                    @Override
                    public void close() {
                        log("close " + name);
                        if (failOnClose) {
                            throw new Other("close " + name);
                        }
                    }
                }

                interface AsyncFn {
                    CompletionStage<Long> apply(long a, String b);
                }

                static <T> Future<T> now(T v) {
                    return Future.completed(v);
                }

                static <T> CompletableFuture<T> cfNow(T v) {
                    return CompletableFuture.completedFuture(v);
                }

                static <T> Future<T> later(T v) {
                    return suspend ? Tasks.sleep(Duration.ZERO, v) : Future.completed(v);
                }

                static <T> CompletionStage<T> cfLater(T v) {
                    if (!suspend) {
                        return CompletableFuture.completedFuture(v);
                    }
                    CompletableFuture<T> f = new CompletableFuture<>();
                    EventLoop.running().callSoon(() -> f.complete(v));
                    return f;
                }

                /** {@code like} only gives the type. */
                static <T> Future<T> failNow(T like, RuntimeException e) {
                    return Future.failed(e);
                }

                static <T> Future<T> failLater(T like, RuntimeException e) {
                    if (!suspend) {
                        return Future.failed(e);
                    }
                    Future<T> f = new Future<>();
                    EventLoop.running().callSoon(() -> f.fail(e));
                    return f;
                }

                static void log(String line) {
                    if (trace.length() < 200_000) {
                        trace.append(line).append('\\n');
                    }
                }

                /** The generator's own exceptions with their messages; any other only by class (JDK messages name slots). */
                static String describe(Throwable e) {
                    StringBuilder d = new StringBuilder();
                    if (e instanceof Boom || e instanceof Other) {
                        d.append(e.getClass().getSimpleName()).append('(').append(e.getMessage()).append(')');
                    } else {
                        d.append(e.getClass().getName());
                    }
                    for (Throwable s : e.getSuppressed()) {
                        if (!s.getClass().getName().equals("dev.weft.runtime.AsyncTrace")) { // the runtime's, not the program's
                            d.append(" suppressed ").append(describe(s));
                        }
                    }
                    return d.toString();
                }

                /** Strings read from variables are cut, so no loop can grow one exponentially. */
                static String cut(String s) {
                    return s == null || s.length() <= 40 ? s : s.substring(0, 40);
                }

                static String show(Object o) {
                    return String.valueOf(o);
                }

                static String show(int[] a) {
                    return Arrays.toString(a);
                }

                static String show(long[] a) {
                    return Arrays.toString(a);
                }

                static String show(double[] a) {
                    return Arrays.toString(a);
                }

                static String show(String[] a) {
                    return cut(Arrays.toString(a));
                }

                static int len(String s) {
                    return s == null ? -1 : s.length();
                }

                static int n(Box b) {
                    return b == null ? -7 : b.n();
                }

                static String s(Box b) {
                    return b == null ? "nobox" : b.s();
                }

                static char at(String s, int i) {
                    return s == null || s.isEmpty() ? '?' : s.charAt(Math.floorMod(i, s.length()));
                }

                static int mix(int a, int b, int c) {
                    return a * 31 + b * 7 - c;
                }

                static long mixL(long a, int b) {
                    return a * 17 + b;
                }
            }
            """;

    // ============================================================================================ model

    /** The types a local, parameter, field or expression can have. */
    enum Ty {
        INT("int", "Integer"), LONG("long", "Long"), DOUBLE("double", "Double"), FLOAT("float", "Float"),
        BOOLEAN("boolean", "Boolean"), CHAR("char", "Character"), BYTE("byte", "Byte"), SHORT("short", "Short"),
        STRING("String", "String"), OBJECT("Object", "Object"), BOX("Box", "Box"), CELL("Cell", "Cell"),
        BUILDER("StringBuilder", "StringBuilder"), COLOR("Color", "Color"),
        INT_ARRAY("int[]", "int[]"), LONG_ARRAY("long[]", "long[]"), DOUBLE_ARRAY("double[]", "double[]"),
        STRING_ARRAY("String[]", "String[]");

        final String java;
        final String boxed;

        Ty(String java, String boxed) {
            this.java = java;
            this.boxed = boxed;
        }

        boolean primitive() {
            return ordinal() <= SHORT.ordinal();
        }

        boolean array() {
            return ordinal() >= INT_ARRAY.ordinal();
        }

        Ty element() {
            return switch (this) {
                case INT_ARRAY -> INT;
                case LONG_ARRAY -> LONG;
                case DOUBLE_ARRAY -> DOUBLE;
                case STRING_ARRAY -> STRING;
                default -> throw new IllegalArgumentException(this + " is not an array type");
            };
        }

        /** Numeric types (char included): what {@code <}, {@code +=} and friends take. */
        boolean numeric() {
            return primitive() && this != BOOLEAN;
        }

        /** Integral types: what {@code ^=}, {@code <<=} take. */
        boolean integral() {
            return this == INT || this == LONG || this == CHAR || this == BYTE || this == SHORT;
        }
    }

    /** What an async method (or async lambda) returns. */
    enum Container {
        TASK("Task", "Task.completed"),
        FUTURE("CompletableFuture", "CompletableFuture.completedFuture"),
        STAGE("CompletionStage", "CompletableFuture.completedFuture");

        final String java;
        final String complete;

        Container(String java, String complete) {
            this.java = java;
            this.complete = complete;
        }

        String type(Ty result) {
            return java + "<" + result.boxed + ">";
        }

        String complete(String value) {
            return complete + "(" + value + ")";
        }

        /** A method of container {@code other} may be returned as is (its outcome adopted) from one of this. */
        boolean accepts(Container other) {
            return this == STAGE || this == other;
        }
    }

    /** The functional types of the async lambdas a program declares. */
    enum Fn {
        SUPPLIER("Supplier<Task<Integer>>", Ty.INT, Container.TASK),
        FUNCTION("Function<Integer, CompletableFuture<String>>", Ty.STRING, Container.FUTURE),
        ASYNC_FN("AsyncFn", Ty.LONG, Container.STAGE);

        final String java;
        final Ty result;
        final Container container;

        Fn(String java, Ty result, Container container) {
            this.java = java;
            this.result = result;
            this.container = container;
        }
    }

    /** A local variable or parameter: {@code fn} is set for an async lambda, {@code ty} otherwise. */
    record Var(String name, Ty ty, Fn fn, boolean assignable) {
    }

    /** What a {@code break} or {@code continue} may target; {@code BARRIER} is a switch expression (no jump out). */
    enum JumpKind { LOOP, SWITCH, BLOCK, BARRIER }

    record Jump(JumpKind kind, String label) {
    }

    /**
     * Where an async method is declared: the program's class, a static nested class {@code N}, an inner class
     * {@code I} (whose code reaches the outer instance's fields), or an interface {@code F} (static and default
     * methods; the rewritten body must live where an interface allows methods).
     */
    enum Host { MAIN, NESTED, INNER, IFACE }

    /** One generated async method. */
    static final class Method {
        final int index;
        final String name;
        final Host host;
        final String access;
        final boolean isStatic;
        final Ty result;
        final Container container;
        final List<Var> params = new ArrayList<>();
        final boolean recursive;

        Method(int index, String name, Host host, String access, boolean isStatic, Ty result, Container container,
               boolean recursive) {
            this.index = index;
            this.name = name;
            this.host = host;
            this.access = access;
            this.isStatic = isStatic;
            this.result = result;
            this.container = container;
            this.recursive = recursive;
        }
    }

    /** What the body being generated (a method's, or a lambda's inside it) can see and where it is. */
    static final class Ctx {
        final Method method;
        final Ty result;
        final Container container;
        final Deque<List<Var>> scopes = new ArrayDeque<>();
        final Deque<Jump> jumps = new ArrayDeque<>();
        /** Enclosing try, catch, finally and try-with-resources blocks: no task-valued return inside them. */
        int tryDepth;
        /** Enclosing try bodies (of a try with a catch or a finally, or a try-with-resources): failures are likelier there. */
        int tryBodyDepth;
        /** Statements left to generate. */
        int budget;
        /** The product of the iteration counts of the enclosing loops: keeps the total work small. */
        int loopProduct;

        Ctx(Method method, Ty result, Container container, int budget, int loopProduct) {
            this.method = method;
            this.result = result;
            this.container = container;
            this.budget = budget;
            this.loopProduct = loopProduct;
        }
    }

    // ============================================================================================ state

    private static final Ty[] RESULT_TYPES = {Ty.INT, Ty.LONG, Ty.DOUBLE, Ty.STRING, Ty.BOOLEAN, Ty.BOX};
    private static final int MAX_LOOP_PRODUCT = 12;
    private static final int FUEL = 30;
    /** How deep the expressions of a statement nest: javac's time grows fast with it. */
    private static final int EXPR_DEPTH = 2;

    private final long seed;
    private final Random rnd;
    private final Config config;
    private final String className;
    private final String simpleName;
    private final List<Method> methods = new ArrayList<>();
    private StringBuilder out = new StringBuilder();
    private int indent;
    private int counter;
    private Ctx ctx;
    /** How many constructor argument lists the expression being generated is inside. */
    private int newArgs;
    /** How many enclosing switch expressions may hold no try (see switchExpr). */
    private int switchesWithoutTry;
    /**
     * How many long or double values the code being generated has below it on the operand stack (an upper bound:
     * the left operands already pushed); inside a switch expression's case blocks the stack around the switch stays.
     */
    private int wideBelow;

    private ProgramGenerator(long seed, Config config) {
        this.seed = seed;
        this.rnd = new Random(seed);
        this.config = config;
        this.className = classNameOf(seed);
        this.simpleName = className.substring("demo.".length());
    }

    // ============================================================================================ the class

    private Program program() {
        planMethods();
        line("package demo;");
        line("");
        for (String imp : List.of("dev.weft.Async", "dev.weft.runtime.Task", "java.util.Arrays", "java.util.Objects",
                "java.util.concurrent.CompletableFuture", "java.util.concurrent.CompletionStage",
                "java.util.function.Function", "java.util.function.Supplier")) {
            line("import " + imp + ";");
        }
        line("import static demo.Support.*;");
        line("import static dev.weft.runtime.Await.await;");
        line("");
        line("/** Generated from seed " + seed + " by ProgramGenerator. */");
        open("public class " + simpleName);
        support();
        for (Method m : methods) {
            if (m.host == Host.MAIN) {
                line("");
                method(m);
            }
        }
        hostType(Host.NESTED, "static final class N");
        hostType(Host.INNER, "final class I");
        hostType(Host.IFACE, "interface F");
        line("");
        line("static final class FImpl implements F {");
        line("}");
        line("");
        runMethod();
        close();
        return new Program(seed, className, out.toString());
    }

    /**
     * Decides the methods before any body, so a body can call the methods after it: {@code main0} first (static,
     * returns String), then two to five others of random kinds, at most one of them recursive.
     */
    private void planMethods() {
        methods.add(new Method(0, "main0", Host.MAIN, "", true, Ty.STRING, Container.TASK, false));
        int n = between(1, 3);
        boolean recursiveTaken = false;
        for (int i = 1; i <= n; i++) {
            boolean recursive = !recursiveTaken && chance(0.4);
            recursiveTaken |= recursive;
            Host host = chance(0.6) ? Host.MAIN : pick(Host.NESTED, Host.INNER, Host.IFACE);
            // private works across the nest (javac 11+ uses nestmates); an interface's are public
            String access = host == Host.IFACE ? "" : pick("", "", "private ", "public ");
            Method m = new Method(i, "m" + i, host, access, chance(0.6), pick(RESULT_TYPES), pick(Container.values()),
                    recursive);
            if (recursive) {
                m.params.add(new Var("n" + i, Ty.INT, null, false));
            }
            int params = between(0, 3);
            for (int p = 0; p < params; p++) {
                m.params.add(new Var("p" + i + "_" + p, randomType(), null, true));
            }
            methods.add(m);
        }
    }

    /**
     * The program's own part of the fixed code: the instance it runs on, its instance fields, and the instances of
     * the other hosts.
     */
    private void support() {
        line("static " + simpleName + " self;");
        line("static N nObj;");
        line("static F fObj;");
        line("I inner;");
        line("int fI;");
        line("long fL;");
        line("double fD;");
        line("String fS;");
        line("Box fB;");
    }

    /** A nested type with the methods that live in it (it is declared even when it has none). */
    private void hostType(Host host, String header) {
        line("");
        open(header);
        for (Method m : methods) {
            if (m.host == host) {
                line("");
                method(m);
            }
        }
        close();
    }

    /** The entry the test calls: resets every static, runs main0 and returns the trace. */
    private void runMethod() {
        line("@Async");
        open("public static Task<String> run(boolean suspendMode)");
        line("suspend = suspendMode;");
        line("trace = new StringBuilder();");
        line("fuel = " + FUEL + ";");
        line("self = new " + simpleName + "();");
        line("self.inner = self.new I();");
        line("nObj = new N();");
        line("fObj = new FImpl();");
        line("sI = " + between(-3, 9) + ";");
        line("sL = " + between(-3, 9) + "L;");
        line("sD = 0.5;");
        line("sS = \"st\";");
        line("sArr = new int[] {1, 2, 3, 4};");
        line("self.fI = " + between(-3, 9) + ";");
        line("self.fL = 40000000000L;");
        line("self.fD = -1.25;");
        line("self.fS = \"fs\";");
        line("self.fB = new Box(5, \"fb\");");
        open("try");
        line("log(\"result \" + await(main0()));");
        closeOpen("catch (RuntimeException e)");
        line("log(\"threw \" + describe(e));");
        close();
        line("log(\"statics \" + sI + \" \" + sL + \" \" + sD + \" \" + sS + \" \" + show(sArr) + \" fields \" + self.fI"
                + " + \" \" + self.fL + \" \" + self.fD + \" \" + self.fS + \" \" + self.fB + \" fuel \" + fuel);");
        line("return Task.completed(trace.toString());");
        close();
    }

    // ============================================================================================ methods

    private void method(Method m) {
        ctx = new Ctx(m, m.result, m.container, m.index == 0 ? between(8, 16) : between(5, 14), 1);
        StringBuilder params = new StringBuilder();
        for (Var p : m.params) {
            params.append(params.length() == 0 ? "" : ", ").append(p.ty().java).append(' ').append(p.name());
        }
        line("@Async");
        String modifiers = m.access + (m.isStatic ? "static " : m.host == Host.IFACE ? "default " : "");
        open(modifiers + m.container.type(m.result) + " " + m.name + "(" + params + ")");
        pushScope();
        for (Var p : m.params) {
            add(p);
        }
        // every call spends fuel, so a program's work is bounded whatever its loops and calls
        open("if (--fuel < 0)");
        line("return " + m.container.complete(literal(m.result)) + ";");
        close();
        if (m.recursive) {
            open("if (" + m.params.get(0).name() + " <= 0)");
            line("return " + m.container.complete(literal(m.result)) + ";");
            close();
        }
        line("log(\"enter " + m.name + "\"" + showVars(visibleValues(), 99) + ");");
        int locals = between(2, 5);
        for (int i = 0; i < locals; i++) {
            declare();
        }
        // main0 calls every other method at least once, between its own statements, so every body runs
        List<Method> toCall = new ArrayList<>(m.index == 0 ? methods.subList(1, methods.size()) : List.of());
        while (ctx.budget > 0 || !toCall.isEmpty()) {
            if (!toCall.isEmpty() && (ctx.budget <= 0 || chance(0.25))) {
                Method callee = toCall.remove(rnd.nextInt(toCall.size()));
                line("log(\"" + tag("calls " + callee.name) + " \" + await(" + callOf(callee, 2) + "));");
            } else {
                statement(3);
            }
        }
        line("log(\"leave " + m.name + "\"" + showVars(visibleValues(), 99) + ");");
        finalReturn();
        popScope();
        close();
    }

    private void finalReturn() {
        if (ctx.tryDepth == 0 && chance(0.12)) {
            String adopted = adoptable();
            if (adopted != null) {
                line("return " + adopted + ";");
                return;
            }
        }
        line("return " + ctx.container.complete(expr(ctx.result, EXPR_DEPTH)) + ";");
    }

    // ============================================================================================ statements

    private void statement(int depth) {
        ctx.budget--;
        if (depth <= 0 || ctx.budget <= 0) {
            simpleStatement();
            return;
        }
        int r = rnd.nextInt(100);
        if (r < 8) {
            declare();
        } else if (r < 14) {
            assign();
        } else if (r < 21) {
            compound();
        } else if (r < 25) {
            arrayStore();
        } else if (r < 30) {
            fieldStore();
        } else if (r < 35) {
            log();
        } else if (r < 39) {
            callStatement();
        } else if (r < 45) {
            ifStatement(depth);
        } else if (r < 53) {
            loop(depth);
        } else if (r < 58) {
            switchStatement(depth);
        } else if (r < 65) {
            tryStatement(depth);
        } else if (r < 69) {
            tryWithResources(depth);
        } else if (r < 72) {
            jump();
        } else if (r < 74) {
            throwStatement();
        } else if (r < 77) {
            returnStatement();
        } else if (r < 81) {
            lambda(depth);
        } else if (r < 87) {
            newShape(depth);
        } else if (r < 90) {
            instanceofStatement(depth);
        } else if (r < 93) {
            labelledBlock(depth);
        } else {
            switchExpressionStatement();
        }
    }

    private void simpleStatement() {
        switch (rnd.nextInt(6)) {
            case 0 -> declare();
            case 1 -> assign();
            case 2 -> compound();
            case 3 -> arrayStore();
            case 4 -> fieldStore();
            default -> log();
        }
    }

    /** One to three statements in a new scope (the caller writes the braces). */
    private void block(int depth) {
        pushScope();
        int n = between(1, 3);
        for (int i = 0; i < n; i++) {
            statement(depth);
        }
        popScope();
    }

    private void declare() {
        Ty t = randomType();
        declare(t, expr(t, EXPR_DEPTH));
    }

    private Var declare(Ty t, String init) {
        Var v = new Var(fresh(t), t, null, true);
        line(t.java + " " + v.name() + " = " + init + ";");
        add(v);
        return v;
    }

    private void assign() {
        Var v = pickVar(x -> x.assignable() && x.ty() != null);
        if (v == null) {
            declare();
            return;
        }
        line(v.name() + " = " + expr(v.ty(), EXPR_DEPTH) + ";");
    }

    /** {@code x op= e}, {@code x++}: the local is loaded before e is evaluated, so its value is on the stack across e's awaits. */
    private void compound() {
        Var v = pickVar(x -> x.assignable() && x.ty() != null && (x.ty().primitive() || x.ty() == Ty.STRING));
        if (v == null) {
            declare();
            return;
        }
        line(compoundOn(v.name(), v.ty()) + ";");
    }

    /** A compound assignment (or increment) of the variable, field or element {@code target} of type {@code t}. */
    private String compoundOn(String target, Ty t) {
        if (t == Ty.STRING) {
            // s += e joins s and e's operands in one concatenation: any of them may be wide
            return target + " += " + above(Ty.LONG, () -> expr(randomScalar(), 2));
        }
        if (t == Ty.BOOLEAN) {
            return target + " " + pick("&=", "|=", "^=") + " " + expr(Ty.BOOLEAN, 2);
        }
        if (chance(0.2)) {
            return pick(target + "++", "--" + target, "++" + target, target + "--");
        }
        // the target's value is loaded, and promoted to the operation's type, before the operand is evaluated
        if (t.integral() && chance(0.3)) {
            String op = pick("^=", "|=", "&=", "<<=", ">>=");
            Ty operand = pick(Ty.INT, Ty.LONG, t);
            Ty loaded = op.startsWith("<") || op.startsWith(">") ? t : promoted(t, operand);
            return target + " " + op + " " + above(loaded, () -> expr(operand, 2));
        }
        Ty operand = chance(0.5) ? t : randomNumeric();
        return target + " " + pick("+=", "-=", "*=") + " " + above(promoted(t, operand), () -> expr(operand, 2));
    }

    /** The type of a binary numeric operation on {@code a} and {@code b} (JLS 5.6.2). */
    private static Ty promoted(Ty a, Ty b) {
        if (a == Ty.DOUBLE || b == Ty.DOUBLE) {
            return Ty.DOUBLE;
        }
        if (a == Ty.FLOAT || b == Ty.FLOAT) {
            return Ty.FLOAT;
        }
        return a == Ty.LONG || b == Ty.LONG ? Ty.LONG : Ty.INT;
    }

    private void arrayStore() {
        Var a = pickVar(x -> x.ty() != null && x.ty().array());
        if (a == null) {
            Ty t = pick(Ty.INT_ARRAY, Ty.LONG_ARRAY, Ty.DOUBLE_ARRAY, Ty.STRING_ARRAY);
            declare(t, arrayNew(t, 2));
            return;
        }
        Ty e = a.ty().element();
        String element = a.name() + "[" + index(a.name()) + "]";
        if (chance(0.4)) {
            line(compoundOn(element, e) + ";");
        } else {
            line(element + " = " + expr(e, EXPR_DEPTH) + ";");
        }
    }

    /** Stores and compound assignments to static fields, instance fields (through this or self) and a Cell's field. */
    private void fieldStore() {
        switch (rnd.nextInt(7)) {
            case 0 -> line(fieldUpdate("sI", Ty.INT));
            case 1 -> line(fieldUpdate(pick("sL", field("fL")), Ty.LONG));
            case 2 -> line(fieldUpdate(pick("sD", field("fD")), Ty.DOUBLE));
            case 3 -> line(fieldUpdate(pick("sS", field("fS")), Ty.STRING));
            case 4 -> line(fieldUpdate("sArr[" + expr(Ty.INT, 1) + " & 3]", Ty.INT));
            case 5 -> line(field("fB") + " = " + expr(Ty.BOX, 2) + ";");
            default -> {
                Var c = pickVar(x -> x.ty() == Ty.CELL);
                if (c == null) {
                    line(fieldUpdate(field("fI"), Ty.INT));
                } else if (chance(0.5)) {
                    line(fieldUpdate(c.name() + ".v", Ty.LONG));
                } else {
                    line(c.name() + ".o = " + expr(pick(Ty.OBJECT, Ty.STRING, Ty.BOX), 2) + ";");
                }
            }
        }
    }

    private String fieldUpdate(String target, Ty t) {
        return (chance(0.6) ? compoundOn(target, t) : target + " = " + expr(t, EXPR_DEPTH)) + ";";
    }

    /** Records the values of some locals of every type, and sometimes an expression's (awaits included). */
    private void log() {
        // the variables before it (longs and doubles among them) are on the stack while it runs
        String extra = chance(0.4) ? " + \" e=\" + " + above(Ty.LONG, () -> showExpr(randomType(), 2)) : "";
        line("log(\"" + tag("at") + "\"" + showVars(visibleValues(), 7) + extra + ");");
    }

    /** An awaited call of another async method (or of an async lambda) as a statement. */
    private void callStatement() {
        Ty t = pick(RESULT_TYPES);
        String call = asyncCall(t, 2);
        if (call == null) {
            call = lambdaCall(Ty.INT, 2);
        }
        if (call == null) {
            log();
        } else if (chance(0.5)) {
            line("await(" + call + ");");
        } else {
            line("log(\"" + tag("call") + " \" + await(" + call + "));");
        }
    }

    private void ifStatement(int depth) {
        open("if (" + expr(Ty.BOOLEAN, EXPR_DEPTH) + ")");
        block(depth - 1);
        if (chance(0.3)) {
            closeOpen("else if (" + expr(Ty.BOOLEAN, 2) + ")");
            block(depth - 1);
        }
        if (chance(0.6)) {
            closeOpen("else");
            block(depth - 1);
        }
        close();
    }

    /** {@code if (o instanceof T p)}: the pattern variable is in scope in the branch where it matched. */
    private void instanceofStatement(int depth) {
        if (!patternsAllowed()) {
            ifStatement(depth);             // see patternsAllowed()
            return;
        }
        String[][] patterns = {{"Box", "BOX"}, {"String", "STRING"}, {"Cell", "CELL"}};
        String[] p = pick(patterns);
        Ty bound = Ty.valueOf(p[1]);
        String name = fresh(bound);
        String subject = expr(Ty.OBJECT, 2);
        boolean negated = chance(0.3);
        open("if (" + (negated ? "!(" + subject + " instanceof " + p[0] + " " + name + ")"
                : subject + " instanceof " + p[0] + " " + name) + ")");
        if (negated) {
            block(depth - 1);
            closeOpen("else");
        }
        pushScope();
        add(new Var(name, bound, null, false));
        line("log(\"" + tag("match") + " \" + " + name + ");");
        block(depth - 1);
        popScope();
        if (!negated && chance(0.5)) {
            closeOpen("else");
            block(depth - 1);
        }
        close();
    }

    // ---------------------------------------------------------------------------------------------- loops

    private void loop(int depth) {
        int bound = between(1, Math.max(1, Math.min(3, MAX_LOOP_PRODUCT / ctx.loopProduct)));
        String label = "L" + (++counter);
        int before = ctx.loopProduct;
        ctx.loopProduct *= Math.max(1, bound);
        switch (rnd.nextInt(5)) {
            case 0 -> forLoop(label, bound, depth);
            case 1 -> whileLoop(label, bound, depth);
            case 2 -> doWhileLoop(label, bound, depth);
            case 3 -> forEachArray(label, bound, depth);
            default -> forEachList(label, bound, depth);
        }
        ctx.loopProduct = before;
    }

    /** A loop bound in the condition: a literal, or an awaited one (the await runs at every test). */
    private String boundExpr(int bound) {
        return chance(0.4) ? "(int) await(" + pick("later(", "cfLater(", "now(") + bound + "))" : String.valueOf(bound);
    }

    /** A condition that may stop a loop early; it never keeps one going. */
    private String andCondition() {
        return chance(0.4) ? " && " + expr(Ty.BOOLEAN, 2) : "";
    }

    private void loopBody(String label, int depth, Var loopVar) {
        ctx.jumps.push(new Jump(JumpKind.LOOP, label));
        pushScope();
        if (loopVar != null) {
            add(loopVar);
        }
        block(depth - 1);
        popScope();
        ctx.jumps.pop();
    }

    private void forLoop(String label, int bound, int depth) {
        String i = "i" + (++counter);
        // the counter is never assigned in the body, and the update adds one whatever the await gives
        String update = chance(0.3) ? i + " += (int) await(later(1))" : i + "++";
        open(label + ": for (int " + i + " = 0; " + i + " < " + boundExpr(bound) + andCondition() + "; " + update + ")");
        loopBody(label, depth, new Var(i, Ty.INT, null, false));
        close();
    }

    private void whileLoop(String label, int bound, int depth) {
        String w = "w" + (++counter);
        line("int " + w + " = 0;");
        add(new Var(w, Ty.INT, null, false));
        if (chance(0.5)) {
            // the counter goes up in the condition itself, so continue cannot skip it
            open(label + ": while (" + (chance(0.5) ? w + "++" : "(int) await(later(" + w + "++))") + " < "
                    + boundExpr(bound) + andCondition() + ")");
            loopBody(label, depth, null);
        } else {
            open(label + ": while (" + w + " < " + boundExpr(bound) + andCondition() + ")");
            line(w + "++;");
            loopBody(label, depth, null);
        }
        close();
    }

    private void doWhileLoop(String label, int bound, int depth) {
        String d = "d" + (++counter);
        line("int " + d + " = 0;");
        add(new Var(d, Ty.INT, null, false));
        open(label + ": do");
        line(d + "++;");
        loopBody(label, depth, null);
        close(" while (" + d + " < " + boundExpr(bound) + andCondition() + ");");
    }

    private void forEachArray(String label, int bound, int depth) {
        Ty array = pick(Ty.INT_ARRAY, Ty.LONG_ARRAY, Ty.DOUBLE_ARRAY, Ty.STRING_ARRAY);
        Ty e = array.element();
        String source;
        Var existing = pickVar(x -> x.ty() == array);
        if (existing != null && chance(0.5)) {
            source = existing.name();               // at most four elements
        } else {
            StringBuilder elements = new StringBuilder();
            for (int k = 0; k < bound; k++) {
                elements.append(k == 0 ? "" : ", ").append(expr(e, 2));
            }
            source = chance(0.3) ? "await(later(new " + array.java + " {" + elements + "}))"
                    : "new " + array.java + " {" + elements + "}";
        }
        String x = fresh(e);
        open(label + ": for (" + e.java + " " + x + " : " + source + ")");
        loopBody(label, depth, new Var(x, e, null, false));
        close();
    }

    private void forEachList(String label, int bound, int depth) {
        Ty e = pick(Ty.INT, Ty.LONG, Ty.STRING, Ty.BOX, Ty.OBJECT, Ty.CHAR);
        StringBuilder elements = new StringBuilder();
        for (int k = 0; k < bound; k++) {
            elements.append(k == 0 ? "" : ", ").append(expr(e, 2));
        }
        String x = fresh(e);
        open(label + ": for (" + e.java + " " + x + " : Arrays.<" + e.boxed + ">asList(" + elements + "))");
        loopBody(label, depth, new Var(x, e, null, false));
        close();
    }

    /** {@code B: { ... break B; ... }}: a labelled block that only a break can leave early. */
    private void labelledBlock(int depth) {
        String label = "B" + (++counter);
        open(label + ":");
        ctx.jumps.push(new Jump(JumpKind.BLOCK, label));
        block(depth - 1);
        ctx.jumps.pop();
        close();
    }

    /**
     * A conditional break or continue, labelled or not, to an enclosing loop, switch or labelled block (never out
     * of a switch expression), often through a finally.
     */
    private void jump() {
        List<Jump> reachable = new ArrayList<>();
        for (Jump j : ctx.jumps) {             // innermost first
            if (j.kind() == JumpKind.BARRIER) {
                break;
            }
            reachable.add(j);
        }
        if (reachable.isEmpty()) {
            log();
            return;
        }
        Jump innermostBreakable = null;
        Jump innermostLoop = null;
        for (Jump j : reachable) {
            if (innermostBreakable == null && (j.kind() == JumpKind.LOOP || j.kind() == JumpKind.SWITCH)) {
                innermostBreakable = j;
            }
            if (innermostLoop == null && j.kind() == JumpKind.LOOP) {
                innermostLoop = j;
            }
        }
        Jump target = pick(reachable);
        String jump;
        switch (target.kind()) {
            case BLOCK -> jump = "break " + target.label();
            case SWITCH -> {
                if (target != innermostBreakable) {
                    log();
                    return;
                }
                jump = "break";
            }
            default -> {
                boolean isBreak = chance(0.5);
                boolean bare = isBreak ? target == innermostBreakable : target == innermostLoop;
                jump = (isBreak ? "break" : "continue") + (bare && chance(0.5) ? "" : " " + target.label());
            }
        }
        open("if (" + expr(Ty.BOOLEAN, 2) + ")");
        line("log(\"" + tag("jump") + "\");");
        line(jump + ";");
        close();
    }

    private void throwStatement() {
        if (ctx.tryBodyDepth == 0 && chance(0.8)) {
            log();                          // an uncaught throw ends the program: mostly inside a try body
            return;
        }
        open("if (" + expr(Ty.BOOLEAN, 2) + ")");
        line("throw " + exception("t") + ";");
        close();
    }

    /** An early return: of a completed value anywhere a return is allowed, of a task to adopt only outside every try. */
    private void returnStatement() {
        if (barrier()) {
            log();
            return;
        }
        String value = null;
        if (ctx.tryDepth == 0 && chance(0.3)) {
            value = adoptable();
        }
        if (value == null) {
            value = ctx.container.complete(expr(ctx.result, 2));
        }
        open("if (" + expr(Ty.BOOLEAN, 2) + ")");
        line("log(\"" + tag("return") + "\");");
        line("return " + value + ";");
        close();
    }

    /**
     * A future of the body's type to return as it is, so the task adopts its outcome: a call of another async
     * method of a compatible type, a failed one, or (for a CompletionStage) one of the helpers.
     */
    private String adoptable() {
        List<Method> fits = new ArrayList<>();
        for (Method m : callable()) {
            if (m.result == ctx.result && ctx.container.accepts(m.container)) {
                fits.add(m);
            }
        }
        int r = rnd.nextInt(10);
        if (r < 6 && !fits.isEmpty()) {
            return callOf(pick(fits), 2);
        }
        if (r == 6) {
            return switch (ctx.container) {
                case TASK -> "Task.failed(" + exception("r") + ")";
                case FUTURE -> "CompletableFuture.failedFuture(" + exception("r") + ")";
                case STAGE -> pick("failNow(", "failLater(") + literal(ctx.result) + ", " + exception("r") + ")";
            };
        }
        if (ctx.container == Container.STAGE) {
            return pick("later(", "cfLater(", "now(") + expr(ctx.result, 2) + ")";
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------- switch

    private void switchStatement(int depth) {
        int kind = rnd.nextInt(3);
        String selector = selector(kind);
        List<String> labels = caseLabels(kind);
        boolean arrows = chance(0.5);
        open("switch (" + selector + ")");
        ctx.jumps.push(new Jump(JumpKind.SWITCH, null));
        for (String label : labels) {
            if (arrows) {
                open(label + " ->");
                line("log(\"" + tag("case") + "\");");
                block(depth - 1);
                close();
            } else {
                // each case in its own block, so a local declared in one is never seen undeclared in the next
                open(label + ":");
                line("log(\"" + tag("case") + "\");");
                block(depth - 1);
                close();
                if (chance(0.75)) {
                    line("    break;");
                }
            }
        }
        ctx.jumps.pop();
        close();
    }

    /** 0: int, 1: String, 2: enum. */
    private String selector(int kind) {
        return switch (kind) {
            case 0 -> chance(0.5) ? "Math.floorMod(" + expr(Ty.INT, 2) + ", 4)" : expr(Ty.INT, 2);
            case 1 -> "String.valueOf(" + expr(Ty.STRING, 2) + ")";
            default -> expr(Ty.COLOR, 2);
        };
    }

    /** Labels for a switch with a default (ints and strings) or without one (an enum may cover every constant). */
    private List<String> caseLabels(int kind) {
        List<String> labels = new ArrayList<>();
        switch (kind) {
            case 0 -> {
                labels.add("case 0");
                labels.add(chance(0.5) ? "case 1, 2" : "case 1");
                if (chance(0.5)) {
                    labels.add("case 3");
                }
                labels.add("default");
            }
            case 1 -> {
                labels.add("case \"a\"");
                labels.add(chance(0.5) ? "case \"b\", \"c\"" : "case \"xy\"");
                labels.add("default");
            }
            default -> {
                labels.add("case RED");
                labels.add(chance(0.5) ? "case GREEN, BLUE" : "case GREEN");
                if (labels.get(1).equals("case GREEN") && chance(0.5)) {
                    labels.add("case BLUE");
                } else if (labels.get(1).equals("case GREEN")) {
                    labels.add("default");
                }
            }
        }
        return labels;
    }

    private void switchExpressionStatement() {
        Ty t = randomType();
        Var v = pickVar(x -> x.assignable() && x.ty() == t);
        String sw = switchExpr(t, 2);
        if (v != null && chance(0.5)) {
            line(v.name() + " = " + sw + ";");
        } else {
            declare(t, sw);
        }
    }

    /**
     * A switch expression (arrows, or colons with {@code yield}); case blocks hold statements and end with
     * {@code yield}. Used inside larger expressions too, so values sit on the operand stack around it; when its cases
     * hold a try, javac stores that stack in locals first (uninitialized objects of an enclosing {@code new}
     * included), a shape the transformer must take. Not when a long or double is on that stack: javac (17 and 25)
     * crashes there (NPE in Gen.doHandleSwitchExpression), so then no try anywhere inside.
     */
    private String switchExpr(Ty t, int depth) {
        int kind = rnd.nextInt(3);
        String selector = selector(kind);
        List<String> labels = caseLabels(kind);
        if (kind == 2 && !labels.contains("default") && labels.size() < 3) {
            labels.add("default");
        }
        boolean arrows = chance(0.6);
        StringBuilder saved = out;
        int savedIndent = indent;
        out = new StringBuilder();
        indent++;
        boolean noTry = wideBelow > 0 || config.avoidJavacBugs();
        if (noTry) {
            switchesWithoutTry++;
        }
        ctx.jumps.push(new Jump(JumpKind.BARRIER, null));
        for (String label : labels) {
            boolean withBlock = ctx.budget > 0 && chance(0.35);
            if (arrows && !withBlock) {
                line(label + " -> " + expr(t, depth - 1) + ";");
            } else if (arrows) {
                open(label + " ->");
                blockInSwitchExpression();
                yieldValue(t, expr(t, depth - 1));
                close();
            } else if (!withBlock) {
                line(label + ":");
                indent++;
                yieldValue(t, expr(t, depth - 1));
                indent--;
            } else {
                open(label + ":");
                blockInSwitchExpression();
                yieldValue(t, expr(t, depth - 1));
                close();
            }
        }
        ctx.jumps.pop();
        if (noTry) {
            switchesWithoutTry--;
        }
        String cases = out.toString();
        out = saved;
        indent = savedIndent;
        String cast = t.primitive() ? "" : "(" + t.java + ") ";
        return "(" + cast + "switch (" + selector + ") {\n" + cases + "    ".repeat(indent + 1) + "})";
    }

    /** {@code yield e;}, through a local when e starts with a parenthesis ({@code yield (...);} parses as a call). */
    private void yieldValue(Ty t, String e) {
        if (e.startsWith("(")) {
            String y = "y" + (++counter);
            line(t.java + " " + y + " = " + e + ";");
            e = y;
        }
        line("yield " + e + ";");
    }

    private void blockInSwitchExpression() {
        pushScope();
        line("log(\"" + tag("yield") + "\");");
        int n = between(1, 2);
        for (int i = 0; i < n; i++) {
            statement(1 + rnd.nextInt(2));
        }
        popScope();
    }

    // ---------------------------------------------------------------------------------------------- try

    private void tryStatement(int depth) {
        if (!tryAllowed()) {
            ifStatement(depth);
            return;
        }
        int shape = rnd.nextInt(3);            // 0: catch, 1: finally, 2: both
        ctx.tryDepth++;
        open("try");
        ctx.tryBodyDepth++;
        block(depth - 1);
        ctx.tryBodyDepth--;
        if (shape != 1) {
            catches(depth);
        }
        if (shape != 0) {
            finallyBlock(depth);
        }
        close();
        ctx.tryDepth--;
    }

    /**
     * Catch clauses in an order javac accepts (a subclass before its superclass), sometimes a multi-catch of two
     * unrelated types; each records what it caught and may rethrow it.
     */
    private void catches(int depth) {
        List<String> chosen = new ArrayList<>();
        for (String type : new String[] {"Oops", "Boom", "Other", "RuntimeException"}) {
            if (chance(0.45)) {
                chosen.add(type);
            }
        }
        if (chosen.isEmpty()) {
            chosen.add(pick("Boom", "RuntimeException"));
        }
        int other = chosen.indexOf("Other");
        if (other > 0 && chance(0.5)) {
            String before = chosen.get(other - 1);        // Oops or Boom: unrelated to Other
            chosen.set(other - 1, before + " | Other");
            chosen.remove(other);
        }
        for (String type : chosen) {
            String e = "e" + (++counter);
            closeOpen("catch (" + type + " " + e + ")");
            line("log(\"" + tag("caught") + " \" + describe(" + e + "));");
            if (chance(0.5)) {
                block(depth - 1);
            }
            if (chance(ctx.tryBodyDepth > 0 ? 0.3 : 0.08)) {
                open("if (" + expr(Ty.BOOLEAN, 1) + ")");
                line("throw " + e + ";");
                close();
            }
        }
    }

    private void finallyBlock(int depth) {
        closeOpen("finally");
        line("log(\"" + tag("finally") + "\");");
        if (chance(0.6)) {
            block(depth - 1);
        }
    }

    /** try-with-resources: resources whose constructor arguments await, a close() that may throw, catches, finally. */
    private void tryWithResources(int depth) {
        if (!tryAllowed()) {
            ifStatement(depth);
            return;
        }
        ctx.tryDepth++;
        List<String> names = new ArrayList<>();
        if (chance(0.25)) {
            // Java 9: an effectively final variable as the resource
            String r = "r" + (++counter);
            line("final Res " + r + " = " + newRes(r) + ";");
            names.add(r);
            open("try (" + r + ")");
        } else {
            int n = between(1, 2);
            StringBuilder resources = new StringBuilder();
            for (int i = 0; i < n; i++) {
                String r = "r" + (++counter);
                resources.append(i == 0 ? "" : "; ").append("Res ").append(r).append(" = ").append(newRes(r));
                names.add(r);
            }
            open("try (" + resources + ")");
        }
        ctx.tryBodyDepth++;
        if (chance(0.6)) {
            line(pick(names) + ".use(" + expr(pick(Ty.STRING, Ty.INT, Ty.BOX), 2) + ");");
        }
        block(depth - 1);
        ctx.tryBodyDepth--;
        if (chance(0.6)) {
            catches(depth);
        }
        if (chance(0.3)) {
            finallyBlock(depth);
        }
        close();
        ctx.tryDepth--;
    }

    private String newRes(String name) {
        newArgs++;
        String v = expr(Ty.INT, 2);
        newArgs--;
        return "new Res(\"" + name + "\", " + v + ", " + (chance(0.2) ? "true" : "false") + ")";
    }

    // ---------------------------------------------------------------------------------------------- new

    /**
     * The shapes around {@code new} that the uninitialized-object pass must get right: an object made by an
     * earlier {@code new} (with or without awaits) reaching a control-flow merge before a later
     * {@code new C(..., await(..), ...)}; conditional {@code new}; {@code new} in a loop reassigning a variable;
     * nested {@code new A(new B(await(..)))}.
     */
    private void newShape(int depth) {
        if (!config.awaitInNew()) {
            declare();
            return;
        }
        switch (rnd.nextInt(5)) {
            case 0 -> {
                Var b = declare(Ty.BOX, "(Box) null");
                open("if (" + expr(Ty.BOOLEAN, 2) + ")");
                line(b.name() + " = " + newBox(2) + ";");
                close();
                declare(Ty.CELL, newCell(2));
            }
            case 1 -> {
                declare(Ty.BOX, "(" + expr(Ty.BOOLEAN, 2) + " ? " + newBox(2) + " : (Box) null)");
                if (chance(0.5)) {
                    declare(Ty.BOX, newBox(2));
                } else {
                    declare(Ty.CELL, newCell(2));
                }
            }
            case 2 -> {
                Var b = declare(Ty.BOX, newBox(1));
                String i = "i" + (++counter);
                open("for (int " + i + " = 0; " + i + " < " + between(1, 3) + "; " + i + "++)");
                pushScope();
                add(new Var(i, Ty.INT, null, false));
                line(b.name() + " = new Box((int) await(later(" + i + ")), " + expr(Ty.STRING, 1) + ");");
                popScope();
                close();
                line("log(\"" + tag("box") + " \" + " + b.name() + ");");
            }
            case 3 -> {
                Var sb = declare(Ty.BUILDER, "new StringBuilder(\"x\")");
                open("if (" + expr(Ty.BOOLEAN, 2) + ")");
                line(sb.name() + ".append(" + expr(randomScalar(), 2) + ");");
                close();
                declare(Ty.CELL, "new Cell(" + awaited(Ty.LONG, 1) + ", " + sb.name() + ".toString())");
            }
            default -> {
                String inner = "new Box(" + awaited(Ty.INT, 1) + ", new StringBuilder(" + awaited(Ty.STRING, 1)
                        + ").toString())";
                declare(Ty.CELL, "new Cell(" + awaited(Ty.LONG, 1) + ", " + inner + ")");
            }
        }
    }

    private String newBox(int depth) {
        newArgs++;
        String n = expr(Ty.INT, depth);
        String s = expr(Ty.STRING, depth);
        newArgs--;
        return "new Box(" + n + ", " + s + ")";
    }

    private String newCell(int depth) {
        newArgs++;
        String v = expr(Ty.LONG, depth);
        String o = above(Ty.LONG, () -> expr(pick(Ty.OBJECT, Ty.BOX, Ty.STRING, Ty.BUILDER, Ty.CELL), depth));
        newArgs--;
        return "new Cell(" + v + ", " + o + ")";
    }

    // ---------------------------------------------------------------------------------------------- lambdas

    /**
     * An async lambda (its functional method returns a Task, CompletableFuture or CompletionStage, and its body
     * awaits), capturing final copies of values; it is called (and awaited) at once and maybe again later.
     */
    private void lambda(int depth) {
        Fn fn = pick(Fn.values());
        List<Var> captures = new ArrayList<>();
        int n = between(0, 2);
        for (int i = 0; i < n; i++) {
            Ty t = randomType();
            String name = "c" + (++counter);
            line("final " + t.java + " " + name + " = " + expr(t, 2) + ";");
            Var c = new Var(name, t, null, false);
            add(c);
            captures.add(c);
        }
        String name = "l" + (++counter);
        Ctx outer = ctx;
        // the body is a method of its own (javac moves it out before it writes code): nothing below it
        int outerWide = wideBelow;
        int outerNoTry = switchesWithoutTry;
        wideBelow = 0;
        switchesWithoutTry = 0;
        ctx = new Ctx(outer.method, fn.result, fn.container, between(2, 6), outer.loopProduct);
        pushScope();
        for (Var c : captures) {
            add(c);
        }
        String params;
        String unboxed = null;
        switch (fn) {
            case SUPPLIER -> params = "()";
            case FUNCTION -> {
                String x = "x" + (++counter);
                params = x;
                unboxed = "int " + x + "u = " + x + ";";
                add(new Var(x + "u", Ty.INT, null, true));
            }
            default -> {
                String a = "a" + (++counter);
                String b = "b" + (++counter);
                params = "(" + a + ", " + b + ")";
                add(new Var(a, Ty.LONG, null, true));
                add(new Var(b, Ty.STRING, null, true));
            }
        }
        if (unboxed == null && chance(0.3)) {
            // an expression lambda
            line(fn.java + " " + name + " = " + params + " -> " + fn.container.complete(expr(fn.result, EXPR_DEPTH)) + ";");
        } else {
            open(fn.java + " " + name + " = " + params + " ->");
            if (unboxed != null) {
                line(unboxed);
            }
            line("log(\"" + tag("lambda") + "\"" + showVars(visibleValues(), 4) + ");");
            while (ctx.budget > 0) {
                statement(Math.max(1, depth - 1));
            }
            finalReturn();
            close(";");
        }
        popScope();
        ctx = outer;
        wideBelow = outerWide;
        switchesWithoutTry = outerNoTry;
        Var l = new Var(name, null, fn, false);
        add(l);
        line("log(\"" + tag("called") + " \" + await(" + lambdaCallOf(l, 2) + "));");
    }

    // ============================================================================================ expressions

    /** An expression of exactly type {@code t} (an await of a primitive is cast, so it is never a boxed operand). */
    private String expr(Ty t, int depth) {
        if (depth <= 0 || chance(0.3)) {
            return atom(t, depth);
        }
        return switch (t) {
            case INT -> intExpr(depth - 1);
            case LONG -> longExpr(depth - 1);
            case DOUBLE -> doubleExpr(depth - 1);
            case FLOAT -> floatExpr(depth - 1);
            case BOOLEAN -> booleanExpr(depth - 1);
            case CHAR -> charExpr(depth - 1);
            case BYTE -> chance(0.3) ? ternary(t, depth - 1) : "(byte) (" + expr(Ty.INT, depth - 1) + ")";
            case SHORT -> chance(0.3) ? ternary(t, depth - 1) : "(short) (" + expr(Ty.INT, depth - 1) + ")";
            case STRING -> stringExpr(depth - 1);
            case OBJECT -> objectExpr(depth - 1);
            case BOX -> boxExpr(depth - 1);
            case CELL -> chance(0.3) ? ternary(t, depth - 1) : newCell(depth - 1);
            case BUILDER -> builderExpr(depth - 1);
            case COLOR -> chance(0.5) ? ternary(t, depth - 1)
                    : "Color.values()[Math.floorMod(" + expr(Ty.INT, depth - 1) + ", 3)]";
            default -> chance(0.2) ? ternary(t, depth - 1) : arrayNew(t, depth - 1);
        };
    }

    /** A variable, an awaited value, or a literal. */
    private String atom(Ty t, int depth) {
        int r = rnd.nextInt(100);
        if (r < 35) {
            Var v = pickVar(x -> x.ty() == t);
            if (v != null) {
                return t == Ty.STRING ? "cut(" + v.name() + ")" : v.name();
            }
        }
        if (r < 75 && awaitsAllowed()) {
            return awaited(t, depth);
        }
        return literal(t);
    }

    private boolean awaitsAllowed() {
        return config.awaitInNew() || newArgs == 0;
    }

    /**
     * {@code await(...)} of a value of type {@code t}: of a helper future (done, suspending or failing, chosen
     * here for this site), of a call of another async method, or of an async lambda.
     */
    private String awaited(Ty t, int depth) {
        String awaitable = null;
        int r = rnd.nextInt(100);
        if (r < 15) {
            awaitable = asyncCall(t, depth);
        } else if (r < 22) {
            awaitable = lambdaCall(t, depth);
        }
        if (awaitable == null) {
            awaitable = site(t, depth);
        }
        // the cast makes the call a standalone expression: javac's overload resolution of a poly expression nested
        // in poly arguments is exponential in the nesting; the bytecode is the same (javac casts T's erasure anyway)
        return "(" + t.java + ") await(" + awaitable + ")";
    }

    /** A helper future: failing ones more often inside a try, where something may catch them. */
    private String site(Ty t, int depth) {
        // rare outside a try body: one uncaught failure ends the whole program, and most of its trace with it
        if (chance(ctx.tryBodyDepth > 0 ? 0.1 : 0.003)) {
            return pick("failNow(", "failLater(") + literal(t) + ", " + exception("f") + ")";
        }
        String value = depth > 0 && chance(0.3) ? expr(t, depth - 1) : literal(t);
        return pick("now(", "cfNow(", "later(", "later(", "cfLater(") + value + ")";
    }

    private List<Method> callable() {
        List<Method> list = new ArrayList<>();
        for (Method m : methods) {
            if (m.index > ctx.method.index || (m == ctx.method && m.recursive)) {
                list.add(m);
            }
        }
        return list;
    }

    /** A call of an async method returning {@code t}, or null when none may be called from here. */
    private String asyncCall(Ty t, int depth) {
        if (!awaitsAllowed()) {
            return null;
        }
        List<Method> fits = new ArrayList<>();
        for (Method m : callable()) {
            if (m.result == t) {
                fits.add(m);
            }
        }
        return fits.isEmpty() ? null : callOf(pick(fits), depth);
    }

    private String callOf(Method m, int depth) {
        StringBuilder args = new StringBuilder();
        int before = wideBelow;
        for (int i = 0; i < m.params.size(); i++) {
            Var p = m.params.get(i);
            String arg;
            if (i == 0 && m.recursive) {
                arg = m == ctx.method ? m.params.get(0).name() + " - 1" : String.valueOf(between(0, 3));
            } else {
                arg = expr(p.ty(), Math.max(0, depth - 1));
            }
            args.append(i == 0 ? "" : ", ").append(arg);
            if (p.ty() == Ty.LONG || p.ty() == Ty.DOUBLE) {
                wideBelow++;                            // the arguments so far stay on the stack
            }
        }
        wideBelow = before;
        return receiver(m) + m.name + "(" + args + ")";
    }

    /** How code here names a method of {@code m}'s host: qualified, through an instance, or unqualified. */
    private String receiver(Method m) {
        Method here = ctx.method;
        boolean sameHost = here.host == m.host;
        boolean instanceHere = sameHost && !here.isStatic;
        return switch (m.host) {
            case MAIN -> {
                if (m.isStatic) {
                    yield pick("", simpleName + ".");      // unqualified works from every nested type too
                }
                if (instanceHere) {
                    yield pick("this.", "", "self.");
                }
                yield here.host == Host.INNER && !here.isStatic ? pick("", simpleName + ".this.", "self.") : "self.";
            }
            case NESTED -> m.isStatic ? (sameHost ? pick("", "N.") : "N.") : instanceHere ? pick("this.", "", "nObj.") : "nObj.";
            case INNER -> m.isStatic ? (sameHost ? pick("", "I.") : "I.") : instanceHere ? pick("this.", "") : "self.inner.";
            case IFACE -> m.isStatic ? (sameHost ? pick("", "F.") : "F.") : instanceHere ? pick("this.", "") : "fObj.";
        };
    }

    /** An instance field of the program's class: through this, the outer instance of an inner class, or self. */
    private String field(String name) {
        Method here = ctx.method;
        if (here.host == Host.MAIN && !here.isStatic) {
            return pick("", "this.", "self.") + name;
        }
        if (here.host == Host.INNER && !here.isStatic) {
            return pick("", simpleName + ".this.", "self.") + name;
        }
        return "self." + name;
    }

    private String lambdaCall(Ty t, int depth) {
        if (!awaitsAllowed()) {
            return null;
        }
        Var l = pickVar(x -> x.fn() != null && x.fn().result == t);
        return l == null ? null : lambdaCallOf(l, depth);
    }

    private String lambdaCallOf(Var l, int depth) {
        return switch (l.fn()) {
            case SUPPLIER -> l.name() + ".get()";
            case FUNCTION -> l.name() + ".apply(" + expr(Ty.INT, Math.max(0, depth - 1)) + ")";
            case ASYNC_FN -> {
                String a = expr(Ty.LONG, Math.max(0, depth - 1));
                yield l.name() + ".apply(" + a + ", " + above(Ty.LONG, () -> expr(Ty.STRING, Math.max(0, depth - 1))) + ")";
            }
        };
    }

    /** A conditional; one of reference type is cast, so it is never a poly expression (see {@link #awaited}). */
    private String ternary(Ty t, int depth) {
        String conditional = "(" + expr(Ty.BOOLEAN, depth) + " ? " + expr(t, depth) + " : " + expr(t, depth) + ")";
        return t.primitive() ? conditional : "((" + t.java + ") " + conditional + ")";
    }

    private String bin(Ty t, String op, int depth) {
        String left = expr(t, depth);
        return "(" + left + " " + op + " " + above(t, () -> expr(t, depth)) + ")";
    }

    /** Generates with a value of type {@code below} pushed on the operand stack (see {@link #wideBelow}). */
    private String above(Ty below, Supplier<String> generate) {
        boolean wide = below == Ty.LONG || below == Ty.DOUBLE;
        if (wide) {
            wideBelow++;
        }
        try {
            return generate.get();
        } finally {
            if (wide) {
                wideBelow--;
            }
        }
    }

    private String intExpr(int d) {
        return switch (rnd.nextInt(24)) {
            case 0, 1 -> bin(Ty.INT, "+", d);
            case 2 -> bin(Ty.INT, "-", d);
            case 3 -> bin(Ty.INT, "*", d);
            case 4 -> bin(Ty.INT, pick("^", "&", "|"), d);
            case 5 -> "(" + expr(Ty.INT, d) + " " + pick("/", "%") + " (" + expr(Ty.INT, d) + " | 1))";
            case 6 -> bin(Ty.INT, pick("<<", ">>", ">>>"), d);
            case 7 -> ternary(Ty.INT, d);
            case 8 -> "Math.max(" + expr(Ty.INT, d) + ", " + expr(Ty.INT, d) + ")";
            case 9 -> "mix(" + expr(Ty.INT, d) + ", " + expr(Ty.INT, d) + ", " + expr(Ty.INT, d) + ")";
            case 10 -> "(int) (" + expr(Ty.LONG, d) + ")";
            case 11 -> "(int) (" + expr(pick(Ty.DOUBLE, Ty.FLOAT), d) + ")";
            case 12 -> "len(" + expr(Ty.STRING, d) + ")";
            case 13 -> "(" + expr(Ty.CHAR, d) + " + " + expr(Ty.BYTE, d) + ")";
            case 14 -> "(" + expr(Ty.SHORT, d) + " * " + expr(pick(Ty.BYTE, Ty.CHAR), d) + ")";
            case 15 -> arrayRead(Ty.INT_ARRAY, d);
            case 16 -> "n(" + expr(Ty.BOX, d) + ")";
            case 17 -> switchAllowed() ? switchExpr(Ty.INT, d) : ternary(Ty.INT, d);
            case 18 -> {
                if (!patternsAllowed()) {
                    yield ternary(Ty.INT, d);
                }
                String p = "q" + (++counter);
                yield "(" + expr(Ty.OBJECT, d) + " instanceof Integer " + p + " ? " + p + " + 1 : " + expr(Ty.INT, d) + ")";
            }
            case 19 -> pick("sI", field("fI"), "sArr[" + expr(Ty.INT, d) + " & 3]");
            case 20 -> "(" + expr(Ty.BOOLEAN, d) + " ? 1 : 0)";
            case 21 -> "(" + expr(pick(Ty.INT_ARRAY, Ty.LONG_ARRAY, Ty.DOUBLE_ARRAY, Ty.STRING_ARRAY), d) + ").length";
            case 22 -> "(" + expr(Ty.COLOR, d) + ").ordinal()";
            default -> "(-(" + expr(Ty.INT, d) + "))";
        };
    }

    private String longExpr(int d) {
        return switch (rnd.nextInt(14)) {
            case 0, 1 -> bin(Ty.LONG, "+", d);
            case 2 -> bin(Ty.LONG, pick("-", "*"), d);
            case 3 -> bin(Ty.LONG, pick("^", "&", "|"), d);
            case 4 -> "(" + expr(Ty.LONG, d) + " + " + above(Ty.LONG, () -> expr(Ty.INT, d)) + ")";
            case 5 -> "(" + expr(Ty.LONG, d) + " " + pick("/", "%") + " (" + above(Ty.LONG, () -> expr(Ty.LONG, d)) + " | 1L))";
            case 6 -> "mixL(" + expr(Ty.LONG, d) + ", " + above(Ty.LONG, () -> expr(Ty.INT, d)) + ")";
            case 7 -> ternary(Ty.LONG, d);
            case 8 -> arrayRead(Ty.LONG_ARRAY, d);
            case 9 -> "(" + expr(Ty.CELL, d) + ").v";
            case 10 -> pick("sL", field("fL"));
            case 11 -> switchAllowed() ? switchExpr(Ty.LONG, d) : ternary(Ty.LONG, d);
            case 12 -> "(long) (" + expr(Ty.DOUBLE, d) + ")";
            default -> "(" + expr(Ty.INT, d) + " * 1000000007L)";
        };
    }

    private String doubleExpr(int d) {
        return switch (rnd.nextInt(11)) {
            case 0, 1 -> bin(Ty.DOUBLE, "+", d);
            case 2 -> bin(Ty.DOUBLE, pick("-", "*", "/"), d);
            case 3 -> "(" + expr(Ty.DOUBLE, d) + " + " + above(Ty.DOUBLE, () -> expr(pick(Ty.INT, Ty.LONG, Ty.FLOAT), d)) + ")";
            case 4 -> "Math.abs(" + expr(Ty.DOUBLE, d) + ")";
            case 5 -> "(double) (" + expr(Ty.FLOAT, d) + ")";
            case 6 -> ternary(Ty.DOUBLE, d);
            case 7 -> arrayRead(Ty.DOUBLE_ARRAY, d);
            case 8 -> pick("sD", field("fD"));
            case 9 -> switchAllowed() ? switchExpr(Ty.DOUBLE, d) : ternary(Ty.DOUBLE, d);
            default -> "(" + expr(Ty.DOUBLE, d) + " * 0.5)";
        };
    }

    private String floatExpr(int d) {
        return switch (rnd.nextInt(5)) {
            case 0 -> bin(Ty.FLOAT, pick("+", "-", "*"), d);
            case 1 -> "(" + expr(Ty.FLOAT, d) + " * 2f)";
            case 2 -> "(float) (" + expr(pick(Ty.INT, Ty.DOUBLE, Ty.LONG), d) + ")";
            case 3 -> ternary(Ty.FLOAT, d);
            default -> "(" + expr(Ty.FLOAT, d) + " - " + expr(Ty.LONG, d) + ")";
        };
    }

    private String booleanExpr(int d) {
        return switch (rnd.nextInt(14)) {
            case 0, 1 -> bin(Ty.BOOLEAN, "&&", d);
            case 2 -> bin(Ty.BOOLEAN, "||", d);
            case 3 -> "(!(" + expr(Ty.BOOLEAN, d) + "))";
            case 4, 5 -> {
                Ty t = randomNumeric();
                String left = expr(t, d);
                yield "(" + left + " " + pick("<", "<=", ">", ">=", "==", "!=") + " " + above(t, () -> expr(t, d)) + ")";
            }
            case 6 -> "Objects.equals(" + expr(pick(Ty.STRING, Ty.OBJECT, Ty.BOX), d) + ", "
                    + expr(pick(Ty.STRING, Ty.OBJECT, Ty.BOX), d) + ")";
            case 7 -> {
                if (!patternsAllowed()) {
                    yield ternary(Ty.BOOLEAN, d);
                }
                String p = "q" + (++counter);
                yield "(" + expr(Ty.OBJECT, d) + " instanceof String " + p + " && len(" + p + ") > 1)";
            }
            case 8 -> ternary(Ty.BOOLEAN, d);
            case 9 -> "(" + expr(Ty.COLOR, d) + " == Color." + pick("RED", "GREEN", "BLUE") + ")";
            case 10 -> bin(Ty.BOOLEAN, pick("^", "&", "|"), d);
            // no boolean switch expression: javac 17 crashes (NPE in Gen.doHandleSwitchExpression) on some of them
            // used as conditions
            case 11 -> ternary(Ty.BOOLEAN, d);
            case 12 -> "(len(" + expr(Ty.STRING, d) + ") > " + between(0, 3) + ")";
            default -> "(" + expr(Ty.CHAR, d) + " == '" + pick("a", "b", "x") + "')";
        };
    }

    private String charExpr(int d) {
        return switch (rnd.nextInt(4)) {
            case 0 -> "(char) ('a' + (" + expr(Ty.INT, d) + " & 15))";
            case 1 -> ternary(Ty.CHAR, d);
            case 2 -> "at(" + expr(Ty.STRING, d) + ", " + expr(Ty.INT, d) + ")";
            default -> "(char) (" + expr(Ty.CHAR, d) + " + 1)";
        };
    }

    private String stringExpr(int d) {
        return switch (rnd.nextInt(14)) {
            // javac pushes every operand of a chain of concatenations before it joins them: any may be wide
            case 0, 1, 2 -> "(" + expr(Ty.STRING, d) + " + " + above(Ty.LONG, () -> showExpr(randomType(), d)) + ")";
            case 3 -> "(\"\" + " + showExpr(randomType(), d) + " + " + above(Ty.LONG, () -> showExpr(randomType(), d)) + ")";
            case 4 -> "String.valueOf(" + expr(randomScalar(), d) + ")";
            case 5 -> "s(" + expr(Ty.BOX, d) + ")";
            case 6 -> "show(" + expr(pick(Ty.INT_ARRAY, Ty.LONG_ARRAY, Ty.DOUBLE_ARRAY, Ty.STRING_ARRAY), d) + ")";
            case 7 -> "cut((" + expr(Ty.BUILDER, d) + ").toString())";
            case 8 -> "(" + expr(Ty.COLOR, d) + ").name()";
            case 9 -> ternary(Ty.STRING, d);
            case 10 -> switchAllowed() ? switchExpr(Ty.STRING, d) : ternary(Ty.STRING, d);
            case 11 -> {
                String read = arrayRead(Ty.STRING_ARRAY, d);
                yield read.startsWith("(") ? read : "cut(" + read + ")";
            }
            case 12 -> "cut(" + pick("sS", field("fS")) + ")";
            default -> "String.join(\"-\", " + expr(Ty.STRING, d) + ", " + expr(Ty.STRING, d) + ")";
        };
    }

    private String objectExpr(int d) {
        return switch (rnd.nextInt(4)) {
            case 0, 1 -> "(Object) (" + expr(pick(Ty.STRING, Ty.INT, Ty.BOX, Ty.CELL, Ty.COLOR, Ty.LONG, Ty.BOOLEAN), d) + ")";
            case 2 -> ternary(Ty.OBJECT, d);
            default -> {
                if (!patternsAllowed()) {
                    yield ternary(Ty.OBJECT, d);
                }
                String p = "q" + (++counter);
                yield "(" + expr(Ty.OBJECT, d) + " instanceof Box " + p + " ? (Object) s(" + p + ") : " + expr(Ty.OBJECT, d) + ")";
            }
        };
    }

    private String boxExpr(int d) {
        return switch (rnd.nextInt(5)) {
            case 0, 1 -> newBox(d);
            case 2 -> "(" + expr(Ty.BOOLEAN, d) + " ? " + newBox(d) + " : (Box) null)";
            case 3 -> field("fB");
            default -> {
                if (!patternsAllowed()) {
                    yield ternary(Ty.BOX, d);
                }
                String p = "q" + (++counter);
                yield "(" + expr(Ty.OBJECT, d) + " instanceof Box " + p + " ? " + p + " : " + expr(Ty.BOX, d) + ")";
            }
        };
    }

    private String builderExpr(int d) {
        return switch (rnd.nextInt(4)) {
            case 0 -> {
                newArgs++;
                String arg = chance(0.5) || !awaitsAllowed() ? literal(Ty.STRING) : "await(later(" + literal(Ty.STRING) + "))";
                newArgs--;
                yield "new StringBuilder(" + arg + ")";
            }
            case 1 -> {
                newArgs++;
                String arg = "show(" + expr(Ty.STRING, d) + ")";
                newArgs--;
                yield "new StringBuilder(" + arg + ")";
            }
            case 2 -> "new StringBuilder().append(" + expr(randomScalar(), d) + ").append(" + expr(randomScalar(), d) + ")";
            default -> ternary(Ty.BUILDER, d);
        };
    }

    /** A new array of one to four elements: listed, or of a size that is awaited or computed. */
    private String arrayNew(Ty t, int d) {
        String e = t.element().java;
        return switch (rnd.nextInt(3)) {
            case 0 -> {
                StringBuilder elements = new StringBuilder();
                int n = between(1, 3);
                for (int i = 0; i < n; i++) {
                    elements.append(i == 0 ? "" : ", ").append(expr(t.element(), d));
                }
                yield "new " + e + "[] {" + elements + "}";
            }
            case 1 -> "new " + e + "[" + (awaitsAllowed() ? "(int) await(" + pick("later(", "now(", "cfLater(")
                    + between(1, 4) + "))" : String.valueOf(between(1, 4))) + "]";
            default -> "new " + e + "[1 + (" + expr(Ty.INT, d) + " & 3)]";
        };
    }

    /** An element of an array variable (every array has at least one element), or of the static sArr. */
    private String arrayRead(Ty array, int d) {
        Var a = pickVar(x -> x.ty() == array);
        if (a == null) {
            return array == Ty.INT_ARRAY ? "sArr[" + expr(Ty.INT, d) + " & 3]"
                    : "(" + literal(array) + ")[0]";
        }
        return a.name() + "[" + index(a.name()) + "]";
    }

    private String index(String array) {
        return switch (rnd.nextInt(3)) {
            case 0 -> awaitsAllowed() ? "(int) await(" + pick("later(", "now(") + "0))" : "0";
            case 1 -> "0";
            default -> "Math.floorMod(" + expr(Ty.INT, 1) + ", " + array + ".length)";
        };
    }

    /** A string of a value of any type: arrays through show(), so nothing prints an identity hash. */
    private String showExpr(Ty t, int d) {
        return t.array() ? "show(" + expr(t, d) + ")" : expr(t, d);
    }

    private boolean switchAllowed() {
        return awaitsAllowed() && ctx.budget > 0;
    }

    /**
     * No instanceof pattern inside a switch expression: javac 17 fails an assertion (Flow$AssignAnalyzer.newVar)
     * on some of them.
     */
    private boolean patternsAllowed() {
        return !config.avoidJavacBugs() && !barrier();
    }

    /**
     * Whether a try may be generated here: not inside a switch expression on a non-empty stack, however deep (javac
     * looks for a try anywhere inside; see switchExpr).
     */
    private boolean tryAllowed() {
        return switchesWithoutTry == 0;
    }

    private boolean barrier() {
        for (Jump j : ctx.jumps) {
            if (j.kind() == JumpKind.BARRIER) {
                return true;
            }
        }
        return false;
    }

    private String literal(Ty t) {
        return switch (t) {
            case INT -> chance(0.08) ? pick("Integer.MAX_VALUE", "Integer.MIN_VALUE", "-1000000") : String.valueOf(between(-3, 20));
            case LONG -> chance(0.1) ? pick("Long.MAX_VALUE", "40000000000L", "-9000000000L") : between(-3, 20) + "L";
            case DOUBLE -> pick("2.5", "-0.75", "1e9", "0.1", "3.0", "-2.0E-3");
            case FLOAT -> pick("1.5f", "-2.25f", "0.1f", "7f");
            case BOOLEAN -> chance(0.5) ? "true" : "false";
            case CHAR -> "'" + (char) ('a' + rnd.nextInt(26)) + "'";
            case BYTE -> "(byte) " + between(-128, 127);
            case SHORT -> "(short) " + between(-300, 3000);
            case STRING -> "\"" + pick("a", "b", "c", "xy", "", "s" + (++counter)) + "\"";
            case OBJECT -> pick("(Object) \"o\"", "(Object) " + between(0, 9), "(Object) null", "(Object) new Box(1, \"ob\")");
            case BOX -> chance(0.2) ? "(Box) null" : "new Box(" + between(0, 9) + ", \"b" + (++counter) + "\")";
            case CELL -> "new Cell(" + between(0, 9) + "L, \"c\")";
            case BUILDER -> "new StringBuilder(\"x\")";
            case COLOR -> "Color." + pick("RED", "GREEN", "BLUE");
            case INT_ARRAY -> "new int[] {" + between(0, 9) + ", " + between(0, 9) + "}";
            case LONG_ARRAY -> "new long[] {" + between(0, 9) + "L}";
            case DOUBLE_ARRAY -> "new double[] {0.5, " + between(0, 9) + ".0}";
            case STRING_ARRAY -> "new String[] {\"a\", \"" + pick("b", "c", "z") + "\"}";
        };
    }

    private String exception(String prefix) {
        return "new " + pick("Boom", "Oops", "Other") + "(\"" + prefix + (++counter) + "\")";
    }

    // ============================================================================================ scopes

    private void pushScope() {
        ctx.scopes.push(new ArrayList<>());
    }

    private void popScope() {
        ctx.scopes.pop();
    }

    private void add(Var v) {
        ctx.scopes.peek().add(v);
    }

    private List<Var> visibleValues() {
        List<Var> all = new ArrayList<>();
        for (List<Var> scope : ctx.scopes) {
            for (Var v : scope) {
                if (v.ty() != null) {
                    all.add(v);
                }
            }
        }
        return all;
    }

    private Var pickVar(Predicate<Var> which) {
        List<Var> fits = new ArrayList<>();
        for (List<Var> scope : ctx.scopes) {
            for (Var v : scope) {
                if (which.test(v)) {
                    fits.add(v);
                }
            }
        }
        return fits.isEmpty() ? null : fits.get(rnd.nextInt(fits.size()));
    }

    /** {@code  + " x=" + x + " a=" + show(a)} for up to {@code max} of {@code vars}, in order. */
    private String showVars(List<Var> vars, int max) {
        List<Var> chosen = new ArrayList<>(vars);
        while (chosen.size() > max) {
            chosen.remove(rnd.nextInt(chosen.size()));
        }
        StringBuilder s = new StringBuilder();
        for (Var v : chosen) {
            s.append(" + \" ").append(v.name()).append("=\" + ")
                    .append(v.ty().array() ? "show(" + v.name() + ")" : v.name());
        }
        return s.toString();
    }

    private String fresh(Ty t) {
        String prefix = switch (t) {
            case INT -> "i";
            case LONG -> "j";
            case DOUBLE -> "dd";
            case FLOAT -> "f";
            case BOOLEAN -> "z";
            case CHAR -> "ch";
            case BYTE -> "by";
            case SHORT -> "sh";
            case STRING -> "s";
            case OBJECT -> "o";
            case BOX -> "bx";
            case CELL -> "ce";
            case BUILDER -> "sb";
            case COLOR -> "co";
            default -> "a";
        };
        return prefix + (++counter);
    }

    private String tag(String what) {
        return what + (++counter);
    }

    // ============================================================================================ output

    private void line(String s) {
        out.append("    ".repeat(indent)).append(s).append('\n');
    }

    private void open(String header) {
        line(header + " {");
        indent++;
    }

    private void close() {
        close("");
    }

    private void close(String suffix) {
        indent--;
        line("}" + suffix);
    }

    /** {@code } else {}, {@code } catch (...) {}, {@code } finally {}. */
    private void closeOpen(String header) {
        indent--;
        line("} " + header + " {");
        indent++;
    }

    // ============================================================================================ randomness

    private boolean chance(double p) {
        return rnd.nextDouble() < p;
    }

    private int between(int lo, int hi) {
        return lo + rnd.nextInt(hi - lo + 1);
    }

    @SafeVarargs
    private <T> T pick(T... choices) {
        return choices[rnd.nextInt(choices.length)];
    }

    private <T> T pick(List<T> choices) {
        return choices.get(rnd.nextInt(choices.size()));
    }

    private Ty randomType() {
        return pick(Ty.values());
    }

    private Ty randomScalar() {
        Ty t;
        do {
            t = randomType();
        } while (t.array());
        return t;
    }

    private Ty randomNumeric() {
        return pick(Ty.INT, Ty.LONG, Ty.DOUBLE, Ty.FLOAT, Ty.CHAR, Ty.BYTE, Ty.SHORT);
    }
}
