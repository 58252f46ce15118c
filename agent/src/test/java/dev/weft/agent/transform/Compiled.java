package dev.weft.agent.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * A compiled program loaded in its own class loader: transformed ({@link AsyncTestSupport#transformed}) or as javac
 * wrote it ({@link AsyncTestSupport#untransformed}). Calls go through reflection and throw what the called method
 * threw, the original object ({@link InvocationTargetException} is unwrapped).
 */
final class Compiled {
    private final Compilation javac;
    private final Map<String, TransformResult> results;
    private final MapClassLoader loader;

    Compiled(Compilation javac, Map<String, TransformResult> results, MapClassLoader loader) {
        this.javac = javac;
        this.results = results;
        this.loader = loader;
    }

    /** javac's output, before the transformation. */
    Compilation javac() {
        return javac;
    }

    ClassLoader loader() {
        return loader;
    }

    /** Every class file the loader defines from (hosts and generated classes), by internal name. */
    Map<String, byte[]> classFiles() {
        return loader.classFiles();
    }

    /** The transformer's answer for a class javac wrote. */
    TransformResult result(String internalName) {
        TransformResult r = results.get(internalName);
        assertNotNull(r, () -> "no transform result for " + internalName + "; have " + results.keySet());
        return r;
    }

    /** The loaded class file of {@code internalName}, parsed. */
    ClassNode classNode(String internalName) {
        byte[] bytes = loader.classFiles().get(internalName);
        assertNotNull(bytes, () -> "no class " + internalName + "; have " + loader.classFiles().keySet());
        return AsyncTestSupport.classNode(bytes);
    }

    /** The only method called {@code name} in the loaded {@code internalName}, not counting the synthetic body. */
    MethodNode method(String internalName, String name) {
        List<MethodNode> found = new ArrayList<>();
        for (MethodNode m : classNode(internalName).methods) {
            if (m.name.equals(name) && (m.access & org.objectweb.asm.Opcodes.ACC_SYNTHETIC) == 0) {
                found.add(m);
            }
        }
        assertEquals(1, found.size(), () -> "methods called " + name + " in " + internalName);
        return found.get(0);
    }

    /**
     * The synthetic method that holds the rewritten body of {@code asyncMethod}: the same name, the method's own
     * parameters followed by {@code (frame, sent, thrown)}.
     */
    MethodNode bodyMethod(String internalName, String asyncMethod) {
        List<MethodNode> found = new ArrayList<>();
        List<String> all = new ArrayList<>();
        for (MethodNode m : classNode(internalName).methods) {
            all.add(m.name + m.desc);
            if (m.name.equals(asyncMethod) && (m.access & org.objectweb.asm.Opcodes.ACC_SYNTHETIC) != 0
                    && m.desc.endsWith(";Ljava/lang/Object;Ljava/lang/Throwable;)Ljava/lang/Object;")) {
                found.add(m);
            }
        }
        assertEquals(1, found.size(), () -> "body methods " + asyncMethod + "(..., frame, sent, thrown) in "
                + internalName + "; its methods: " + all);
        return found.get(0);
    }

    /** The loaded class of binary name {@code className} ({@code demo.Foo$Inner}; slashes are accepted too). */
    Class<?> type(String className) {
        try {
            return Class.forName(className.replace('/', '.'), false, loader);
        } catch (ClassNotFoundException e) {
            return fail("no class " + className + " in " + loader.classFiles().keySet(), e);
        }
    }

    /** Calls the static method {@code method} of {@code className} on this thread. */
    Object call(String className, String method, Object... args) {
        Method m = (Method) find(type(className), method, true, args);
        return invokeMethod(m, null, args);
    }

    /** Calls the instance method {@code method} (declared in the target's class or a super type). */
    Object invoke(Object target, String method, Object... args) {
        Method m = (Method) find(target.getClass(), method, false, args);
        return invokeMethod(m, target, args);
    }

    /** A new instance of {@code className}. */
    Object newInstance(String className, Object... args) {
        Constructor<?> c = (Constructor<?>) find(type(className), "<init>", false, args);
        try {
            c.setAccessible(true);
            return c.newInstance(args);
        } catch (InvocationTargetException e) {
            throw AsyncTestSupport.sneakyThrow(e.getCause());
        } catch (ReflectiveOperationException e) {
            return fail(e);
        }
    }

    /**
     * {@code EventLoop.run(() -> className.method(args))} on a fresh thread: the result of the task the method
     * returns, or its exception.
     */
    <T> T run(String className, String method, Object... args) {
        return AsyncTestSupport.onLoop(() -> call(className, method, args));
    }

    /** As {@link #run}, and asserts that the call returned a future that was not done yet: the body suspended. */
    <T> T runSuspending(String className, String method, Object... args) {
        return AsyncTestSupport.onLoop(() -> {
            Object returned = call(className, method, args);
            assertPending(returned, method + " should have suspended at an await of a future that was not done");
            return returned;
        });
    }

    /** Fails unless {@code future} is a future (or stage) that is not done. */
    static void assertPending(Object future, String message) {
        if (future instanceof java.util.concurrent.Future<?> f) {
            assertFalse(f.isDone(), message);
        } else if (future instanceof CompletionStage<?> stage) {
            assertFalse(stage.toCompletableFuture().isDone(), message);
        } else {
            fail(message + ": the call returned " + future + ", not a future");
        }
    }

    private static Object invokeMethod(Method m, Object target, Object[] args) {
        try {
            m.setAccessible(true);
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw AsyncTestSupport.sneakyThrow(e.getCause());
        } catch (IllegalAccessException e) {
            return fail(e);
        }
    }

    private static Executable find(Class<?> type, String name, boolean wantStatic, Object[] args) {
        List<Executable> candidates = new ArrayList<>();
        List<Class<?>> types = new ArrayList<>();
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            types.add(c);
        }
        if (!"<init>".equals(name)) {
            types.addAll(Arrays.asList(type.getInterfaces()));
        } else {
            types = List.of(type);
        }
        for (Class<?> c : types) {
            Executable[] declared = "<init>".equals(name) ? c.getDeclaredConstructors() : c.getDeclaredMethods();
            for (Executable e : declared) {
                boolean named = "<init>".equals(name) || e.getName().equals(name);
                if (named && !e.isSynthetic() && Modifier.isStatic(e.getModifiers()) == wantStatic
                        && accepts(e.getParameterTypes(), args)) {
                    candidates.add(e);
                }
            }
            if (!candidates.isEmpty()) {
                break;
            }
        }
        if (candidates.size() != 1) {
            fail((candidates.isEmpty() ? "no " : "more than one ") + (wantStatic ? "static " : "") + "method "
                    + name + " of " + type.getName() + " takes " + Arrays.toString(args) + ": " + candidates);
        }
        return candidates.get(0);
    }

    private static boolean accepts(Class<?>[] parameters, Object[] args) {
        if (parameters.length != args.length) {
            return false;
        }
        for (int i = 0; i < parameters.length; i++) {
            Class<?> p = parameters[i].isPrimitive() ? boxed(parameters[i]) : parameters[i];
            if (args[i] == null ? parameters[i].isPrimitive() : !p.isInstance(args[i])) {
                return false;
            }
        }
        return true;
    }

    private static Class<?> boxed(Class<?> primitive) {
        return java.lang.invoke.MethodType.methodType(primitive).wrap().returnType();
    }
}
