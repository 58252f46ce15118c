package dev.weft.agent.transform;

import java.util.Map;

/**
 * A child class loader that defines classes from a map of class files (internal name to bytes), on demand or
 * when asked with {@link #define}. Its parent is the test class loader, which has the runtime; the map's
 * classes are in packages the parent does not have ({@code demo}), so parent-first delegation finds them here.
 */
final class MapClassLoader extends ClassLoader {
    private final Map<String, byte[]> classes;

    MapClassLoader(String name, Map<String, byte[]> classes, ClassLoader parent) {
        super(name, parent);
        this.classes = Map.copyOf(classes);
    }

    /** Defines (without linking or initializing) the class of {@code internalName}, if not defined yet. */
    Class<?> define(String internalName) throws ClassNotFoundException {
        return loadClass(internalName.replace('/', '.'));
    }

    /** The class files this loader defines from, by internal name. */
    Map<String, byte[]> classFiles() {
        return classes;
    }

    @Override
    protected Class<?> findClass(String binaryName) throws ClassNotFoundException {
        byte[] bytes = classes.get(binaryName.replace('.', '/'));
        if (bytes == null) {
            throw new ClassNotFoundException(binaryName);
        }
        return defineClass(binaryName, bytes, 0, bytes.length);
    }
}
