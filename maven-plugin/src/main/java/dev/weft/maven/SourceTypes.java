package dev.weft.maven;

import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.NodeList;
import com.github.javaparser.ast.body.AnnotationDeclaration;
import com.github.javaparser.ast.body.AnnotationMemberDeclaration;
import com.github.javaparser.ast.body.BodyDeclaration;
import com.github.javaparser.ast.body.ClassOrInterfaceDeclaration;
import com.github.javaparser.ast.body.EnumConstantDeclaration;
import com.github.javaparser.ast.body.EnumDeclaration;
import com.github.javaparser.ast.body.FieldDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.Parameter;
import com.github.javaparser.ast.body.RecordDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.nodeTypes.NodeWithStatements;
import com.github.javaparser.ast.nodeTypes.NodeWithTypeParameters;
import com.github.javaparser.ast.stmt.LocalClassDeclarationStmt;
import com.github.javaparser.ast.stmt.LocalRecordDeclarationStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.type.ClassOrInterfaceType;
import com.github.javaparser.ast.type.Type;
import com.github.javaparser.ast.type.TypeParameter;
import dev.weft.agent.transform.ClassHierarchy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * What a type name means in the sources of a build, and what that type declares, as far as a check that matches
 * calls by name and argument count needs it: the classes and interfaces of the parsed source files (the only
 * place {@code @Async} is looked for) and, for every other name, the class files of the build (its own compiled
 * classes, its class path, the JDK), read with ASM and never loaded.
 *
 * <p>A simple type name is looked up in the order javac looks: type parameters, local classes, the enclosing
 * types and their member types (inherited ones too), the file's own types, single-type imports, the package,
 * on-demand imports, {@code java.lang}. What neither the sources nor the class files settle is {@code null}
 * ("unknown") or {@link Known#UNKNOWN}, so the check that asks can stay silent rather than guess.
 *
 * <pre>{@code
 * SourceTypes types = new SourceTypes(classPathSource);
 * units.forEach(types::add);                                      // every parsed file of the build
 * SourceTypes.TypeInfo client = types.resolve(variable.getType());
 * SourceTypes.Overloads o = types.overloads(client, "fetch", 1);  // fetch(x) called on a Client
 * }</pre>
 */
final class SourceTypes {

    /** Yes, no, or cannot tell from what the sources and class files show. */
    enum Known { YES, NO, UNKNOWN }

    /**
     * What a name (a variable, a field) was found to be: {@code YES} with its type, null when that is no class or
     * interface anybody knows; {@code NO} when there is no such name; {@code UNKNOWN} when the sources and class files
     * cannot tell.
     */
    record Lookup(Known found, TypeInfo type) {
        static final Lookup NONE = new Lookup(Known.NO, null);
        static final Lookup UNKNOWN = new Lookup(Known.UNKNOWN, null);

        static Lookup of(TypeInfo type) {
            return new Lookup(Known.YES, type);
        }
    }

    /**
     * One method, as overload resolution by arity needs it.
     *
     * @param isPrivate   private: not inherited, so not a member of a subclass (JLS 8.2)
     * @param declaration the source declaration; null for a method read from a class file
     */
    record Method(String name, int parameters, boolean varargs, boolean isPrivate, boolean async,
                  MethodDeclaration declaration) {
        boolean takes(int arguments) {
            return parameters == arguments || varargs && arguments >= parameters - 1;
        }
    }

    /**
     * The methods a call of a name with a number of arguments may mean in a type: those declared there or inherited
     * whose parameter count fits (the fixed-arity ones when there are any, as javac's first phases prefer them).
     *
     * @param complete false when part of the type's hierarchy is unknown, so another overload could exist
     */
    record Overloads(List<Method> applicable, boolean complete) {
        /** The {@code @Async} method the call means when every method it may mean is one; otherwise null. */
        Method async() {
            if (applicable.isEmpty()) {
                return null;
            }
            for (Method m : applicable) {
                if (!m.async()) {
                    return null;
                }
            }
            return applicable.get(0);
        }
    }

    /** A class or interface of the sources or of the class files. */
    abstract static class TypeInfo {
        private List<TypeInfo> supertypes;

        /** The methods declared here, not the inherited ones; no constructors. */
        abstract List<Method> methods();

        /** Whether a field {@code name} is declared here; a private one only counts when not {@code inherited}. */
        abstract boolean declaresField(String name, boolean inherited);

        /** The type of the field {@code name} declared here, or null when it is not a known class or interface. */
        abstract TypeInfo fieldType(String name);

        /** The member type {@code simple} declared here, not inherited, or null. */
        abstract TypeInfo declaredMemberType(String simple);

        abstract boolean isInterface();

        /** The direct super types, a class's super class first; a null element is a super type nobody knows. */
        abstract List<TypeInfo> computeSupertypes();

        final List<TypeInfo> supertypes() {
            if (supertypes == null) {
                supertypes = Collections.singletonList(null); // a cycle (javac refuses them) meets an unknown
                supertypes = computeSupertypes();
            }
            return supertypes;
        }

        /** The class {@code super.m()} names here, or null. */
        final TypeInfo superclass() {
            List<TypeInfo> supers = supertypes();
            return isInterface() || supers.isEmpty() ? null : supers.get(0);
        }
    }

    private static final String OBJECT = "java/lang/Object";

    private final ClassHierarchy.ClassFileSource classFiles;
    /** Top-level and member types of the sources, by internal name ({@code com/acme/Outer$Inner}). */
    private final Map<String, Declared> declaredByName = new HashMap<>();
    /** Every class body of the sources: type declarations, anonymous classes, enum constants with a body. */
    private final Map<Node, Declared> declaredByNode = new IdentityHashMap<>();
    private final Map<CompilationUnit, SourceChecker.Imports> imports = new IdentityHashMap<>();
    private final Map<String, Optional<TypeInfo>> compiled = new HashMap<>();

    SourceTypes(ClassHierarchy.ClassFileSource classFiles) {
        this.classFiles = classFiles;
    }

    /** Adds the types of one parsed file; a type of the same name read from a class file is shadowed. */
    void add(CompilationUnit unit) {
        SourceChecker.Imports unitImports = new SourceChecker.Imports(unit);
        imports.put(unit, unitImports);
        for (TypeDeclaration<?> type : unit.findAll(TypeDeclaration.class)) {
            Declared d = new Declared(type, type.getMembers(), unitImports);
            declaredByNode.put(type, d);
            String binary = SourceChecker.binaryName(type);
            if (binary != null) {
                declaredByName.put(binary.replace('.', '/'), d);
            }
        }
        for (ObjectCreationExpr anonymous : unit.findAll(ObjectCreationExpr.class)) {
            anonymous.getAnonymousClassBody().ifPresent(
                    body -> declaredByNode.put(anonymous, new Declared(anonymous, body, unitImports)));
        }
        for (EnumConstantDeclaration constant : unit.findAll(EnumConstantDeclaration.class)) {
            if (constant.getClassBody().isNonEmpty()) {
                declaredByNode.put(constant, new Declared(constant, constant.getClassBody(), unitImports));
            }
        }
    }

    /** The names of the {@code @Async} methods of the sources added. */
    Set<String> asyncMethodNames() {
        Set<String> names = new LinkedHashSet<>();
        for (Declared d : declaredByNode.values()) {
            for (Method m : d.methods()) {
                if (m.async()) {
                    names.add(m.name());
                }
            }
        }
        return names;
    }

    /** The imports of the file {@code node} is in. */
    SourceChecker.Imports importsOf(Node node) {
        return node.findCompilationUnit().map(imports::get).orElse(null);
    }

    /**
     * The class body {@code node} opens for {@code child}: the type declared by a type declaration, an anonymous
     * class or an enum constant with a body, when {@code child} is one of its members; otherwise null (a type's
     * header, a constructor call's arguments and anything else are outside the body).
     */
    TypeInfo classBodyAt(Node node, Node child) {
        Declared d = declaredByNode.get(node);
        return d != null && child instanceof BodyDeclaration<?> ? d : null;
    }

    /** The type a type declaration, an anonymous class or an enum constant's body declares, or null. */
    TypeInfo declared(Node node) {
        return declaredByNode.get(node);
    }

    /** The class or interface {@code type} names where it is written, or null (a primitive, an array, unknown). */
    TypeInfo resolve(Type type) {
        if (!(type instanceof ClassOrInterfaceType classType)) {
            return null;
        }
        Optional<ClassOrInterfaceType> scope = classType.getScope();
        if (scope.isEmpty()) {
            return resolveSimple(classType.getNameAsString(), classType);
        }
        TypeInfo outer = resolve(scope.get());
        return outer != null ? memberType(outer, classType.getNameAsString())
                : byQualifiedName(classType.getNameWithScope()); // the scope is a package
    }

    /** What a dotted name written at {@code at} means as a type ({@code Outer.Inner}, {@code com.acme.Foo}). */
    TypeInfo resolveName(String dotted, Node at) {
        String[] parts = dotted.split("\\.");
        TypeInfo type = resolveSimple(parts[0], at);
        if (type == null) {
            return byQualifiedName(dotted);
        }
        for (int i = 1; i < parts.length && type != null; i++) {
            type = memberType(type, parts[i]);
        }
        return type;
    }

    /** What the simple type name {@code simple} means at {@code at}, or null. */
    TypeInfo resolveSimple(String simple, Node at) {
        Node child = at;
        for (Node node = SourceChecker.parent(at); node != null; child = node, node = SourceChecker.parent(node)) {
            if (node instanceof NodeWithTypeParameters<?> generic) {
                for (TypeParameter p : generic.getTypeParameters()) {
                    if (p.getNameAsString().equals(simple)) {
                        return null; // a type variable: its bound is not looked at
                    }
                }
            }
            TypeInfo body = classBodyAt(node, child);
            if (body != null) {
                if (node instanceof TypeDeclaration<?> type && type.getNameAsString().equals(simple)) {
                    return body;
                }
                TypeInfo member = memberType(body, simple);
                if (member != null) {
                    return member;
                }
            }
            if (node instanceof NodeWithStatements<?> block) {
                for (Statement statement : block.getStatements()) {
                    if (statement == child) {
                        break; // a local class is in scope from its declaration on
                    }
                    TypeDeclaration<?> local = statement instanceof LocalClassDeclarationStmt c
                            ? c.getClassDeclaration()
                            : statement instanceof LocalRecordDeclarationStmt r ? r.getRecordDeclaration() : null;
                    if (local != null && local.getNameAsString().equals(simple)) {
                        return declaredByNode.get(local);
                    }
                }
            }
            if (node instanceof CompilationUnit unit) {
                for (TypeDeclaration<?> type : unit.getTypes()) {
                    if (type.getNameAsString().equals(simple)) {
                        return declaredByNode.get(type);
                    }
                }
                return imported(simple, imports.get(unit));
            }
        }
        return null;
    }

    /** A simple name as the imports, the package and {@code java.lang} make it mean. */
    private TypeInfo imported(String simple, SourceChecker.Imports unitImports) {
        if (unitImports == null) {
            return null;
        }
        String single = unitImports.singleType(simple);
        if (single != null) {
            return byQualifiedName(single);
        }
        String pkg = unitImports.packageName;
        TypeInfo samePackage = byQualifiedName(pkg.isEmpty() ? simple : pkg + "." + simple);
        if (samePackage != null) {
            return samePackage;
        }
        TypeInfo found = null;
        for (String onDemand : unitImports.typesOnDemand) {
            TypeInfo t = byQualifiedName(onDemand + "." + simple);
            if (t != null) {
                if (found != null && found != t) {
                    return null; // ambiguous; javac would have refused it unless it is never used
                }
                found = t;
            }
        }
        return found != null ? found : byQualifiedName("java.lang." + simple);
    }

    /** The member type {@code simple} of {@code type}, declared there or inherited, or null. */
    TypeInfo memberType(TypeInfo type, String simple) {
        for (TypeInfo t : hierarchy(type)) {
            TypeInfo member = t == null ? null : t.declaredMemberType(simple);
            if (member != null) {
                return member;
            }
        }
        return null;
    }

    /**
     * A class or interface by its canonical name ({@code com.acme.Outer.Inner}): from the sources, else from the
     * class files, where each dot from the right may stand for a nesting ({@code com/acme/Outer$Inner}).
     */
    TypeInfo byQualifiedName(String dotted) {
        String candidate = dotted.replace('.', '/');
        while (true) {
            TypeInfo t = byInternalName(candidate);
            if (t != null) {
                return t;
            }
            int slash = candidate.lastIndexOf('/');
            if (slash < 0) {
                return null;
            }
            candidate = candidate.substring(0, slash) + "$" + candidate.substring(slash + 1);
        }
    }

    /** A class or interface by its internal name, from the sources first, or null. */
    TypeInfo byInternalName(String internalName) {
        Declared declared = declaredByName.get(internalName);
        if (declared != null) {
            return declared;
        }
        return compiled.computeIfAbsent(internalName, name -> Optional.ofNullable(readClassFile(name))).orElse(null);
    }

    /**
     * The methods named {@code name} that a call with {@code arguments} arguments may mean on {@code type},
     * declared there or inherited.
     */
    Overloads overloads(TypeInfo type, String name, int arguments) {
        List<Method> fixed = new ArrayList<>();
        List<Method> variable = new ArrayList<>();
        boolean complete = true;
        for (TypeInfo t : hierarchy(type)) {
            if (t == null) {
                complete = false;
                continue;
            }
            for (Method m : t.methods()) {
                if (m.name().equals(name) && m.takes(arguments) && (t == type || !m.isPrivate())) {
                    (m.parameters() == arguments ? fixed : variable).add(m);
                }
            }
        }
        return new Overloads(fixed.isEmpty() ? variable : fixed, complete);
    }

    /** Whether {@code type} has a method named {@code name}, declared or inherited, whatever its parameters. */
    Known hasMethodNamed(TypeInfo type, String name) {
        boolean complete = true;
        for (TypeInfo t : hierarchy(type)) {
            if (t == null) {
                complete = false;
                continue;
            }
            for (Method m : t.methods()) {
                if (m.name().equals(name) && (t == type || !m.isPrivate())) {
                    return Known.YES;
                }
            }
        }
        return complete ? Known.NO : Known.UNKNOWN;
    }

    /** The field {@code name} of {@code type}, declared there or inherited (the nearest one). */
    Lookup field(TypeInfo type, String name) {
        boolean complete = true;
        for (TypeInfo t : hierarchy(type)) {
            if (t == null) {
                complete = false;
            } else if (t.declaresField(name, t != type)) {
                return Lookup.of(t.fieldType(name));
            }
        }
        return complete ? Lookup.NONE : Lookup.UNKNOWN;
    }

    /** {@code type} and its super types, nearest first, each once; null for each super type nobody knows. */
    private static List<TypeInfo> hierarchy(TypeInfo type) {
        List<TypeInfo> all = new ArrayList<>();
        Set<TypeInfo> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<TypeInfo> queue = new ArrayDeque<>();
        queue.add(type);
        seen.add(type);
        while (!queue.isEmpty()) {
            TypeInfo t = queue.poll();
            all.add(t);
            for (TypeInfo s : t.supertypes()) {
                if (s == null) {
                    all.add(null);
                } else if (seen.add(s)) {
                    queue.add(s);
                }
            }
        }
        return all;
    }

    /** A class body of the sources: a type declaration, an anonymous class, an enum constant's body. */
    private final class Declared extends TypeInfo {
        private final Node node;
        private final List<BodyDeclaration<?>> members;
        private final SourceChecker.Imports unitImports;
        private List<Method> methods;

        Declared(Node node, List<BodyDeclaration<?>> members, SourceChecker.Imports unitImports) {
            this.node = node;
            this.members = members;
            this.unitImports = unitImports;
        }

        @Override
        List<Method> methods() {
            if (methods == null) {
                List<Method> list = new ArrayList<>();
                for (BodyDeclaration<?> member : members) {
                    if (member instanceof MethodDeclaration m) {
                        NodeList<Parameter> parameters = m.getParameters();
                        boolean varargs = parameters.isNonEmpty() && parameters.get(parameters.size() - 1).isVarArgs();
                        list.add(new Method(m.getNameAsString(), parameters.size(), varargs, m.isPrivate(),
                                SourceChecker.isAsync(m, unitImports), m));
                    } else if (member instanceof AnnotationMemberDeclaration m) {
                        list.add(new Method(m.getNameAsString(), 0, false, false, false, null));
                    }
                }
                if (node instanceof RecordDeclaration record) {
                    for (Parameter component : record.getParameters()) {
                        list.add(new Method(component.getNameAsString(), 0, false, false, false, null)); // accessor
                    }
                }
                if (node instanceof EnumDeclaration) {
                    list.add(new Method("values", 0, false, false, false, null));
                    list.add(new Method("valueOf", 1, false, false, false, null));
                }
                methods = list;
            }
            return methods;
        }

        @Override
        boolean declaresField(String name, boolean inherited) {
            Node declaration = fieldDeclaration(name);
            if (declaration instanceof VariableDeclarator v && inherited
                    && SourceChecker.parent(v) instanceof FieldDeclaration field && field.isPrivate()) {
                return false;
            }
            return declaration != null && !(inherited && declaration instanceof Parameter); // a component is private
        }

        @Override
        TypeInfo fieldType(String name) {
            Node declaration = fieldDeclaration(name);
            if (declaration instanceof VariableDeclarator variable) {
                return resolve(variable.getType());
            }
            if (declaration instanceof Parameter component) {
                return resolve(component.getType());
            }
            return this; // an enum constant is of its enum's type
        }

        /** The variable, record component or enum constant named {@code name} declared here, or null. */
        private Node fieldDeclaration(String name) {
            for (BodyDeclaration<?> member : members) {
                if (member instanceof FieldDeclaration field) {
                    for (VariableDeclarator variable : field.getVariables()) {
                        if (variable.getNameAsString().equals(name)) {
                            return variable;
                        }
                    }
                }
            }
            if (node instanceof RecordDeclaration record) {
                for (Parameter component : record.getParameters()) {
                    if (component.getNameAsString().equals(name)) {
                        return component;
                    }
                }
            }
            if (node instanceof EnumDeclaration e) {
                for (EnumConstantDeclaration constant : e.getEntries()) {
                    if (constant.getNameAsString().equals(name)) {
                        return constant;
                    }
                }
            }
            return null;
        }

        @Override
        TypeInfo declaredMemberType(String simple) {
            for (BodyDeclaration<?> member : members) {
                if (member instanceof TypeDeclaration<?> type && type.getNameAsString().equals(simple)) {
                    return declaredByNode.get(type);
                }
            }
            return null;
        }

        @Override
        boolean isInterface() {
            return node instanceof ClassOrInterfaceDeclaration c && c.isInterface()
                    || node instanceof AnnotationDeclaration;
        }

        @Override
        List<TypeInfo> computeSupertypes() {
            List<TypeInfo> supers = new ArrayList<>();
            if (node instanceof ClassOrInterfaceDeclaration c) {
                if (c.isInterface()) {
                    c.getExtendedTypes().forEach(t -> supers.add(resolve(t)));
                    supers.add(byInternalName(OBJECT)); // an interface has Object's public methods
                } else {
                    supers.add(c.getExtendedTypes().isEmpty() ? byInternalName(OBJECT)
                            : resolve(c.getExtendedTypes().get(0)));
                    c.getImplementedTypes().forEach(t -> supers.add(resolve(t)));
                }
            } else if (node instanceof EnumDeclaration e) {
                supers.add(byInternalName("java/lang/Enum"));
                e.getImplementedTypes().forEach(t -> supers.add(resolve(t)));
            } else if (node instanceof RecordDeclaration r) {
                supers.add(byInternalName("java/lang/Record"));
                r.getImplementedTypes().forEach(t -> supers.add(resolve(t)));
            } else if (node instanceof AnnotationDeclaration) {
                supers.add(byInternalName("java/lang/annotation/Annotation"));
                supers.add(byInternalName(OBJECT));
            } else if (node instanceof ObjectCreationExpr anonymous) {
                TypeInfo created = resolve(anonymous.getType());
                if (created != null && created.isInterface()) {
                    supers.add(byInternalName(OBJECT));
                }
                supers.add(created);
            } else if (node instanceof EnumConstantDeclaration constant) {
                supers.add(SourceChecker.parent(constant) instanceof EnumDeclaration e ? declaredByNode.get(e) : null);
            }
            return supers;
        }

        @Override
        public String toString() {
            return node instanceof TypeDeclaration<?> t ? t.getNameAsString() : "a class body";
        }
    }

    /** A class or interface read from its class file. */
    private final class Compiled extends TypeInfo {
        private final String internalName;
        private boolean isInterface;
        private String superName;
        private final List<String> interfaces = new ArrayList<>();
        private final List<Method> methods = new ArrayList<>();
        private final Map<String, String> fieldDescriptors = new HashMap<>();
        private final Set<String> privateFields = new HashSet<>();
        private final Map<String, String> memberTypes = new HashMap<>();

        Compiled(String internalName) {
            this.internalName = internalName;
        }

        @Override
        List<Method> methods() {
            return methods;
        }

        @Override
        boolean declaresField(String name, boolean inherited) {
            return fieldDescriptors.containsKey(name) && !(inherited && privateFields.contains(name));
        }

        @Override
        TypeInfo fieldType(String name) {
            String descriptor = fieldDescriptors.get(name);
            return descriptor != null && descriptor.startsWith("L")
                    ? byInternalName(descriptor.substring(1, descriptor.length() - 1)) : null;
        }

        @Override
        TypeInfo declaredMemberType(String simple) {
            String member = memberTypes.get(simple);
            return member == null ? null : byInternalName(member);
        }

        @Override
        boolean isInterface() {
            return isInterface;
        }

        @Override
        List<TypeInfo> computeSupertypes() {
            List<TypeInfo> supers = new ArrayList<>();
            if (superName != null) {
                supers.add(byInternalName(superName));
            }
            for (String i : interfaces) {
                supers.add(byInternalName(i));
            }
            if (isInterface) {
                supers.add(byInternalName(OBJECT));
            }
            return supers;
        }

        @Override
        public String toString() {
            return internalName;
        }
    }

    /** The class file's methods, fields, member types and super types; null when there is no such class file. */
    private TypeInfo readClassFile(String internalName) {
        byte[] bytes;
        try {
            bytes = classFiles.find(internalName);
        } catch (RuntimeException e) {
            return null; // an unreadable jar: the name stays unknown
        }
        if (bytes == null) {
            return null;
        }
        Compiled type = new Compiled(internalName);
        try {
            new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
                @Override
                public void visit(int version, int access, String name, String signature, String superName,
                                  String[] interfaces) {
                    type.isInterface = (access & Opcodes.ACC_INTERFACE) != 0;
                    type.superName = superName;
                    if (interfaces != null) {
                        type.interfaces.addAll(List.of(interfaces));
                    }
                }

                @Override
                public void visitInnerClass(String name, String outerName, String innerName, int access) {
                    if (internalName.equals(outerName) && innerName != null) {
                        type.memberTypes.put(innerName, name);
                    }
                }

                @Override
                public FieldVisitor visitField(int access, String name, String descriptor, String signature,
                                               Object value) {
                    if ((access & Opcodes.ACC_SYNTHETIC) == 0) {
                        type.fieldDescriptors.put(name, descriptor);
                        if ((access & Opcodes.ACC_PRIVATE) != 0) {
                            type.privateFields.add(name);
                        }
                    }
                    return null;
                }

                @Override
                public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                                 String[] exceptions) {
                    // bridges and the transformer's synthetic bodies are no method a source calls
                    if ((access & (Opcodes.ACC_SYNTHETIC | Opcodes.ACC_BRIDGE)) == 0 && !name.startsWith("<")) {
                        type.methods.add(new Method(name, org.objectweb.asm.Type.getArgumentTypes(descriptor).length,
                                (access & Opcodes.ACC_VARARGS) != 0, (access & Opcodes.ACC_PRIVATE) != 0, false, null));
                    }
                    return null;
                }
            }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        } catch (RuntimeException e) {
            return null; // not a class file ASM can read
        }
        return type;
    }
}
