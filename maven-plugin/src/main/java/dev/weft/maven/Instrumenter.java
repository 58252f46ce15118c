package dev.weft.maven;

import dev.weft.agent.transform.AsyncTransformException;
import dev.weft.agent.transform.AsyncTransformer;
import dev.weft.agent.transform.ClassHierarchy;
import dev.weft.agent.transform.TransformResult;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.maven.plugin.logging.Log;
import org.objectweb.asm.Type;

/**
 * One run of a goal over one classes directory: the source checks first, then the rewrite of the class files
 * in place. Nothing is written unless every class could be rewritten (or {@code failOnError} is off), so a
 * failed build leaves the directory as the compiler wrote it.
 *
 * <pre>{@code
 * Instrumenter.Summary s = new Instrumenter(settings, log).run();   // throws Failure when the build must stop
 * log.info(s.format());   // weft: 12 classes scanned, 2 rewritten (3 methods), 0 refused in 85 ms
 * }</pre>
 */
final class Instrumenter {

    /**
     * What one run works on.
     *
     * @param classesDirectory the directory rewritten in place
     * @param classPath        where super types are read from, besides the classes directory and the JDK
     * @param sourceRoots      the Java source roots checked before the rewrite
     * @param declarationRoots source roots read only for the {@code @Async} methods they declare (the main sources
     *                         of the tests), so that calls of them are known; not checked
     * @param sourceEncoding   how the sources are encoded
     * @param filter           the classes (and the sources, by the same name) to process
     * @param failOnError      false: report problems as warnings and leave the refused classes unchanged
     * @param warnDroppedTasks warn of each {@code @Async} call used as a statement (see DroppedTaskCheck)
     * @param debugLocals      every await also saves the variables in scope that are dead there, for debuggers
     * @param verbose          list each rewritten method
     * @param stateFile        where the incremental state is kept
     * @param stamp            what makes an old state file stale (the plugin's version)
     */
    record Settings(Path classesDirectory, List<Path> classPath, List<Path> sourceRoots, List<Path> declarationRoots,
                    Charset sourceEncoding, ClassFilter filter, boolean failOnError, boolean warnDroppedTasks,
                    boolean debugLocals, boolean verbose, Path stateFile, String stamp) {
    }

    /** The numbers of the summary line. */
    record Summary(int scanned, int rewrittenClasses, int rewrittenMethods, int refused, long millis) {
        String format() {
            return "weft: " + scanned + " classes scanned, " + rewrittenClasses + " rewritten (" + rewrittenMethods
                    + " methods), " + refused + " refused in " + millis + " ms";
        }
    }

    /** The build must stop; the problems were logged as errors already. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    /** Marks the coroutine frame classes the transformer adds beside a class (see AsyncTransformer). */
    private static final String FRAME_MARK = "$async$";

    private record Rewrite(Path file, String key, TransformResult result) {
    }

    private final Settings settings;
    private final Log log;

    Instrumenter(Settings settings, Log log) {
        this.settings = settings;
        this.log = log;
    }

    Summary run() throws Failure, IOException {
        long start = System.nanoTime();
        List<SourceProblem> sourceProblems = checkSources();

        // The bytecode pass runs even when the sources have problems, so that one build reports every refusal
        // (a lambda's, say, which only the bytecode shows) and not only the source's; nothing is written then.
        InstrumentState state = InstrumentState.load(settings.stateFile(), settings.stamp());
        Scan scan = transformAll(state);
        List<SourceProblem> refusals = withoutDuplicates(scan.refusals(), sourceProblems);
        Set<Path> refusedFiles = new HashSet<>();
        for (Refusal r : scan.refusals()) {
            refusedFiles.add(r.problem().file());
        }
        for (SourceProblem p : sourceProblems) {
            report(p, refusedFiles.contains(p.file()) ? "the class is left unchanged" : "the build goes on");
        }
        for (SourceProblem p : refusals) {
            report(p, "the class is left unchanged");
        }
        if (!sourceProblems.isEmpty() && settings.failOnError()) {
            throw new Failure(count(sourceProblems.size() + refusals.size(), "problem")
                    + " in @Async code, see the errors above");
        }
        boolean writing = scan.refusedClasses().isEmpty() || !settings.failOnError();
        int methods = 0;
        if (writing) {
            for (Rewrite r : scan.rewrites()) {
                write(r);
                state.record(r.key(), r.file(), r.result().bytes());
                methods += r.result().rewrittenMethods().size();
            }
        }
        state.retainOnly(scan.seen());
        state.save(settings.stateFile());

        long millis = (System.nanoTime() - start) / 1_000_000;
        Summary summary = new Summary(scan.seen().size(), writing ? scan.rewrites().size() : 0, methods,
                scan.refusedClasses().size(), millis);
        log.info(summary.format());
        if (!writing) {
            throw new Failure(count(scan.refusedClasses().size(), "class") + " could not be rewritten, see the "
                    + "errors above; nothing was written");
        }
        return summary;
    }

    /**
     * The bytecode refusals that say something the source problems have not: one in the same file at the same
     * line, or in the same method, is the same problem seen twice (a return type is refused at its line in the
     * source and at the method's first line in the bytecode).
     */
    private static List<SourceProblem> withoutDuplicates(List<Refusal> refusals, List<SourceProblem> sourceProblems) {
        Set<String> seen = new HashSet<>();
        for (SourceProblem p : sourceProblems) {
            seen.add(p.file() + ":" + p.line());
            String in = p.message().replaceFirst("(?s).*\\(in ([^ ()]+)\\)$", "$1");
            if (!in.equals(p.message())) {
                seen.add(p.file() + "#" + in);
            }
        }
        List<SourceProblem> result = new ArrayList<>();
        for (Refusal r : refusals) {
            if (!seen.contains(r.problem().file() + ":" + r.problem().line())
                    && !seen.contains(r.problem().file() + "#" + r.where())) {
                result.add(r.problem());
            }
        }
        return result;
    }

    /** What the transformer made of the classes directory, before anything is written. */
    private record Scan(Set<String> seen, List<Rewrite> rewrites, List<Refusal> refusals, Set<String> refusedClasses) {
    }

    /** One refusal of the transformer at its source line; {@code where} is {@code com.acme.Foo.get}. */
    private record Refusal(SourceProblem problem, String where) {
    }

    /**
     * Runs the transformer over every class the filter accepts and the state does not know as done; classes it
     * leaves unchanged are recorded in the state at once, rewrites are only collected.
     */
    private Scan transformAll(InstrumentState state) throws IOException {
        Path classes = settings.classesDirectory();
        Scan scan = new Scan(new HashSet<>(), new ArrayList<>(), new ArrayList<>(), new LinkedHashSet<>());
        try (ClassPathSource source = new ClassPathSource(classPath())) {
            AsyncTransformer transformer = new AsyncTransformer(ClassHierarchy.of(source))
                    .withDebugLocals(settings.debugLocals());
            for (Path file : classFiles(classes)) {
                String key = relativeName(classes, file);
                String internalName = key.substring(0, key.length() - ".class".length());
                if (!settings.filter().accepts(internalName)) {
                    continue;
                }
                scan.seen().add(key);
                if (state.isUnchanged(key, Files.readAttributes(file, BasicFileAttributes.class))) {
                    continue;
                }
                byte[] bytes = Files.readAllBytes(file);
                if (state.hasContent(key, bytes)) {
                    state.record(key, file, bytes); // touched, not changed
                    continue;
                }
                TransformResult result;
                try {
                    result = transformer.transform(bytes);
                } catch (AsyncTransformException e) {
                    for (AsyncTransformException refusal : e.all()) {   // each at its own file and line
                        scan.refusals().add(locate(refusal, internalName));
                    }
                    scan.refusedClasses().add(key);
                    state.forget(key);
                    continue;
                } catch (RuntimeException e) {
                    scan.refusals().add(new Refusal(new SourceProblem(file.toAbsolutePath(), 1, 1, "cannot read this "
                            + "class file (" + e + "); rebuild with mvn clean, or exclude it with <excludes>"), ""));
                    scan.refusedClasses().add(key);
                    state.forget(key);
                    continue;
                }
                if (result.changed()) {
                    scan.rewrites().add(new Rewrite(file, key, result));
                } else {
                    state.record(key, file, bytes);
                }
            }
        }
        return scan;
    }

    /**
     * The source checks of every Java file under the source roots that the filter accepts, with the other files
     * of the roots and the declaration roots read for their declarations only. Logs the warnings (dropped tasks,
     * files JavaParser cannot read) and returns the problems.
     */
    private List<SourceProblem> checkSources() throws IOException {
        List<SourceChecker.SourceFile> files = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        readSources(settings.sourceRoots(), true, files, seen);
        readSources(settings.declarationRoots(), false, files, seen);
        SourceChecker.Findings findings;
        try (ClassPathSource classFiles = new ClassPathSource(classPath())) {   // what calls name, if not a source
            findings = new SourceChecker().check(files, classFiles, settings.warnDroppedTasks());
        }
        findings.unparsable().forEach((file, why) -> log.warn("weft: skipped the source checks of " + file
                + ": JavaParser could not parse it (" + why + "); the bytecode checks still apply"));
        for (SourceProblem warning : findings.warnings()) {
            log.warn(warning.format());
        }
        return findings.problems();
    }

    /** The classes directory, then the class path (the JDK comes last, through ClassPathSource). */
    private List<Path> classPath() {
        Set<Path> classPath = new LinkedHashSet<>();
        classPath.add(settings.classesDirectory());
        classPath.addAll(settings.classPath());
        return new ArrayList<>(classPath);
    }

    /** The Java files under {@code roots}, in name order; checked when {@code check} and the filter accepts them. */
    private void readSources(List<Path> roots, boolean check, List<SourceChecker.SourceFile> files, Set<Path> seen)
            throws IOException {
        for (Path root : new LinkedHashSet<>(roots)) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            List<Path> sources;
            try (Stream<Path> walk = Files.walk(root)) {
                sources = walk.filter(p -> p.toString().endsWith(".java") && Files.isRegularFile(p)).sorted()
                        .collect(Collectors.toList());
            }
            for (Path file : sources) {
                Path absolute = file.toAbsolutePath();
                if (!seen.add(absolute)) {
                    continue;
                }
                String name = relativeName(root, file);
                String className = name.substring(0, name.length() - ".java".length());
                boolean checked = check && settings.filter().accepts(className);
                if (!checked && !settings.warnDroppedTasks()) {
                    continue; // only the dropped-task check reads what it does not check
                }
                String text = new String(Files.readAllBytes(file), settings.sourceEncoding());
                files.add(new SourceChecker.SourceFile(absolute, text, checked));
            }
        }
    }

    private void report(SourceProblem p, String whenNotFailing) {
        if (settings.failOnError()) {
            log.error(p.format());
        } else {
            log.warn(p.format() + " (failOnError is false: " + whenNotFailing + ")");
        }
    }

    /**
     * A refusal of the transformer at its source line: the file is found under the source roots by package
     * and SourceFile attribute; failing that, it is named relative to the source root.
     */
    private Refusal locate(AsyncTransformException e, String internalName) {
        int slash = internalName.lastIndexOf('/');
        String packagePath = slash < 0 ? "" : internalName.substring(0, slash + 1);
        String fileName = e.sourceFile() != null ? e.sourceFile()
                : internalName.substring(slash + 1).replaceFirst("\\$.*", "") + ".java";
        Path file = Path.of(packagePath + fileName);
        for (Path root : settings.sourceRoots()) {
            Path candidate = root.resolve(packagePath + fileName);
            if (Files.isRegularFile(candidate)) {
                file = candidate.toAbsolutePath();
                break;
            }
        }
        String where = e.className() + (e.methodName() == null ? "" : "." + e.methodName());
        return new Refusal(new SourceProblem(file, Math.max(e.line(), 1), 1, e.reason() + " (in " + where + ")"),
                where);
    }

    /** Writes the frames first, then the class, and deletes the frames an earlier rewrite left that are gone. */
    private void write(Rewrite r) throws IOException {
        Path classes = settings.classesDirectory();
        String className = r.result().className();
        for (Map.Entry<String, byte[]> frame : r.result().generatedClasses().entrySet()) {
            Path target = classes.resolve(frame.getKey() + ".class");
            Files.createDirectories(target.getParent());
            Files.write(target, frame.getValue());
        }
        String simpleName = className.substring(className.lastIndexOf('/') + 1);
        try (Stream<Path> siblings = Files.list(r.file().getParent())) {
            for (Path old : siblings.collect(Collectors.toList())) {
                String name = old.getFileName().toString();
                String internal = relativeName(classes, old).replaceFirst("\\.class$", "");
                if (name.startsWith(simpleName + FRAME_MARK) && name.endsWith(".class")
                        && !r.result().generatedClasses().containsKey(internal)) {
                    Files.delete(old);
                }
            }
        }
        Files.write(r.file(), r.result().bytes());
        if (settings.verbose()) {
            for (String method : r.result().rewrittenMethods()) {
                log.info("weft: rewrote " + describe(className, method));
            }
        }
    }

    /**
     * The class files under {@code classes}, in name order, without the transformer's own frame classes; frames
     * whose class is gone (its source was deleted) are deleted too.
     */
    private static List<Path> classFiles(Path classes) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(p -> p.getFileName().toString().endsWith(".class") && Files.isRegularFile(p))
                    .sorted().collect(Collectors.toList());
        }
        List<Path> result = new ArrayList<>();
        for (Path file : files) {
            String name = file.getFileName().toString();
            int mark = name.indexOf(FRAME_MARK);
            if (mark > 0) {
                if (!Files.exists(file.resolveSibling(name.substring(0, mark) + ".class"))) {
                    Files.delete(file);
                }
            } else if (!name.equals("module-info.class") && !name.equals("package-info.class")) {
                result.add(file);
            }
        }
        return result;
    }

    private static String relativeName(Path root, Path file) {
        return root.relativize(file).toString().replace('\\', '/');
    }

    /** {@code com.acme.Foo.fetch(java.lang.String, int)}, or {@code com.acme.Foo: lambda in main}. */
    static String describe(String internalClassName, String nameAndDescriptor) {
        int paren = nameAndDescriptor.indexOf('(');
        String name = nameAndDescriptor.substring(0, paren);
        String owner = internalClassName.replace('/', '.');
        if (name.startsWith("lambda$")) {
            String[] parts = name.split("\\$");
            return owner + ": async lambda in " + (parts.length > 1 ? parts[1] : "?");
        }
        StringBuilder out = new StringBuilder(owner).append('.').append(name).append('(');
        Type[] arguments = Type.getArgumentTypes(nameAndDescriptor.substring(paren));
        for (int i = 0; i < arguments.length; i++) {
            out.append(i == 0 ? "" : ", ").append(arguments[i].getClassName());
        }
        return out.append(')').toString();
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : noun.endsWith("s") ? "es" : "s");
    }
}
