package dev.weft.agent;

import java.lang.instrument.Instrumentation;
import java.nio.ByteBuffer;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.Set;

/**
 * Defines the coroutine frame classes of a rewritten class in its own class loader, before the class itself.
 *
 * <p>With the agent's {@link Instrumentation}, {@code java.lang} is opened to the agent alone and
 * {@code ClassLoader.defineClass} is called directly: a few microseconds per class. Without it (a transformer made
 * by a test) the same works where {@code java.lang} is open to the agent already
 * ({@code --add-opens java.base/java.lang=ALL-UNNAMED}); elsewhere a rewrite that adds frame classes fails, is
 * reported as the agent's internal error, and the class loads unchanged.
 *
 * <p>Made at the first class the agent rewrites, never at start-up: opening the module and the method handle cost
 * about 5 ms in a JVM that is starting. (Byte Buddy's {@code ClassInjector} was the fallback once; the agent no
 * longer ships Byte Buddy but for its attach code, {@code byte-buddy-agent}: the 3,000 classes of the rest made the
 * agent jar 5 MB, and opening it cost every JVM about 8 ms.)
 */
final class FrameClassDefiner {
    private final MethodHandle defineClass;
    private final String unavailable;

    private FrameClassDefiner(MethodHandle defineClass, String unavailable) {
        this.defineClass = defineClass;
        this.unavailable = unavailable;
    }

    /** A definer using {@code instrumentation} to open {@code java.lang} when there is one. */
    static FrameClassDefiner create(Instrumentation instrumentation) {
        try {
            if (instrumentation != null) {
                Module javaBase = Object.class.getModule();
                Module agent = FrameClassDefiner.class.getModule();
                if (instrumentation.isModifiableModule(javaBase)) {
                    instrumentation.redefineModule(javaBase, Set.of(), Map.of(), Map.of("java.lang", Set.of(agent)),
                            Set.of(), Map.of());
                }
            }
            // ClassLoader.defineClass(String, ByteBuffer, ProtectionDomain): a heap buffer goes to the byte[]
            // overload. Found through a lookup in java.lang rather than getDeclaredMethod (which makes a Method of
            // each of ClassLoader's methods), and of this shape (four references in, one out) because the JDK has
            // its method handle forms made already: the byte[] overload's were spun at the first call, 1.5 to 3 ms
            // more in a starting JVM.
            MethodHandle define = MethodHandles.privateLookupIn(ClassLoader.class, MethodHandles.lookup())
                    .findVirtual(ClassLoader.class, "defineClass", MethodType.methodType(Class.class, String.class,
                            ByteBuffer.class, ProtectionDomain.class));
            return new FrameClassDefiner(define, null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return new FrameClassDefiner(null, e.toString());
        }
    }

    /** Defines {@code classes} (internal name to bytes) in {@code loader}. */
    void define(ClassLoader loader, ProtectionDomain domain, Map<String, byte[]> classes) throws Throwable {
        if (classes.isEmpty()) {
            return;
        }
        if (defineClass == null) {
            throw new IllegalStateException("no way to define the coroutine frame classes in " + loader
                    + " on this JVM (" + unavailable + "); rewrite this class at build time with "
                    + "dev.weft:async-maven-plugin");
        }
        for (Map.Entry<String, byte[]> e : classes.entrySet()) {
            byte[] bytes = e.getValue();
            String name = e.getKey().replace('/', '.');
            try {
                Class<?> ignored = (Class<?>) defineClass.invokeExact(loader, name, ByteBuffer.wrap(bytes), domain);
            } catch (LinkageError duplicate) {
                // the same class rewritten again in this loader (a definition that failed and is tried again, two
                // threads defining it at once): its frame classes, made from the same bytes, are there already
                if (!isLoaded(loader, name)) {
                    throw duplicate;
                }
            }
        }
    }

    private static boolean isLoaded(ClassLoader loader, String name) {
        try {
            Method m = ClassLoader.class.getDeclaredMethod("findLoadedClass", String.class);
            m.setAccessible(true);
            return m.invoke(loader, name) != null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
