package dev.weft.maven;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.Position;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.ImportDeclaration;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.BodyDeclaration;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.ConstructorDeclaration;
import com.github.javaparser.ast.body.EnumConstantDeclaration;
import com.github.javaparser.ast.body.FieldDeclaration;
import com.github.javaparser.ast.body.InitializerDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.expr.AnnotationExpr;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.nodeTypes.NodeWithStatements;
import com.github.javaparser.ast.nodeTypes.NodeWithTypeParameters;
import com.github.javaparser.ast.stmt.LocalClassDeclarationStmt;
import com.github.javaparser.ast.stmt.LocalRecordDeclarationStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.stmt.SynchronizedStmt;
import com.github.javaparser.ast.type.ClassOrInterfaceType;
import com.github.javaparser.ast.type.Type;
import com.github.javaparser.ast.type.TypeParameter;
import dev.weft.agent.transform.ClassHierarchy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The source half of contract item 7: finds, in one source file, what the transformer would refuse, and says
 * so at the line and column of the offending {@code await} or declaration, before any bytecode is touched.
 *
 * <p>Every problem names the class and the method it is in ({@code (in com.acme.Foo.get)}, as the bytecode
 * refusals the plugin reports do), and every problem of a file is reported, not only the first.
 *
 * <p>Checks are syntactic (no symbol resolution, no class path): {@code await} is Weft's when it is called as
 * {@code Await.await(...)} or {@code dev.weft.runtime.Await.await(...)}, or unqualified under a static import of
 * it, with one argument or two ({@code await(future, IOException.class)}); {@code @Async} is Weft's when written
 * {@code @dev.weft.Async} or imported from {@code dev.weft}, so a Spring {@code @Async} is left alone. Lambdas are
 * always accepted here: whether a lambda is async depends on the return type of its functional interface, which
 * only the bytecode shows, so the transformer judges them.
 *
 * <p>A return type is refused only when the source alone proves it is none of Weft's three: a primitive, an array,
 * a name other than {@code Task}, {@code CompletableFuture} and {@code CompletionStage}, or one of those names
 * that means another class here (qualified otherwise, imported from elsewhere, a type declared in this file or a
 * type parameter in scope, or not imported at all). When a name could still mean Weft's type (a same-package
 * class of the same name could shadow an on-demand import, an inherited member type could shadow anything), it is
 * accepted here and the bytecode pass, which sees the real descriptor, decides. So the source check never refuses
 * what the transformer would accept, and what it lets through the transformer still checks.
 *
 * <p>Over a whole source set, {@link #check(List, ClassHierarchy.ClassFileSource, boolean)} also warns of each
 * {@code @Async} call used as a statement, whose Task is dropped ({@link DroppedTaskCheck}): a warning, never a
 * problem.
 *
 * <pre>{@code
 * List<SourceProblem> problems = new SourceChecker().check(path, Files.readString(path));
 * SourceChecker.Findings all = new SourceChecker().check(sourceFiles, classPathSource, true);
 * }</pre>
 *
 * <p>An instance is not shared between threads (JavaParser's parser is not thread-safe); each mojo execution
 * makes its own.
 */
final class SourceChecker {
    static final String AWAIT_CLASS = "dev.weft.runtime.Await";
    static final String ASYNC_ANNOTATION = "dev.weft.Async";
    /** The return types an @Async method may declare, by simple name. */
    private static final Map<String, String> ASYNC_RETURN_TYPES = Map.of(
            "Task", "dev.weft.runtime.Task",
            "CompletableFuture", "java.util.concurrent.CompletableFuture",
            "CompletionStage", "java.util.concurrent.CompletionStage");

    static final Comparator<SourceProblem> IN_LINE_ORDER =
            Comparator.comparingInt(SourceProblem::line).thenComparingInt(SourceProblem::column);

    static final String AWAIT_IN_SYNCHRONIZED = "await(...) is not allowed inside synchronized; move the await "
            + "out of the synchronized block (a monitor cannot be held across a suspension)";

    /** A file JavaParser cannot read; the compiler accepted it, so the build goes on without checking it. */
    static final class UnparsableSourceException extends Exception {
        private static final long serialVersionUID = 1L;

        UnparsableSourceException(String message) {
            super(message);
        }
    }

    private final JavaParser parser;

    SourceChecker() {
        // RAW: no validation of the language level; javac has validated the code already, and a newer
        // construct than JavaParser's newest level must not stop the checks of the rest.
        ParserConfiguration configuration = new ParserConfiguration()
                .setLanguageLevel(ParserConfiguration.LanguageLevel.RAW)
                .setAttributeComments(false)
                .setLexicalPreservationEnabled(false);
        this.parser = new JavaParser(configuration);
    }

    /**
     * True when the text can contain Weft code at all: a file that mentions neither {@code await} nor
     * {@code Async} is not parsed.
     */
    static boolean mayContainWeftCode(String source) {
        return source.contains("await") || source.contains("Async");
    }

    /**
     * The problems of one source file, in line order; empty when it is fine.
     *
     * @param file   how to name the file in the problems
     * @param source the file's text
     * @throws UnparsableSourceException when JavaParser cannot parse the text
     */
    List<SourceProblem> check(Path file, String source) throws UnparsableSourceException {
        if (!mayContainWeftCode(source)) {
            return List.of();
        }
        return check(file, parse(source));
    }

    /** One Java file of a build; {@code checked} is false for a file read only for what it declares. */
    record SourceFile(Path file, String text, boolean checked) {
    }

    /**
     * What the checks of a source set found.
     *
     * @param problems   what the build refuses (contract item 7), in file and line order
     * @param warnings   what it only warns of (dropped tasks), in file and line order
     * @param unparsable the checked files JavaParser could not read, with why; they were not checked
     */
    record Findings(List<SourceProblem> problems, List<SourceProblem> warnings, Map<Path, String> unparsable) {
    }

    /**
     * The checks of a whole source set: the problems of each checked file, and, when {@code warnDroppedTasks},
     * the {@linkplain DroppedTaskCheck dropped tasks}. Calls are matched to the {@code @Async} methods of every
     * file given, checked or not (the main sources, when the test sources are checked), so a file's own
     * declarations are not the only ones known.
     *
     * <p>Only the files that can matter are parsed: those that mention {@code await} or {@code Async}, and, for
     * the dropped-task check, those that mention the name of an {@code @Async} method followed by a parenthesis.
     * Every other name a call needs is looked up in {@code classFiles}.
     *
     * @param files            the source set, in the order the problems of equal place are reported
     * @param classFiles       the class files of the build (its classes, its class path, the JDK)
     * @param warnDroppedTasks whether to look for dropped tasks
     */
    Findings check(List<SourceFile> files, ClassHierarchy.ClassFileSource classFiles, boolean warnDroppedTasks) {
        Map<SourceFile, CompilationUnit> units = new LinkedHashMap<>();
        Map<Path, String> unparsable = new LinkedHashMap<>();
        List<SourceProblem> problems = new ArrayList<>();
        for (SourceFile f : files) {
            // an unchecked file matters only for its @Async methods, which need the word Async
            if (f.checked() ? mayContainWeftCode(f.text()) : f.text().contains("Async")) {
                CompilationUnit unit = parseOrNote(f, unparsable);
                if (unit != null) {
                    units.put(f, unit);
                    if (f.checked()) {
                        problems.addAll(check(f.file(), unit));
                    }
                }
            }
        }
        List<SourceProblem> warnings = new ArrayList<>();
        if (warnDroppedTasks) {
            SourceTypes types = new SourceTypes(classFiles);
            units.values().forEach(types::add);
            Pattern mentionsAsyncName = DroppedTaskCheck.callsOfAny(types.asyncMethodNames());
            if (mentionsAsyncName != null) {
                for (SourceFile f : files) {
                    if (f.checked() && !units.containsKey(f) && mentionsAsyncName.matcher(f.text()).find()) {
                        CompilationUnit unit = parseOrNote(f, unparsable);
                        if (unit != null) {
                            units.put(f, unit);
                            types.add(unit);
                        }
                    }
                }
                DroppedTaskCheck dropped = new DroppedTaskCheck(types);
                for (SourceFile f : files) {
                    CompilationUnit unit = units.get(f);
                    if (f.checked() && unit != null) {
                        warnings.addAll(dropped.check(f.file(), unit));
                    }
                }
            }
        }
        return new Findings(problems, warnings, unparsable);
    }

    private CompilationUnit parseOrNote(SourceFile f, Map<Path, String> unparsable) {
        try {
            return parse(f.text());
        } catch (UnparsableSourceException e) {
            if (f.checked()) {
                unparsable.put(f.file(), e.getMessage());
            }
            return null;
        }
    }

    private CompilationUnit parse(String source) throws UnparsableSourceException {
        ParseResult<CompilationUnit> result = parser.parse(source);
        if (!result.isSuccessful() || result.getResult().isEmpty()) {
            String why = result.getProblems().isEmpty() ? "unknown parse error"
                    : result.getProblems().get(0).getVerboseMessage();
            throw new UnparsableSourceException(why);
        }
        return result.getResult().get();
    }

    private static List<SourceProblem> check(Path file, CompilationUnit unit) {
        Imports imports = new Imports(unit);
        List<SourceProblem> problems = new ArrayList<>();
        for (MethodDeclaration method : unit.findAll(MethodDeclaration.class)) {
            if (isAsync(method, imports)) {
                checkAsyncDeclaration(file, method, imports, problems);
            }
        }
        for (ConstructorDeclaration constructor : unit.findAll(ConstructorDeclaration.class)) {
            if (isAsync(constructor, imports)) {
                problems.add(problem(file, constructor.getName(), "@Async cannot be put on a constructor; move the "
                        + "asynchronous work to an @Async method that returns Task<T>", constructor));
            }
        }
        for (MethodCallExpr call : unit.findAll(MethodCallExpr.class)) {
            if (isWeftAwait(call, imports)) {
                checkAwait(file, call, imports, problems);
            }
        }
        problems.sort(IN_LINE_ORDER);
        return problems;
    }

    private static void checkAsyncDeclaration(Path file, MethodDeclaration method, Imports imports,
                                              List<SourceProblem> problems) {
        if (method.getBody().isEmpty()) {
            problems.add(problem(file, method.getName(), "@Async needs a method body; remove @Async from this "
                    + "abstract or native method and put it on the implementations", method));
            return;
        }
        Type type = method.getType();
        String notAsync = notAnAsyncReturnType(type, method, imports);
        if (notAsync != null) {
            problems.add(problem(file, type, "@Async methods must return Task<T>, CompletableFuture<T> or "
                    + "CompletionStage<T>, not " + type.asString() + notAsync
                    + "; change the return type and end with return Task.completed(value)", method));
        }
    }

    /** Walks out from the await to the code unit it belongs to: a lambda, a method, or something else. */
    private static void checkAwait(Path file, MethodCallExpr call, Imports imports, List<SourceProblem> problems) {
        Node child = call;
        for (Node node = parent(call); node != null; child = node, node = parent(node)) {
            if (node instanceof LambdaExpr) {
                return; // a lambda body is its own method; the transformer checks its return type
            }
            if (node instanceof SynchronizedStmt sync && sync.getBody() == child) {
                problems.add(problem(file, call, AWAIT_IN_SYNCHRONIZED, codeUnitOf(sync)));
                return;
            }
            if (node instanceof MethodDeclaration method) {
                if (!isAsync(method, imports)) {
                    problems.add(problem(file, call, "await(...) in a method that is neither @Async nor an async "
                            + "lambda; annotate " + method.getNameAsString() + " with @dev.weft.Async (its return "
                            + "type must be Task<T>, CompletableFuture<T> or CompletionStage<T>)", method));
                } else if (method.isSynchronized()) {
                    problems.add(problem(file, call, "await(...) is not allowed inside a synchronized method; "
                            + "remove synchronized from " + method.getNameAsString()
                            + " (a monitor cannot be held across a suspension)", method));
                }
                return;
            }
            if (node instanceof BodyDeclaration<?> && !(node instanceof TypeDeclaration<?>)) {
                // a constructor, an initializer block or a field initializer
                problems.add(problem(file, call, "await(...) is not allowed in a constructor, initializer or "
                        + "field initializer; move it to an @Async method that returns Task<T>", node));
                return;
            }
        }
    }

    static Node parent(Node node) {
        return node.getParentNode().orElse(null);
    }

    static boolean isAsync(CallableDeclaration<?> method, Imports imports) {
        for (AnnotationExpr annotation : method.getAnnotations()) {
            if (imports.names(annotation.getNameAsString(), ASYNC_ANNOTATION)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Null when {@code type} is, or may be, one of the three async return types (the bytecode pass then decides);
     * otherwise what to add after "not TYPE" in the message ("" when the type speaks for itself).
     */
    private static String notAnAsyncReturnType(Type type, MethodDeclaration method, Imports imports) {
        if (!(type instanceof ClassOrInterfaceType classType)) {
            return ""; // void, a primitive, an array
        }
        String simple = classType.getNameAsString();
        String expected = ASYNC_RETURN_TYPES.get(simple);
        if (expected == null) {
            return ""; // a type's simple name is the name written: no other name can mean one of the three
        }
        if (classType.getScope().isPresent()) {
            String written = classType.getNameWithScope();
            return written.equals(expected) ? null : " (" + written + " is not " + expected + ")";
        }
        String shadow = declaredInScope(method, simple, packageOf(expected), imports);
        if (shadow != null) {
            return " (" + simple + " here is " + shadow + ", not " + expected + ")";
        }
        String imported = imports.singleType(simple);
        if (imported != null) {
            return imported.equals(expected) ? null : " (" + simple + " here is " + imported + ", not " + expected + ")";
        }
        if (imports.staticMemberNamed(simple) || imports.packageName.equals(packageOf(expected))
                || imports.typesOnDemand.contains(packageOf(expected))) {
            return null; // Weft's, unless a class of the same package or an inherited member type shadows it
        }
        return " (" + simple + " here is not " + expected + ", which this file does not import)";
    }

    /**
     * A type named {@code simple} that this file declares in the scope of {@code method} (a type parameter, the
     * enclosing types and their member types, local classes, the file's top-level types), described; or null.
     */
    private static String declaredInScope(MethodDeclaration method, String simple, String weftPackage,
                                          Imports imports) {
        Node child = method;
        for (Node node = method; node != null; child = node, node = parent(node)) {
            if (node instanceof NodeWithTypeParameters<?> generic) {
                for (TypeParameter p : generic.getTypeParameters()) {
                    if (p.getNameAsString().equals(simple)) {
                        return "a type parameter";
                    }
                }
            }
            if (node instanceof TypeDeclaration<?> type) {
                boolean topLevel = type.getParentNode().orElse(null) instanceof CompilationUnit;
                if (type.getNameAsString().equals(simple)
                        && !(topLevel && imports.packageName.equals(weftPackage))) {
                    return "the class declared in this file";
                }
                if (declaresMemberType(type.getMembers(), simple)) {
                    return "the member type declared in " + type.getNameAsString();
                }
            }
            if (node instanceof ObjectCreationExpr anonymous && anonymous.getAnonymousClassBody().isPresent()
                    && declaresMemberType(anonymous.getAnonymousClassBody().get(), simple)) {
                return "the member type declared in an anonymous class";
            }
            if (node instanceof NodeWithStatements<?> block) {
                for (Statement statement : block.getStatements()) {
                    if (statement == child) {
                        break; // a local class is in scope from its declaration on
                    }
                    if (statement instanceof LocalClassDeclarationStmt local
                            && local.getClassDeclaration().getNameAsString().equals(simple)
                            || statement instanceof LocalRecordDeclarationStmt record
                            && record.getRecordDeclaration().getNameAsString().equals(simple)) {
                        return "the local class declared above";
                    }
                }
            }
            if (node instanceof CompilationUnit unit && !imports.packageName.equals(weftPackage)) {
                for (TypeDeclaration<?> type : unit.getTypes()) {
                    if (type.getNameAsString().equals(simple)) {
                        return "the class declared in this file";
                    }
                }
            }
        }
        return null;
    }

    private static boolean declaresMemberType(List<BodyDeclaration<?>> members, String simple) {
        for (BodyDeclaration<?> member : members) {
            if (member instanceof TypeDeclaration<?> type && type.getNameAsString().equals(simple)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isWeftAwait(MethodCallExpr call, Imports imports) {
        int arguments = call.getArguments().size();
        if (!"await".equals(call.getNameAsString()) || arguments < 1 || arguments > 2) {
            return false; // await(future) and await(future, IOException.class)
        }
        Optional<String> scope = call.getScope().map(Node::toString);
        if (scope.isPresent()) {
            return imports.names(scope.get(), AWAIT_CLASS);
        }
        return imports.importsStatically(AWAIT_CLASS, "await") && !declaredInEnclosingType(call, "await");
    }

    /** An unqualified call to a method the class itself declares means that method, not a static import. */
    private static boolean declaredInEnclosingType(Node node, String methodName) {
        for (Node n = parent(node); n != null; n = parent(n)) {
            List<BodyDeclaration<?>> members = n instanceof TypeDeclaration<?> type ? type.getMembers()
                    : n instanceof ObjectCreationExpr anonymous ? anonymous.getAnonymousClassBody().orElse(null)
                    : null;
            if (members == null) {
                continue;
            }
            for (BodyDeclaration<?> member : members) {
                if (member instanceof MethodDeclaration m && m.getNameAsString().equals(methodName)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A problem at {@code at}, in the code unit {@code in} (a method, constructor, initializer, field or lambda). */
    private static SourceProblem problem(Path file, Node at, String message, Node in) {
        Position begin = at.getBegin().orElse(new Position(1, 1));
        return new SourceProblem(file, begin.line, begin.column, message + " (in " + describe(in) + ")");
    }

    /** The code unit {@code node} is part of: the innermost lambda, method, constructor, initializer or field. */
    static Node codeUnitOf(Node node) {
        for (Node n = parent(node); n != null; n = parent(n)) {
            if (n instanceof LambdaExpr || n instanceof BodyDeclaration<?> && !(n instanceof TypeDeclaration<?>)) {
                return n;
            }
        }
        return node;
    }

    /**
     * A code unit as the bytecode names it where the source can: {@code com.acme.Foo.get},
     * {@code com.acme.Outer$Inner.<init>}, {@code com.acme.Foo.<clinit>}; and in words where it cannot (javac
     * numbers anonymous and local classes): {@code run of an anonymous Runnable in com.acme.Foo.get}.
     */
    static String describe(Node unit) {
        if (unit instanceof LambdaExpr) {
            return "a lambda in " + describe(codeUnitOf(unit));
        }
        String member;
        if (unit instanceof MethodDeclaration m) {
            member = m.getNameAsString();
        } else if (unit instanceof InitializerDeclaration init) {
            member = init.isStatic() ? "<clinit>" : "<init>";
        } else if (unit instanceof FieldDeclaration field) {
            member = field.isStatic() ? "<clinit>" : "<init>";
        } else if (unit instanceof EnumConstantDeclaration) {
            member = "<clinit>";
        } else {
            member = "<init>"; // a constructor, a compact record constructor
        }
        Node owner = parent(unit);
        while (owner != null && !(owner instanceof TypeDeclaration<?>) && !(owner instanceof ObjectCreationExpr)
                && !(owner instanceof EnumConstantDeclaration)) {
            owner = parent(owner);
        }
        String name = owner == null ? null : binaryName(owner);
        if (name != null) {
            return name + "." + member;
        }
        if (owner instanceof ObjectCreationExpr anonymous) {
            return member + " of an anonymous " + anonymous.getType().getNameAsString() + " in "
                    + describe(codeUnitOf(anonymous));
        }
        if (owner instanceof EnumConstantDeclaration constant) {
            return member + " of the body of enum constant " + constant.getNameAsString() + " in "
                    + describe(codeUnitOf(constant)).replaceFirst("\\.<clinit>$", "");
        }
        if (owner instanceof TypeDeclaration<?> type) {
            Node declaration = parent(type);
            boolean local = declaration instanceof LocalClassDeclarationStmt
                    || declaration instanceof LocalRecordDeclarationStmt;
            return member + " of " + (local ? "local " : "") + "class " + type.getNameAsString() + " in "
                    + describe(codeUnitOf(type));
        }
        return member;
    }

    /** {@code com.acme.Outer$Inner} for a top-level or member type; null for a local or anonymous one. */
    static String binaryName(Node type) {
        if (!(type instanceof TypeDeclaration<?> declaration)) {
            return null;
        }
        Node parent = parent(declaration);
        if (parent instanceof CompilationUnit unit) {
            String pkg = unit.getPackageDeclaration().map(p -> p.getNameAsString()).orElse("");
            return (pkg.isEmpty() ? "" : pkg + ".") + declaration.getNameAsString();
        }
        String outer = parent == null ? null : binaryName(parent);
        return outer == null ? null : outer + "$" + declaration.getNameAsString();
    }

    private static String simpleName(String qualifiedName) {
        return qualifiedName.substring(qualifiedName.lastIndexOf('.') + 1);
    }

    private static String packageOf(String qualifiedName) {
        int dot = qualifiedName.lastIndexOf('.');
        return dot < 0 ? "" : qualifiedName.substring(0, dot);
    }

    /** What the imports and the package of a compilation unit make a simple name mean. */
    static final class Imports {
        final String packageName;
        final Set<String> singleTypes = new HashSet<>();
        final Set<String> typesOnDemand = new HashSet<>();
        final Set<String> staticMembers = new HashSet<>();
        final Set<String> staticOnDemand = new HashSet<>();

        Imports(CompilationUnit unit) {
            packageName = unit.getPackageDeclaration().map(p -> p.getNameAsString()).orElse("");
            for (ImportDeclaration i : unit.getImports()) {
                String name = i.getNameAsString();
                if (i.isStatic()) {
                    (i.isAsterisk() ? staticOnDemand : staticMembers).add(name);
                } else {
                    (i.isAsterisk() ? typesOnDemand : singleTypes).add(name);
                }
            }
        }

        /** True when {@code written} (simple or qualified) names the type {@code qualifiedName} here. */
        boolean names(String written, String qualifiedName) {
            if (written.equals(qualifiedName)) {
                return true;
            }
            String simple = simpleName(qualifiedName);
            if (!written.equals(simple)) {
                return false;
            }
            for (String imported : singleTypes) {
                if (simpleName(imported).equals(simple)) {
                    return imported.equals(qualifiedName); // a single-type import shadows the rest
                }
            }
            String pkg = packageOf(qualifiedName);
            return packageName.equals(pkg) || typesOnDemand.contains(pkg);
        }

        boolean importsStatically(String type, String member) {
            return staticMembers.contains(type + "." + member) || staticOnDemand.contains(type);
        }

        /** The type a single-type import names {@code simple}, or null. */
        String singleType(String simple) {
            for (String imported : singleTypes) {
                if (simpleName(imported).equals(simple)) {
                    return imported;
                }
            }
            return null;
        }

        /** True when a single static import brings in a member named {@code simple} (which may be a type). */
        boolean staticMemberNamed(String simple) {
            for (String imported : staticMembers) {
                if (simpleName(imported).equals(simple)) {
                    return true;
                }
            }
            return false;
        }
    }
}
