package dev.weft.agent.transform;

/**
 * A method the transformer refuses (contract item 7), or a class file it cannot read. The message names the
 * class, the method, the source file and line, and says what to do; the fields give them one by one, for
 * tools that format errors their own way (the Maven plugin prints {@code path/Foo.java:[line]}).
 */
public final class AsyncTransformException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String className;
    private final String methodName;
    private final String sourceFile;
    private final int line;
    private final String reason;

    public AsyncTransformException(String className, String methodName, String sourceFile, int line, String reason) {
        super(format(className, methodName, sourceFile, line, reason));
        this.className = className;
        this.methodName = methodName;
        this.sourceFile = sourceFile;
        this.line = line;
        this.reason = reason;
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
