package dev.weft.test;

import dev.weft.runtime.EventLoop;
import dev.weft.runtime.VirtualClock;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

/**
 * The JUnit Jupiter extension behind {@link WeftTest @WeftTest} (or {@code @ExtendWith(WeftExtension.class)}, which
 * takes the defaults): before each test (each invocation of a {@code @ParameterizedTest}, each test of a
 * {@code @Nested} class) it makes a fresh {@link EventLoop}, in virtual time unless {@code @WeftTest(virtualTime =
 * false)}, in debug mode unless {@code debug = false}; the test's {@code @BeforeEach} methods, the test method and its
 * {@code @AfterEach} methods run their async bodies on it with {@link AsyncTest#runTest}. After the last {@code
 * @AfterEach} method it ends the test: the tasks still pending fail it (unless {@code allowPendingTasks = true}) and
 * are cancelled, the default executor's work is waited for, and the loop is closed; a failure nobody retrieved,
 * reported then, fails the test too.
 *
 * <p>A parameter of type {@link EventLoop} or {@link VirtualClock} of a test, {@code @BeforeEach} or {@code
 * @AfterEach} method gets the test's loop or its clock (the latter only in virtual time).
 */
public final class WeftExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver,
        InvocationInterceptor {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(WeftExtension.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        WeftTest settings = settingsOf(context);
        TestLoop loop = settings == null ? new TestLoop(true, false, true)
                : new TestLoop(settings.virtualTime(), settings.allowPendingTasks(), settings.debug());
        context.getStore(NAMESPACE).put(TestLoop.class, loop);
        TestLoop.CURRENT.set(loop);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        TestLoop loop = context.getStore(NAMESPACE).remove(TestLoop.class, TestLoop.class);
        TestLoop.CURRENT.remove();
        if (loop != null) {
            loop.finish();
        }
    }

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
            ExtensionContext extensionContext) throws Throwable {
        inTestMethod(invocation, extensionContext);
    }

    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation,
            ReflectiveInvocationContext<Method> invocationContext, ExtensionContext extensionContext) throws Throwable {
        inTestMethod(invocation, extensionContext);
    }

    /** A test method's bodies must leave no task pending; a lifecycle method's may (they live on into the test). */
    private static void inTestMethod(Invocation<Void> invocation, ExtensionContext context) throws Throwable {
        TestLoop loop = context.getStore(NAMESPACE).get(TestLoop.class, TestLoop.class);
        if (loop == null) {
            invocation.proceed();
            return;
        }
        TestLoop.CURRENT.set(loop); // the thread that runs the method: the same one, unless a timeout moved it
        loop.inTestMethod = true;
        try {
            invocation.proceed();
        } finally {
            loop.inTestMethod = false;
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == EventLoop.class || type == VirtualClock.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        TestLoop loop = extensionContext.getStore(NAMESPACE).get(TestLoop.class, TestLoop.class);
        if (loop == null) {
            throw new ParameterResolutionException("No Weft test loop for " + parameterContext.getParameter()
                    + ": the loop is made for each test, so it can be injected into test, @BeforeEach and @AfterEach"
                    + " methods only");
        }
        if (parameterContext.getParameter().getType() == EventLoop.class) {
            return loop.loop;
        }
        if (!loop.loop.hasVirtualTime()) {
            throw new ParameterResolutionException("The test's loop runs in real time (@WeftTest(virtualTime ="
                    + " false)): it has no VirtualClock to inject into " + parameterContext.getParameter());
        }
        return loop.loop.virtualClock();
    }

    /** The nearest {@link WeftTest}: on the test method, its class, or a class enclosing it; null for none. */
    private static WeftTest settingsOf(ExtensionContext context) {
        Optional<Method> method = context.getTestMethod();
        if (method.isPresent()) {
            WeftTest onMethod = find(method.get());
            if (onMethod != null) {
                return onMethod;
            }
        }
        for (Class<?> c = context.getRequiredTestClass(); c != null; c = c.getEnclosingClass()) {
            WeftTest onClass = find(c);
            if (onClass != null) {
                return onClass;
            }
        }
        return null;
    }

    private static WeftTest find(AnnotatedElement element) {
        return org.junit.platform.commons.support.AnnotationSupport.findAnnotation(element, WeftTest.class)
                .orElse(null);
    }
}
