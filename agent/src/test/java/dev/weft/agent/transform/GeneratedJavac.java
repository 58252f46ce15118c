package dev.weft.agent.transform;

import dev.weft.Async;
import dev.weft.runtime.Task;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;

/**
 * javac in memory for the generated programs: many sources in one invocation (javac's start-up and the
 * attribution of the platform classes are most of its cost), nothing cached ({@link InMemoryJavac} memoizes
 * every compilation, which thousands of programs would fill memory with), and the debug-info choice the fuzzer
 * needs: on JDK 25 and later {@code -g} (every attribute, the LocalVariableTable included), on older JDKs no
 * {@code -g} flag at all (javac's default: line numbers and source file only), so both the shapes with and
 * without local variable tables get rewritten. The release is the running JDK's own on 25 and later, else 17.
 */
final class GeneratedJavac {

    static final int FEATURE = Runtime.version().feature();
    static final boolean FULL_DEBUG_INFO = FEATURE >= 25;
    static final int RELEASE = FEATURE >= 25 ? FEATURE : 17;

    /** The options recorded in each {@link Compilation} (for the record only: {@link #ARGS} are what ran). */
    static final InMemoryJavac.Options OPTIONS = new InMemoryJavac.Options(RELEASE, FULL_DEBUG_INFO, false);

    static final List<String> ARGS = args();

    private static final JavaCompiler COMPILER = ToolProvider.getSystemJavaCompiler();
    private static StandardJavaFileManager standard;

    private GeneratedJavac() {
    }

    private static List<String> args() {
        List<String> args = new ArrayList<>(List.of("--release", String.valueOf(RELEASE)));
        if (FULL_DEBUG_INFO) {
            args.add("-g");
        }
        args.addAll(List.of("-proc:none", "-nowarn", "-Xlint:none", "-encoding", "UTF-8"));
        return List.copyOf(args);
    }

    /**
     * What javac made of the sources: every class file by internal name, or (when javac failed) no classes and its
     * error messages, each naming its file and line.
     */
    record Result(Map<String, byte[]> classes, String errors) {
        boolean ok() {
            return errors == null;
        }
    }

    static synchronized Result compile(List<String> sources) {
        if (COMPILER == null) {
            throw new IllegalStateException("no system Java compiler: the tests need a JDK, not a JRE");
        }
        Map<String, byte[]> classes = new TreeMap<>();
        JavaFileManager memory = new ForwardingJavaFileManager<>(standard()) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
                                                       FileObject sibling) {
                String internalName = className.replace('.', '/');
                return new SimpleJavaFileObject(URI.create("mem:///" + internalName + kind.extension), kind) {
                    @Override
                    public OutputStream openOutputStream() {
                        return new ByteArrayOutputStream() {
                            @Override
                            public void close() throws IOException {
                                super.close();
                                classes.put(internalName, toByteArray());
                            }
                        };
                    }
                };
            }

            @Override
            public void close() {
                // the standard file manager is kept for the next compilation
            }
        };
        List<JavaFileObject> units = new ArrayList<>();
        for (String source : sources) {
            String path = InMemoryJavac.pathOf(source);
            units.add(new SimpleJavaFileObject(URI.create("string:///" + path), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return source;
                }
            });
        }
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter crash = new StringWriter();   // where javac writes when it crashes itself
        boolean ok;
        try {
            ok = COMPILER.getTask(crash, memory, diagnostics, ARGS, null, units).call();
        } catch (RuntimeException e) {
            return new Result(Map.of(), "javac threw " + e + "\n" + crash);
        }
        StringBuilder errors = new StringBuilder();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() == Diagnostic.Kind.ERROR) {
                errors.append(d.getSource() == null ? "" : d.getSource().getName()).append(':')
                        .append(d.getLineNumber()).append(": ").append(d.getMessage(Locale.ROOT)).append('\n');
            }
        }
        if (!ok || errors.length() > 0) {
            return new Result(Map.of(), errors.length() > 0 ? errors.toString() : "javac failed: " + crash);
        }
        return new Result(classes, null);
    }

    private static StandardJavaFileManager standard() {
        if (standard == null) {
            StandardJavaFileManager fm = COMPILER.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8);
            List<File> classPath = List.of(InMemoryJavac.codeSource(Task.class), InMemoryJavac.codeSource(Async.class));
            try {
                fm.setLocation(StandardLocation.CLASS_PATH, classPath);
            } catch (IOException e) {
                throw new IllegalStateException("cannot set javac's class path to " + classPath, e);
            }
            standard = fm;
        }
        return standard;
    }
}
