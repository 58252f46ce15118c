package dev.weft.agent;

import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import net.bytebuddy.dynamic.loading.ClassInjector;

/**
 * Defines the coroutine frame classes of a rewritten class in its own class loader, before the class itself.
 *
 * <p>With the agent's {@link Instrumentation}, {@code java.lang} is opened to the agent alone and
 * {@code ClassLoader.defineClass} is called directly: a few microseconds per class. Without it (or where the
 * module cannot be opened), Byte Buddy's {@link ClassInjector} does the same; it is general but its first use
 * costs about half a second, which is why it is only the fallback (the agent's start-up overhead, issue #4).
 */
final class FrameClassDefiner {
    private final MethodHandle defineClass;

    private FrameClassDefiner(MethodHandle defineClass) {
        this.defineClass = defineClass;
    }

    /** A definer using {@code instrumentation} when it can, else Byte Buddy. */
    static FrameClassDefiner create(Instrumentation instrumentation) {
        if (instrumentation == null) {
            return new FrameClassDefiner(null);
        }
        try {
            Module javaBase = Object.class.getModule();
            Module agent = FrameClassDefiner.class.getModule();
            if (instrumentation.isModifiableModule(javaBase)) {
                instrumentation.redefineModule(javaBase, Set.of(), Map.of(), Map.of("java.lang", Set.of(agent)),
                        Set.of(), Map.of());
            }
            Method m = ClassLoader.class.getDeclaredMethod("defineClass", String.class, byte[].class, int.class,
                    int.class, ProtectionDomain.class);
            m.setAccessible(true);
            return new FrameClassDefiner(MethodHandles.lookup().unreflect(m));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return new FrameClassDefiner(null);
        }
    }

    /** Defines {@code classes} (internal name to bytes) in {@code loader}. */
    void define(ClassLoader loader, ProtectionDomain domain, Map<String, byte[]> classes) throws Throwable {
        if (classes.isEmpty()) {
            return;
        }
        if (defineClass != null) {
            for (Map.Entry<String, byte[]> e : classes.entrySet()) {
                byte[] bytes = e.getValue();
                Class<?> ignored = (Class<?>) defineClass.invokeExact(loader, e.getKey().replace('/', '.'), bytes, 0,
                        bytes.length, domain);
            }
            return;
        }
        Map<String, byte[]> byName = new LinkedHashMap<>();
        classes.forEach((internal, bytes) -> byName.put(internal.replace('/', '.'), bytes));
        ClassInjector injector;
        if (ClassInjector.UsingReflection.isAvailable()) {
            injector = new ClassInjector.UsingReflection(loader, domain);
        } else if (ClassInjector.UsingUnsafe.isAvailable()) {
            injector = new ClassInjector.UsingUnsafe(loader, domain);
        } else {
            throw new IllegalStateException("no way to define the coroutine frame classes in " + loader
                    + " on this JVM; rewrite this class at build time with dev.weft:async-maven-plugin");
        }
        injector.injectRaw(byName);
    }
}
