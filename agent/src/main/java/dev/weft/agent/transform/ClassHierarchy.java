package dev.weft.agent.transform;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;

/**
 * Super classes and interfaces of classes, read from class files, never by loading classes: the transformer
 * needs them to type the values it saves across an await and to compute stack map frames, and it runs inside a
 * Java agent (where loading a class while another is being transformed is unsafe) and inside a Maven build
 * (where the project's classes are not on the build's class path).
 */
public final class ClassHierarchy {

    /** Where class files come from: the bytes of a class by internal name, or {@code null} when unknown. */
    @FunctionalInterface
    public interface ClassFileSource {
        byte[] find(String internalName);
    }

    private record Header(String superName, boolean isInterface, List<String> interfaces) {
    }

    private static final Header UNKNOWN = new Header("java/lang/Object", false, List.of());

    private final ClassFileSource source;
    private final Map<String, Header> headers = new ConcurrentHashMap<>();

    private ClassHierarchy(ClassFileSource source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    /** Class files found as resources of {@code loader} (the JDK's own through the platform's resources). */
    public static ClassHierarchy of(ClassLoader loader) {
        return new ClassHierarchy(resourcesOf(loader));
    }

    /**
     * Class files read as resources of {@code loader} (the platform loader when null), then of the system class
     * loader: the JDK's own classes come through either.
     */
    public static ClassFileSource resourcesOf(ClassLoader loader) {
        ClassLoader effective = loader != null ? loader : ClassLoader.getPlatformClassLoader();
        return name -> readResource(effective, name);
    }

    /** Class files from {@code source}. */
    public static ClassHierarchy of(ClassFileSource source) {
        return new ClassHierarchy(source);
    }

    /** A hierarchy that looks in {@code extra} (classes not yet defined anywhere) before this one's source. */
    public ClassHierarchy withClasses(Map<String, byte[]> extra) {
        Map<String, byte[]> copy = Map.copyOf(extra);
        return new ClassHierarchy(name -> {
            byte[] b = copy.get(name);
            return b != null ? b : source.find(name);
        });
    }

    private static byte[] readResource(ClassLoader loader, String internalName) {
        try (InputStream in = loader.getResourceAsStream(internalName + ".class")) {
            if (in != null) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            return null;
        }
        if (loader != ClassLoader.getSystemClassLoader()) {
            try (InputStream in = ClassLoader.getSystemResourceAsStream(internalName + ".class")) {
                return in == null ? null : in.readAllBytes();
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    private Header header(String internalName) {
        return headers.computeIfAbsent(internalName, name -> {
            byte[] bytes = source.find(name);
            if (bytes == null) {
                return UNKNOWN;
            }
            ClassReader reader = new ClassReader(bytes);
            String superName = reader.getSuperName();
            return new Header(superName, (reader.getAccess() & Opcodes.ACC_INTERFACE) != 0,
                    List.of(reader.getInterfaces()));
        });
    }

    /** Where this hierarchy reads class files from. */
    ClassFileSource source() {
        return source;
    }

    /** True when the class file of {@code internalName} was found. */
    public boolean isKnown(String internalName) {
        return header(internalName) != UNKNOWN;
    }

    /** The super class, or {@code null} for {@code java/lang/Object}; Object when the class is unknown. */
    public String superName(String internalName) {
        if ("java/lang/Object".equals(internalName)) {
            return null;
        }
        return header(internalName).superName();
    }

    public boolean isInterface(String internalName) {
        return header(internalName).isInterface();
    }

    /** True when a value of class {@code from} may be used where {@code to} is expected. */
    public boolean isAssignable(String to, String from) {
        if (to.equals(from) || "java/lang/Object".equals(to)) {
            return true;
        }
        if (isInterface(to)) {
            return implementsInterface(from, to);
        }
        for (String c = superName(from); c != null; c = superName(c)) {
            if (c.equals(to)) {
                return true;
            }
        }
        return false;
    }

    private boolean implementsInterface(String cls, String iface) {
        List<String> todo = new ArrayList<>();
        todo.add(cls);
        while (!todo.isEmpty()) {
            String c = todo.remove(todo.size() - 1);
            if (c.equals(iface)) {
                return true;
            }
            Header h = header(c);
            todo.addAll(h.interfaces());
            if (h.superName() != null && !"java/lang/Object".equals(c)) {
                todo.add(h.superName());
            }
        }
        return false;
    }

    /** The nearest common super class (Object for interfaces), as {@code ClassWriter.getCommonSuperClass}. */
    public String commonSuperClass(String a, String b) {
        if (isAssignable(a, b)) {
            return a;
        }
        if (isAssignable(b, a)) {
            return b;
        }
        if (isInterface(a) || isInterface(b)) {
            return "java/lang/Object";
        }
        for (String c = superName(a); c != null; c = superName(c)) {
            if (isAssignable(c, b)) {
                return c;
            }
        }
        return "java/lang/Object";
    }
}
