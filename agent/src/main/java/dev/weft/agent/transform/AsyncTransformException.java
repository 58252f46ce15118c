package dev.weft.agent.transform;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A method the transformer refuses (contract item 7), or a class file it cannot read. The message names the
 * class, the method, the source file and line, and says what to do; the fields give them one by one, for
 * tools that format errors their own way (the Maven plugin prints {@code path/Foo.java:[line]}).
 *
 * <p>The transformer looks at every method of a class before it gives up, so one exception may stand for
 * several refusals: {@link #all()} lists them in the order of the class file, and the message
 * has one line per refusal.
 */
public final class AsyncTransformException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<AsyncTransformException> all;

    private final String className;
    private final String methodName;
    private final String sourceFile;
    private final int line;
    private final String reason;

    public AsyncTransformException(String className, String methodName, String sourceFile, int line, String reason) {
        super(format(className, methodName, sourceFile, line, reason));
        this.all = List.of(this);
        this.className = className;
        this.methodName = methodName;
        this.sourceFile = sourceFile;
        this.line = line;
        this.reason = reason;
    }

    private AsyncTransformException(List<AsyncTransformException> refusals) {
        super(refusals.stream().map(Throwable::getMessage).collect(Collectors.joining("\n")));
        AsyncTransformException first = refusals.get(0);
        this.all = List.copyOf(refusals);
        this.className = first.className;
        this.methodName = first.methodName;
        this.sourceFile = first.sourceFile;
        this.line = first.line;
        this.reason = first.reason;
        initCause(first.getCause());
    }

    /**
     * One exception for the refusals of one class: {@code refusals.get(0)} itself when there is one, else an
     * exception located at the first whose {@link #all()} lists each.
     */
    public static AsyncTransformException of(List<AsyncTransformException> refusals) {
        if (refusals.isEmpty()) {
            throw new IllegalArgumentException("no refusals");
        }
        List<AsyncTransformException> flat = new ArrayList<>();
        for (AsyncTransformException r : refusals) {
            flat.addAll(r.all());
        }
        return flat.size() == 1 ? flat.get(0) : new AsyncTransformException(flat);
    }

    /** Every refusal this exception stands for, each with its own location, in the order of the class file. */
    public List<AsyncTransformException> all() {
        return all;
    }

    private static String format(String className, String methodName, String sourceFile, int line, String reason) {
        String where = (sourceFile == null ? "<unknown source>" : sourceFile) + (line > 0 ? ":" + line : "");
        return where + ": " + className.replace('/', '.') + (methodName == null ? "" : "." + methodName) + ": " + reason;
    }

    /** The class, binary name with dots. */
    public String className() {
        return className.replace('/', '.');
    }

    /** The method's name, or {@code null} when the problem is the class's. */
    public String methodName() {
        return methodName;
    }

    /** The SourceFile attribute of the class (e.g. {@code Foo.java}), or {@code null}. */
    public String sourceFile() {
        return sourceFile;
    }

    /** The source line, or 0 when unknown. */
    public int line() {
        return line;
    }

    /** What is wrong and what to do, without the location. */
    public String reason() {
        return reason;
    }
}
