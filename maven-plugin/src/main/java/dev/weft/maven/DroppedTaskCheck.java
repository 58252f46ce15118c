package dev.weft.maven;

import com.github.javaparser.Position;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.Parameter;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.AnnotationExpr;
import com.github.javaparser.ast.expr.ArrayInitializerExpr;
import com.github.javaparser.ast.expr.BinaryExpr;
import com.github.javaparser.ast.expr.CastExpr;
import com.github.javaparser.ast.expr.ConditionalExpr;
import com.github.javaparser.ast.expr.EnclosedExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.FieldAccessExpr;
import com.github.javaparser.ast.expr.InstanceOfExpr;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.MemberValuePair;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.NormalAnnotationExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.expr.SingleMemberAnnotationExpr;
import com.github.javaparser.ast.expr.StringLiteralExpr;
import com.github.javaparser.ast.expr.SuperExpr;
import com.github.javaparser.ast.expr.SwitchExpr;
import com.github.javaparser.ast.expr.ThisExpr;
import com.github.javaparser.ast.expr.TypePatternExpr;
import com.github.javaparser.ast.expr.VariableDeclarationExpr;
import com.github.javaparser.ast.nodeTypes.NodeWithAnnotations;
import com.github.javaparser.ast.nodeTypes.NodeWithStatements;
import com.github.javaparser.ast.nodeTypes.SwitchNode;
import com.github.javaparser.ast.stmt.CatchClause;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.ForEachStmt;
import com.github.javaparser.ast.stmt.ForStmt;
import com.github.javaparser.ast.stmt.IfStmt;
import com.github.javaparser.ast.stmt.LocalClassDeclarationStmt;
import com.github.javaparser.ast.stmt.LocalRecordDeclarationStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.stmt.SwitchEntry;
import com.github.javaparser.ast.stmt.TryStmt;
import com.github.javaparser.ast.stmt.WhileStmt;
import com.github.javaparser.ast.type.ClassOrInterfaceType;
import com.github.javaparser.ast.type.Type;
import dev.weft.maven.SourceTypes.Known;
import dev.weft.maven.SourceTypes.Lookup;
import dev.weft.maven.SourceTypes.Method;
import dev.weft.maven.SourceTypes.TypeInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The build-time half of "errors never pass silently" (issue 11): a call of an {@code @Async} method used as a
 * statement drops the Task it returns, so nothing waits for it to finish and its failure is reported only when
 * the task is collected or its loop closes. Each such call is a warning, at the file, line and column of the
 * method's name, never an error.
 *
 * <p><b>Which calls.</b> A call whose value the code throws away: an expression statement (in a block, in a
 * block lambda, in an arm of a switch <em>statement</em>) and the init and update parts of a {@code for}. Not an
 * expression lambda ({@code () -> fetch()} returns the task when its interface returns one) nor an arm of a
 * switch <em>expression</em> (it is the switch's value).
 *
 * <p><b>Which methods.</b> Calls are matched by name and argument count, as javac's first step does, without a
 * symbol solver, and only where the sources and class files say for certain what the call means; when they
 * cannot, there is no warning (a missed warning costs less than a false one). An unqualified {@code fetch()}
 * means the method of the innermost enclosing class that has a method of that name, declared or inherited
 * (javac's rule), or a statically imported one; {@code this.fetch()}, {@code Outer.this.fetch()} and
 * {@code super.fetch()} the enclosing class's; {@code Client.fetch()} and {@code com.acme.Client.fetch()} the named
 * class's; {@code client.fetch()}, {@code this.client.fetch()}, {@code ((Client) o).fetch()} and
 * {@code new Client().fetch()} those of the receiver's declared type (a local variable, parameter, field or
 * pattern variable, {@code var} from its initializer). It warns when every method of that name the call may
 * mean, by argument count, is {@code @Async} in the sources (an overload that is not rules it out). A receiver
 * typed by a method's result, an array element or a type variable is not followed.
 *
 * <p><b>Silencing.</b> For an intended fire-and-forget, {@code @SuppressWarnings("weft:dropped-task")} on the
 * enclosing method, constructor, class (or any declaration around the call, as with javac's own warnings);
 * {@code <warnDroppedTasks>false</warnDroppedTasks>} turns the check off.
 */
final class DroppedTaskCheck {
    /** The {@code @SuppressWarnings} value that silences the warning. */
    static final String SUPPRESSION = "weft:dropped-task";

    private final SourceTypes types;
    private final Set<String> asyncNames;

    DroppedTaskCheck(SourceTypes types) {
        this.types = types;
        this.asyncNames = types.asyncMethodNames();
    }

    /** What a file must contain to call one of {@code names} (the name, then a parenthesis); null for none. */
    static Pattern callsOfAny(Set<String> names) {
        if (names.isEmpty()) {
            return null;
        }
        return Pattern.compile("\\b(?:" + names.stream().map(Pattern::quote).collect(Collectors.joining("|"))
                + ")\\s*\\(");
    }

    /** The dropped tasks of one file, in line order. */
    List<SourceProblem> check(Path file, CompilationUnit unit) {
        List<SourceProblem> warnings = new ArrayList<>();
        for (MethodCallExpr call : discardedCalls(unit)) {
            if (!asyncNames.contains(call.getNameAsString()) || suppressed(call)) {
                continue;
            }
            Method target = target(call);
            if (target != null) {
                warnings.add(warning(file, call, target.declaration()));
            }
        }
        warnings.sort(SourceChecker.IN_LINE_ORDER);
        return warnings;
    }

    private static SourceProblem warning(Path file, MethodCallExpr call, MethodDeclaration method) {
        Type type = method.getType();
        String returned = type instanceof ClassOrInterfaceType t ? t.getNameAsString() : type.asString();
        String unreported = returned.equals("CompletableFuture")
                ? "a CompletableFuture reports no failure that nobody retrieves"
                : "its failure is reported only when the task is garbage-collected or its event loop closes";
        Position at = call.getName().getBegin().orElse(new Position(1, 1));
        return new SourceProblem(file, at.line, at.column, "the " + returned + " returned by @Async "
                + SourceChecker.describe(method) + " is dropped: nothing waits for it to finish, and " + unreported
                + "; await(...) it, keep the " + returned + " to await or cancel it later, or, for an intended "
                + "fire-and-forget, put @SuppressWarnings(\"" + SUPPRESSION + "\") on the enclosing method or class"
                + " (in " + SourceChecker.describe(SourceChecker.codeUnitOf(call)) + ")");
    }

    /** The calls whose value is thrown away: expression statements, and the init and update parts of a for. */
    private static List<MethodCallExpr> discardedCalls(CompilationUnit unit) {
        List<MethodCallExpr> calls = new ArrayList<>();
        for (ExpressionStmt statement : unit.findAll(ExpressionStmt.class)) {
            Node parent = SourceChecker.parent(statement);
            boolean value = parent instanceof LambdaExpr   // an expression lambda's body, which it returns
                    || parent instanceof SwitchEntry entry && entry.getType() == SwitchEntry.Type.EXPRESSION
                    && SourceChecker.parent(entry) instanceof SwitchExpr;   // the value of a switch expression
            if (!value && statement.getExpression() instanceof MethodCallExpr call) {
                calls.add(call);
            }
        }
        for (ForStmt loop : unit.findAll(ForStmt.class)) {
            for (Expression e : loop.getInitialization()) {
                if (e instanceof MethodCallExpr call) {
                    calls.add(call);
                }
            }
            for (Expression e : loop.getUpdate()) {
                if (e instanceof MethodCallExpr call) {
                    calls.add(call);
                }
            }
        }
        return calls;
    }

    /** True under a {@code @SuppressWarnings} that names {@link #SUPPRESSION}, on any declaration around. */
    private static boolean suppressed(Node node) {
        for (Node n = node; n != null; n = SourceChecker.parent(n)) {
            if (n instanceof NodeWithAnnotations<?> annotated) {
                for (AnnotationExpr annotation : annotated.getAnnotations()) {
                    String name = annotation.getNameAsString();
                    if ((name.equals("SuppressWarnings") || name.equals("java.lang.SuppressWarnings"))
                            && suppresses(annotation)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean suppresses(AnnotationExpr annotation) {
        Expression value = null;
        if (annotation instanceof SingleMemberAnnotationExpr single) {
            value = single.getMemberValue();
        } else if (annotation instanceof NormalAnnotationExpr normal) {
            for (MemberValuePair pair : normal.getPairs()) {
                if (pair.getNameAsString().equals("value")) {
                    value = pair.getValue();
                }
            }
        }
        List<Expression> values = value instanceof ArrayInitializerExpr array ? array.getValues()
                : value == null ? List.of() : List.of(value);
        for (Expression v : values) {
            if (v instanceof StringLiteralExpr s && s.asString().equals(SUPPRESSION)) {
                return true;
            }
        }
        return false;
    }

    /** The {@code @Async} method {@code call} certainly means, or null. */
    private Method target(MethodCallExpr call) {
        String name = call.getNameAsString();
        int arguments = call.getArguments().size();
        Optional<Expression> scope = call.getScope();
        if (scope.isEmpty()) {
            return unqualified(call, name, arguments);
        }
        TypeInfo receiver = typeOf(scope.get());
        return receiver == null ? null : types.overloads(receiver, name, arguments).async();
    }

    /** javac's rule: the innermost enclosing class that has a method of that name, then the static imports. */
    private Method unqualified(MethodCallExpr call, String name, int arguments) {
        Node child = call;
        for (Node node = SourceChecker.parent(call); node != null; child = node, node = SourceChecker.parent(node)) {
            TypeInfo body = types.classBodyAt(node, child);
            if (body != null) {
                Known has = types.hasMethodNamed(body, name);
                if (has == Known.YES) {
                    return types.overloads(body, name, arguments).async();
                }
                if (has == Known.UNKNOWN) {
                    return null; // a super type nobody knows may have one
                }
            }
        }
        SourceChecker.Imports imports = types.importsOf(call);
        if (imports == null) {
            return null;
        }
        List<Method> applicable = new ArrayList<>();
        for (String member : imports.staticMembers) {   // import static com.acme.Jobs.fetch;
            int dot = member.lastIndexOf('.');
            if (member.substring(dot + 1).equals(name)) {
                TypeInfo owner = types.byQualifiedName(member.substring(0, dot));
                if (owner == null) {
                    return null;
                }
                applicable.addAll(types.overloads(owner, name, arguments).applicable());
            }
        }
        if (applicable.isEmpty()) {   // a single-static-import shadows the on-demand ones
            for (String type : imports.staticOnDemand) {   // import static com.acme.Jobs.*;
                TypeInfo owner = types.byQualifiedName(type);
                Known has = owner == null ? Known.UNKNOWN : types.hasMethodNamed(owner, name);
                if (has == Known.UNKNOWN) {
                    return null;
                }
                if (has == Known.YES) {
                    applicable.addAll(types.overloads(owner, name, arguments).applicable());
                }
            }
        }
        return new SourceTypes.Overloads(applicable, true).async();
    }

    /** The declared type of the value {@code e} stands for, or, for a type name, that type; null when unknown. */
    private TypeInfo typeOf(Expression e) {
        if (e instanceof ThisExpr self) {
            return self.getTypeName().isPresent()
                    ? enclosingTypeNamed(self, self.getTypeName().get().getIdentifier()) : innermostClass(self);
        }
        if (e instanceof SuperExpr sup) {
            TypeInfo self = sup.getTypeName().isPresent() ? null : innermostClass(sup);
            return self == null ? null : self.superclass();
        }
        if (e instanceof EnclosedExpr enclosed) {
            return typeOf(enclosed.getInner());
        }
        if (e instanceof CastExpr cast) {
            return types.resolve(cast.getType());
        }
        if (e instanceof ObjectCreationExpr creation) {
            return creation.getAnonymousClassBody().isPresent() ? types.declared(creation)
                    : types.resolve(creation.getType());
        }
        if (e instanceof NameExpr name) {   // a variable, else a type name
            Lookup variable = variable(name.getNameAsString(), name);
            return variable.found() == Known.YES ? variable.type()
                    : variable.found() == Known.NO ? types.resolveSimple(name.getNameAsString(), name) : null;
        }
        if (e instanceof FieldAccessExpr access) {   // a field, a member type, or a type named with its package
            TypeInfo scope = typeOf(access.getScope());
            if (scope != null) {
                Lookup field = types.field(scope, access.getNameAsString());
                return field.found() == Known.YES ? field.type()
                        : field.found() == Known.NO ? types.memberType(scope, access.getNameAsString()) : null;
            }
            return isPackageName(access.getScope()) ? types.byQualifiedName(access.toString()) : null;
        }
        return null;
    }

    /** A dotted name that is no variable and no type: it can only be (part of) a package name. */
    private boolean isPackageName(Expression e) {
        if (e instanceof NameExpr name) {
            return variable(name.getNameAsString(), name).found() == Known.NO
                    && types.resolveSimple(name.getNameAsString(), name) == null;
        }
        return e instanceof FieldAccessExpr access && isPackageName(access.getScope())
                && types.byQualifiedName(access.toString()) == null;
    }

    private TypeInfo innermostClass(Node node) {
        Node child = node;
        for (Node n = SourceChecker.parent(node); n != null; child = n, n = SourceChecker.parent(n)) {
            TypeInfo body = types.classBodyAt(n, child);
            if (body != null) {
                return body;
            }
        }
        return null;
    }

    private TypeInfo enclosingTypeNamed(Node node, String simple) {
        for (Node n = SourceChecker.parent(node); n != null; n = SourceChecker.parent(n)) {
            if (n instanceof com.github.javaparser.ast.body.TypeDeclaration<?> type
                    && type.getNameAsString().equals(simple)) {
                return types.declared(type);
            }
        }
        return null;
    }

    /** The local variable, parameter, pattern variable or field {@code name} means at {@code at}. */
    private Lookup variable(String name, Node at) {
        Node child = at;
        for (Node node = SourceChecker.parent(at); node != null; child = node, node = SourceChecker.parent(node)) {
            Lookup found = declaredAt(node, child, name);
            if (found != null) {
                return found;
            }
        }
        return Lookup.NONE;
    }

    /** What {@code node} declares as {@code name} for the code in its child {@code child}; null for nothing. */
    private Lookup declaredAt(Node node, Node child, String name) {
        TypeInfo body = types.classBodyAt(node, child);
        if (body != null) {
            Lookup field = types.field(body, name);
            return field.found() == Known.NO ? null : field;
        }
        if (node instanceof CompilationUnit) {
            return staticallyImportedField(name, types.importsOf(node));
        }
        if (node instanceof CallableDeclaration<?> callable) {
            return parameter(callable.getParameters(), name);
        }
        if (node instanceof LambdaExpr lambda) {
            return parameter(lambda.getParameters(), name);
        }
        if (node instanceof CatchClause c && c.getParameter().getNameAsString().equals(name)) {
            return Lookup.of(types.resolve(c.getParameter().getType()));
        }
        if (node instanceof ForEachStmt loop && child != loop.getIterable()) {
            Lookup found = local(loop.getVariable(), name);
            if (found != null) {
                return found;
            }
        }
        if (node instanceof ForStmt loop) {
            for (Expression init : loop.getInitialization()) {
                Lookup found = init instanceof VariableDeclarationExpr v ? local(v, name) : null;
                if (found != null) {
                    return found;
                }
            }
        }
        if (node instanceof TryStmt t && (child == t.getTryBlock() || isOneOf(child, t.getResources()))) {
            for (Expression resource : t.getResources()) {
                if (resource == child) {
                    break;
                }
                Lookup found = resource instanceof VariableDeclarationExpr v ? local(v, name) : null;
                if (found != null) {
                    return found;
                }
            }
        }
        if (node instanceof NodeWithStatements<?> block) {
            Lookup found = declaredBefore(block.getStatements(), child, name);
            if (found != null) {
                return found;
            }
        }
        if (node instanceof SwitchNode sw) {   // an old-style switch block is one scope across its groups
            for (SwitchEntry entry : sw.getEntries()) {
                if (entry == child) {
                    break;
                }
                Lookup found = declaredBefore(entry.getStatements(), null, name);
                if (found != null) {
                    return found;
                }
            }
        }
        return patternVariable(node, child, name);
    }

    /** A local variable declared in {@code statements} before {@code child} (the nearest), or null. */
    private Lookup declaredBefore(List<Statement> statements, Node child, String name) {
        int end = statements.size();
        for (int i = 0; i < statements.size(); i++) {
            if (statements.get(i) == child) {
                end = i;
                break;
            }
        }
        for (int i = end - 1; i >= 0; i--) {
            Statement s = statements.get(i);
            if (s instanceof ExpressionStmt e && e.getExpression() instanceof VariableDeclarationExpr v) {
                Lookup found = local(v, name);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private Lookup local(VariableDeclarationExpr declaration, String name) {
        for (VariableDeclarator v : declaration.getVariables()) {
            if (v.getNameAsString().equals(name)) {
                if (isVar(v.getType())) {
                    return Lookup.of(v.getInitializer().map(this::typeOf).orElse(null));
                }
                return Lookup.of(types.resolve(v.getType()));
            }
        }
        return null;
    }

    /** {@code var}: JavaParser's raw level reads it as a class name, which no class can have since Java 10. */
    private static boolean isVar(Type type) {
        return type.isVarType() || type instanceof ClassOrInterfaceType c && c.getScope().isEmpty()
                && c.getTypeArguments().isEmpty() && c.getNameAsString().equals("var");
    }

    private Lookup parameter(List<Parameter> parameters, String name) {
        for (Parameter p : parameters) {
            if (p.getNameAsString().equals(name)) {
                // an implicitly typed lambda parameter: javac knows its type, the source does not
                return Lookup.of(p.isVarArgs() || p.getType().isUnknownType() ? null : types.resolve(p.getType()));
            }
        }
        return null;
    }

    /**
     * A pattern variable ({@code o instanceof Client c}) that may be in scope: where the source shows it is
     * ({@code if (o instanceof Client c) c.fetch();}, {@code a instanceof Client c && ...}, a switch case), its
     * type; elsewhere (flow scoping: {@code if (!(o instanceof Client c)) return;}) unknown.
     */
    private Lookup patternVariable(Node node, Node child, String name) {
        TypePatternExpr sure = null;
        if (node instanceof IfStmt s && child == s.getThenStmt()) {
            sure = whenTrue(s.getCondition(), name);
        } else if (node instanceof WhileStmt s && child == s.getBody()) {
            sure = whenTrue(s.getCondition(), name);
        } else if (node instanceof ForStmt s && child == s.getBody() && s.getCompare().isPresent()) {
            sure = whenTrue(s.getCompare().get(), name);
        } else if (node instanceof ConditionalExpr c && child == c.getThenExpr()) {
            sure = whenTrue(c.getCondition(), name);
        } else if (node instanceof BinaryExpr b && b.getOperator() == BinaryExpr.Operator.AND
                && child == b.getRight()) {
            sure = whenTrue(b.getLeft(), name);
        } else if (node instanceof SwitchEntry entry && !isOneOf(child, entry.getLabels())) {
            for (Expression label : entry.getLabels()) {
                sure = sure != null ? sure : patternNamed(label, name);
            }
        }
        if (sure != null) {
            return Lookup.of(types.resolve(sure.getType()));
        }
        for (Node other : node.getChildNodes()) {
            if (other != child && patternNamed(other, name) != null) {
                return Lookup.UNKNOWN;
            }
        }
        return null;
    }

    /** By identity: a NodeList's contains compares nodes by structure. */
    private static boolean isOneOf(Node node, List<? extends Node> nodes) {
        for (Node n : nodes) {
            if (n == node) {
                return true;
            }
        }
        return false;
    }

    /** The pattern variable {@code name} that {@code condition} binds when it is true, or null. */
    private static TypePatternExpr whenTrue(Expression condition, String name) {
        if (condition instanceof EnclosedExpr enclosed) {
            return whenTrue(enclosed.getInner(), name);
        }
        if (condition instanceof BinaryExpr b && b.getOperator() == BinaryExpr.Operator.AND) {
            TypePatternExpr left = whenTrue(b.getLeft(), name);
            return left != null ? left : whenTrue(b.getRight(), name);
        }
        if (condition instanceof InstanceOfExpr test && test.getPattern().isPresent()) {
            return patternNamed(test.getPattern().get(), name);
        }
        return null;
    }

    /** A pattern variable named {@code name} in {@code node}, not looking into lambdas and class bodies. */
    private static TypePatternExpr patternNamed(Node node, String name) {
        if (node instanceof TypePatternExpr p && p.getNameAsString().equals(name)) {
            return p;
        }
        if (node instanceof LambdaExpr || node instanceof LocalClassDeclarationStmt
                || node instanceof LocalRecordDeclarationStmt
                || node instanceof ObjectCreationExpr o && o.getAnonymousClassBody().isPresent()) {
            return null;
        }
        for (Node child : node.getChildNodes()) {
            TypePatternExpr p = patternNamed(child, name);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    /** A field that a static import brings in: {@code import static com.acme.Config.client;}. */
    private Lookup staticallyImportedField(String name, SourceChecker.Imports imports) {
        if (imports == null) {
            return Lookup.UNKNOWN;
        }
        for (String member : imports.staticMembers) {
            int dot = member.lastIndexOf('.');
            if (member.substring(dot + 1).equals(name)) {
                TypeInfo owner = types.byQualifiedName(member.substring(0, dot));
                Lookup field = owner == null ? Lookup.UNKNOWN : types.field(owner, name);
                return field.found() == Known.NO ? Lookup.UNKNOWN : field; // imports a method or a type of that name
            }
        }
        for (String type : imports.staticOnDemand) {
            TypeInfo owner = types.byQualifiedName(type);
            Lookup field = owner == null ? Lookup.UNKNOWN : types.field(owner, name);
            if (field.found() != Known.NO) {
                return field;
            }
        }
        return null;
    }
}
