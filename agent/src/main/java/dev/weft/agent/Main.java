package dev.weft.agent;

import dev.weft.agent.transform.AsyncTransformException;
import dev.weft.agent.transform.AsyncTransformer;
import dev.weft.agent.transform.ClassHierarchy;
import dev.weft.agent.transform.TransformResult;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.util.Textifier;
import org.objectweb.asm.util.TraceMethodVisitor;

/**
 * The command line of {@code async-agent.jar}: see the transformation of a class, or transform a directory.
 *
 * <pre>
 * java -jar async-agent.jar --print target/classes/com/acme/Foo.class   # rewritten methods, as bytecode
 * java -jar async-agent.jar --transform target/classes [--classpath dir:jar...]   # rewrite in place
 * </pre>
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        if (args.length >= 2 && "--print".equals(args[0])) {
            List<Path> files = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                files.add(Path.of(args[i]));
            }
            return print(files, out, err);
        }
        if ((args.length == 2 || args.length == 4 && "--classpath".equals(args[2])) && "--transform".equals(args[0])) {
            List<Path> classpath = new ArrayList<>();
            if (args.length == 4) {
                for (String entry : args[3].split(java.io.File.pathSeparator)) {
                    if (!entry.isEmpty()) {
                        classpath.add(Path.of(entry));
                    }
                }
            }
            return transformDirectory(Path.of(args[1]), classpath, out, err);
        }
        err.println("usage: java -jar async-agent.jar --print Foo.class [Bar.class ...]");
        err.println("       java -jar async-agent.jar --transform <classes directory> [--classpath <dirs and jars>]");
        err.println("       java -javaagent:async-agent.jar ... (load-time transformation)");
        return 2;
    }

    private static int print(List<Path> files, PrintStream out, PrintStream err) throws IOException {
        Map<String, byte[]> siblings = new HashMap<>();
        for (Path f : files) {
            byte[] b = Files.readAllBytes(f);
            siblings.put(new ClassReader(b).getClassName(), b);
        }
        ClassHierarchy hierarchy = siblingHierarchy(files.get(0).toAbsolutePath().getParent(), siblings, List.of());
        AsyncTransformer transformer = new AsyncTransformer(hierarchy);
        int status = 0;
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            TransformResult result;
            try {
                result = transformer.transform(bytes);
            } catch (AsyncTransformException e) {
                for (AsyncTransformException refusal : e.all()) {   // one line per refusal
                    err.println("error: " + refusal.getMessage());
                }
                status = 1;
                continue;
            }
            if (!result.changed()) {
                out.println("// " + result.className() + ": nothing to rewrite");
                continue;
            }
            out.println("// " + result.className() + ": rewrote " + result.rewrittenMethods());
            List<String> shown = new java.util.ArrayList<>(result.rewrittenMethods());
            shown.addAll(result.bodyMethods().values());
            printMethods(result.bytes(), shown, true, out);
            for (Map.Entry<String, byte[]> g : result.generatedClasses().entrySet()) {
                out.println("// generated frame class " + g.getKey());
                printMethods(g.getValue(), List.of(), false, out);
            }
        }
        return status;
    }

    /** Prints the rewritten entries and their bodies, or every method when not filtering. */
    private static void printMethods(byte[] bytes, List<String> rewritten, boolean filter, PrintStream out) {
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, 0);
        for (MethodNode m : node.methods) {
            boolean wanted = !filter || rewritten.contains(m.name + m.desc);
            if (!wanted) {
                continue;
            }
            Textifier text = new Textifier();
            m.accept(new TraceMethodVisitor(text));
            out.println(m.name + m.desc);
            PrintWriter pw = new PrintWriter(out);
            text.print(pw);
            pw.flush();
            out.println();
        }
    }

    private static int transformDirectory(Path dir, List<Path> classpath, PrintStream out, PrintStream err)
            throws IOException {
        ClassHierarchy hierarchy = siblingHierarchy(dir, Map.of(), classpath);
        AsyncTransformer transformer = new AsyncTransformer(hierarchy);
        int rewritten = 0;
        int failed = 0;
        List<Path> classes;
        try (Stream<Path> walk = Files.walk(dir)) {
            classes = walk.filter(p -> p.toString().endsWith(".class")).toList();
        }
        for (Path f : classes) {
            byte[] bytes = Files.readAllBytes(f);
            try {
                TransformResult r = transformer.transform(bytes);
                if (r.changed()) {
                    for (Map.Entry<String, byte[]> g : r.generatedClasses().entrySet()) {
                        Files.write(dir.resolve(g.getKey() + ".class"), g.getValue());
                    }
                    Files.write(f, r.bytes());
                    rewritten++;
                }
            } catch (AsyncTransformException e) {
                for (AsyncTransformException refusal : e.all()) {   // one line per refusal
                    err.println("error: " + refusal.getMessage());
                }
                failed++;
            }
        }
        out.println("weft: " + classes.size() + " classes scanned, " + rewritten + " rewritten, " + failed + " refused");
        return failed == 0 ? 0 : 1;
    }

    /**
     * Classes from a classes directory (walking up from a class file to its package root), then the class path's
     * directories and jars, then the JDK's and the agent's own.
     */
    private static ClassHierarchy siblingHierarchy(Path start, Map<String, byte[]> known, List<Path> classpath)
            throws IOException {
        List<java.util.zip.ZipFile> jars = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        for (Path entry : classpath) {
            if (Files.isDirectory(entry)) {
                dirs.add(entry);
            } else if (Files.isRegularFile(entry)) {
                jars.add(new java.util.zip.ZipFile(entry.toFile()));   // open for the life of the command
            } else {
                throw new IOException("--classpath entry not found: " + entry);
            }
        }
        ClassHierarchy.ClassFileSource jdk = ClassHierarchy.resourcesOf(Main.class.getClassLoader());
        return ClassHierarchy.of(name -> {
            byte[] b = known.get(name);
            if (b != null) {
                return b;
            }
            try {
                for (Path p = start; p != null; p = p.getParent()) {
                    Path candidate = p.resolve(name + ".class");
                    if (Files.isRegularFile(candidate)) {
                        return Files.readAllBytes(candidate);
                    }
                }
                for (Path d : dirs) {
                    Path candidate = d.resolve(name + ".class");
                    if (Files.isRegularFile(candidate)) {
                        return Files.readAllBytes(candidate);
                    }
                }
                for (java.util.zip.ZipFile jar : jars) {
                    java.util.zip.ZipEntry e = jar.getEntry(name + ".class");
                    if (e != null) {
                        try (java.io.InputStream in = jar.getInputStream(e)) {
                            return in.readAllBytes();
                        }
                    }
                }
            } catch (IOException e) {
                return null;
            }
            return jdk.find(name);
        });
    }
}
