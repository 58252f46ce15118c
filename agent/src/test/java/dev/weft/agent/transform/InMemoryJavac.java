package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.Async;
import dev.weft.runtime.Task;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * javac in memory: Java source strings in, class files out (internal name to bytes), nothing on disk.
 *
 * <p>The class path is where the runtime and the annotation classes were loaded from (a directory or a jar),
 * found through their code sources: surefire's {@code java.class.path} is a manifest-only jar. Results are
 * memoized by options and sources, since several tests compile the same source; callers get the same
 * {@link Compilation} and must not change its arrays (the harness transforms copies).
 */
final class InMemoryJavac {

    /** javac options a test may choose. */
    record Options(int release, boolean debugInfo, boolean parameters) {
        /** {@code --release 17 -g -parameters}: what the project's own build uses. */
        static final Options DEFAULT = new Options(17, true, true);

        static Options release(int release) {
            return new Options(release, true, true);
        }

        Options withoutDebugInfo() {
            return new Options(release, false, parameters);
        }
    }

    /** The newest release the running JDK compiles for (and runs). */
    static final int MAX_RELEASE = Runtime.version().feature();

    private static final JavaCompiler COMPILER = ToolProvider.getSystemJavaCompiler();
    private static final List<File> CLASS_PATH = List.of(codeSource(Task.class), codeSource(Async.class),
            codeSource(org.junit.jupiter.api.Test.class)); // JUnit: for test methods written as @Async code
    private static final Pattern PACKAGE = Pattern.compile("(?m)^\\s*package\\s+([\\w.]+)\\s*;");
    private static final Pattern TOP_LEVEL_TYPE = Pattern.compile(
            "(?m)^(?:(?:public|final|abstract|sealed|non-sealed|strictfp)\\s+)*(?:class|interface|enum|record|@interface)\\s+(\\w+)");
    private static final Map<String, Compilation> CACHE = new ConcurrentHashMap<>();

    /** Reused: it caches the platform classes, which is most of javac's start-up. Guarded by the class lock. */
    private static StandardJavaFileManager standardFileManager;

    private InMemoryJavac() {
    }

    static Compilation compile(Options options, List<String> sources) {
        String key = options + "\u0000" + String.join("\u0000", sources);
        Compilation cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        Compilation fresh = compileNow(options, sources);
        CACHE.put(key, fresh);
        return fresh;
    }

    private static synchronized Compilation compileNow(Options options, List<String> sources) {
        if (COMPILER == null) {
            fail("no system Java compiler: the tests need a JDK, not a JRE");
        }
        try {
            return compileWith(options, sources, releaseArgs(options.release()));
        } catch (IllegalArgumentException releaseRejected) {
            // a javac that does not know --release N may still take -source N -target N
            return compileWith(options, sources, List.of("-source", String.valueOf(options.release()),
                    "-target", String.valueOf(options.release())));
        }
    }

    private static List<String> releaseArgs(int release) {
        return List.of("--release", String.valueOf(release));
    }

    private static Compilation compileWith(Options options, List<String> sources, List<String> targetArgs) {
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StandardJavaFileManager standard = standardFileManager();
        Map<String, byte[]> classes = new TreeMap<>();
        JavaFileManager memory = new ForwardingJavaFileManager<>(standard) {
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
                // the standard file manager is shared between compilations
            }
        };
        List<String> args = new ArrayList<>(targetArgs);
        args.add(options.debugInfo() ? "-g" : "-g:none");
        if (options.parameters()) {
            args.add("-parameters");
        }
        args.addAll(List.of("-proc:none", "-Xlint:-options", "-encoding", "UTF-8"));
        List<JavaFileObject> units = new ArrayList<>();
        for (String source : sources) {
            units.add(new SourceString(pathOf(source), source));
        }
        Boolean ok = COMPILER.getTask(null, memory, diagnostics, args, null, units).call();
        List<Diagnostic<? extends JavaFileObject>> errors = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() == Diagnostic.Kind.ERROR) {
                errors.add(d);
            }
        }
        if (!ok || !errors.isEmpty()) {
            StringBuilder message = new StringBuilder("javac " + args + " failed:\n");
            for (Diagnostic<? extends JavaFileObject> d : errors) {
                message.append(d.getSource() == null ? "" : d.getSource().getName()).append(':')
                        .append(d.getLineNumber()).append(": ").append(d.getMessage(Locale.ROOT)).append('\n');
            }
            for (String source : sources) {
                message.append("\n").append(numbered(source));
            }
            fail(message.toString());
        }
        return new Compilation(options, Collections.unmodifiableMap(classes), List.copyOf(sources));
    }

    private static StandardJavaFileManager standardFileManager() {
        if (standardFileManager == null) {
            StandardJavaFileManager fm = COMPILER.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8);
            try {
                fm.setLocation(StandardLocation.CLASS_PATH, CLASS_PATH);
            } catch (IOException e) {
                throw new IllegalStateException("cannot set javac's class path to " + CLASS_PATH, e);
            }
            standardFileManager = fm;
        }
        return standardFileManager;
    }

    /** {@code demo/Foo.java} for a source declaring {@code package demo;} and top-level type {@code Foo}. */
    static String pathOf(String source) {
        Matcher type = TOP_LEVEL_TYPE.matcher(source);
        if (!type.find()) {
            throw new IllegalArgumentException("no top-level type (at the start of a line) in:\n" + source);
        }
        Matcher pkg = PACKAGE.matcher(source);
        String dir = pkg.find() ? pkg.group(1).replace('.', '/') + "/" : "";
        return dir + type.group(1) + ".java";
    }

    static String numbered(String source) {
        StringBuilder out = new StringBuilder();
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            out.append(String.format(Locale.ROOT, "%4d  %s%n", i + 1, lines[i]));
        }
        return out.toString();
    }

    /** The directory or jar a class was loaded from. */
    static File codeSource(Class<?> c) {
        URL location = c.getProtectionDomain().getCodeSource().getLocation();
        try {
            return new File(location.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot turn " + location + " into a file", e);
        }
    }

    private static final class SourceString extends SimpleJavaFileObject {
        private final String text;

        SourceString(String path, String text) {
            super(URI.create("string:///" + path), Kind.SOURCE);
            this.text = text;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }
}
