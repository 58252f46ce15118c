package dev.weft.maven;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.Position;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.ImportDeclaration;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.BodyDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.expr.AnnotationExpr;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.stmt.SynchronizedStmt;
import com.github.javaparser.ast.type.ClassOrInterfaceType;
import com.github.javaparser.ast.type.Type;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The source half of contract item 7: finds, in one source file, what the transformer would refuse, and says
 * so at the line and column of the offending {@code await} or declaration, before any bytecode is touched.
 *
 * <p>Checks are syntactic (no symbol resolution, no class path): {@code await} is Weft's when it is called as
 * {@code Await.await(...)} or {@code dev.weft.runtime.Await.await(...)}, or unqualified under a static import of
 * it; {@code @Async} is Weft's when written {@code @dev.weft.Async} or imported from {@code dev.weft}, so a
 * Spring {@code @Async} is left alone. Lambdas are always accepted here: whether a lambda is async depends on
 * the return type of its functional interface, which only the bytecode shows, so the transformer judges them.
 *
 * <pre>{@code
 * List<SourceProblem> problems = new SourceChecker().check(path, Files.readString(path));
 * }</pre>
 *
 * <p>An instance is not shared between threads (JavaParser's parser is not thread-safe); each mojo execution
 * makes its own.
 */
final class SourceChecker {
    static final String AWAIT_CLASS = "dev.weft.runtime.Await";
    static final String ASYNC_ANNOTATION = "dev.weft.Async";
    private static final Set<String> ASYNC_RETURN_TYPES = Set.of(
            "dev.weft.runtime.Task", "java.util.concurrent.CompletableFuture", "java.util.concurrent.CompletionStage");

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
        ParseResult<CompilationUnit> result = parser.parse(source);
        if (!result.isSuccessful() || result.getResult().isEmpty()) {
            String why = result.getProblems().isEmpty() ? "unknown parse error"
                    : result.getProblems().get(0).getVerboseMessage();
            throw new UnparsableSourceException(why);
        }
        CompilationUnit unit = result.getResult().get();
        Imports imports = new Imports(unit);
        List<SourceProblem> problems = new ArrayList<>();
        for (MethodDeclaration method : unit.findAll(MethodDeclaration.class)) {
            if (isAsync(method, imports)) {
                checkAsyncDeclaration(file, method, problems);
            }
        }
        for (MethodCallExpr call : unit.findAll(MethodCallExpr.class)) {
            if (isWeftAwait(call, imports)) {
                checkAwait(file, call, imports, problems);
            }
        }
        problems.sort(Comparator.comparingInt(SourceProblem::line).thenComparingInt(SourceProblem::column));
        return problems;
    }

    private static void checkAsyncDeclaration(Path file, MethodDeclaration method, List<SourceProblem> problems) {
        if (method.getBody().isEmpty()) {
            problems.add(problem(file, method.getName(), "@Async needs a method body; remove @Async from this "
                    + "abstract or native method and put it on the implementations"));
            return;
        }
        Type type = method.getType();
        if (!isAsyncReturnType(type)) {
            problems.add(problem(file, type, "@Async methods must return Task<T>, CompletableFuture<T> or "
                    + "CompletionStage<T>, not " + type.asString()
                    + "; change the return type and end with return Task.completed(value)"));
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
                problems.add(problem(file, call, AWAIT_IN_SYNCHRONIZED));
                return;
            }
            if (node instanceof MethodDeclaration method) {
                if (!isAsync(method, imports)) {
                    problems.add(problem(file, call, "await(...) in a method that is neither @Async nor an async "
                            + "lambda; annotate " + method.getNameAsString() + " with @dev.weft.Async (its return "
                            + "type must be Task<T>, CompletableFuture<T> or CompletionStage<T>)"));
                } else if (method.isSynchronized()) {
                    problems.add(problem(file, call, "await(...) is not allowed inside a synchronized method; "
                            + "remove synchronized from " + method.getNameAsString()
                            + " (a monitor cannot be held across a suspension)"));
                }
                return;
            }
            if (node instanceof BodyDeclaration<?> && !(node instanceof TypeDeclaration<?>)) {
                // a constructor, an initializer block or a field initializer
                problems.add(problem(file, call, "await(...) is not allowed in a constructor, initializer or "
                        + "field initializer; move it to an @Async method that returns Task<T>"));
                return;
            }
        }
    }

    private static Node parent(Node node) {
        return node.getParentNode().orElse(null);
    }

    private static boolean isAsync(MethodDeclaration method, Imports imports) {
        for (AnnotationExpr annotation : method.getAnnotations()) {
            if (imports.names(annotation.getNameAsString(), ASYNC_ANNOTATION)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isAsyncReturnType(Type type) {
        if (!(type instanceof ClassOrInterfaceType classType)) {
            return false;
        }
        String written = classType.getNameWithScope();
        for (String allowed : ASYNC_RETURN_TYPES) {
            if (written.equals(allowed) || written.equals(simpleName(allowed))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isWeftAwait(MethodCallExpr call, Imports imports) {
        if (!"await".equals(call.getNameAsString()) || call.getArguments().size() != 1) {
            return false;
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

    private static SourceProblem problem(Path file, Node at, String message) {
        Position begin = at.getBegin().orElse(new Position(1, 1));
        return new SourceProblem(file, begin.line, begin.column, message);
    }

    private static String simpleName(String qualifiedName) {
        return qualifiedName.substring(qualifiedName.lastIndexOf('.') + 1);
    }

    private static String packageOf(String qualifiedName) {
        int dot = qualifiedName.lastIndexOf('.');
        return dot < 0 ? "" : qualifiedName.substring(0, dot);
    }

    /** What the imports and the package of a compilation unit make a simple name mean. */
    private static final class Imports {
        private final String packageName;
        private final Set<String> singleTypes = new HashSet<>();
        private final Set<String> typesOnDemand = new HashSet<>();
        private final Set<String> staticMembers = new HashSet<>();
        private final Set<String> staticOnDemand = new HashSet<>();

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
    }
}
