package dev.weft.agent.transform;

import java.util.List;
import java.util.Map;

/**
 * What {@link AsyncTransformer#transform} made of one class.
 *
 * @param className        the class, internal name ({@code com/acme/Foo})
 * @param bytes            the rewritten class file, or the input itself when {@link #changed()} is false
 * @param generatedClasses the classes the rewrite added (one coroutine frame per async method), by internal
 *                         name; they must be defined in the same class loader and package as the class, before
 *                         it is verified
 * @param rewrittenMethods the async methods rewritten, as {@code name+descriptor}
 * @param bodyMethods      for each rewritten method, the {@code name+descriptor} of the synthetic method that
 *                         holds its body
 */
public record TransformResult(String className, byte[] bytes, Map<String, byte[]> generatedClasses,
                              List<String> rewrittenMethods, Map<String, String> bodyMethods) {

    /** True when the class was rewritten. */
    public boolean changed() {
        return !rewrittenMethods.isEmpty();
    }

    static TransformResult unchanged(String className, byte[] bytes) {
        return new TransformResult(className, bytes, Map.of(), List.of(), Map.of());
    }
}
