package dev.weft.agent.transform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * How much bytecode the rewrite adds, per async method: its code before, the entry's and the body's after, and
 * its awaits. {@code main} prints the totals for directories of class files as javac wrote them:
 * {@code java -cp <agent test classpath> dev.weft.agent.transform.CodeGrowth target/classes}.
 */
final class CodeGrowth {
    /** One rewritten method. */
    record Method(String name, int awaits, int original, int entry, int body) {
        int written() {
            return entry + body;
        }
    }

    private CodeGrowth() {
    }

    /** Each async method of {@code result}, measured against the class javac wrote ({@code original}). */
    static List<Method> of(byte[] original, TransformResult result) {
        List<Method> methods = new ArrayList<>();
        if (!result.changed()) {
            return methods;
        }
        Map<String, Integer> before = CodeSizes.of(original);
        Map<String, Integer> after = CodeSizes.of(result.bytes());
        ClassNode node = new ClassNode();
        new ClassReader(original).accept(node, 0);
        for (String id : result.rewrittenMethods()) {
            int awaits = 0;
            for (MethodNode m : node.methods) {
                if ((m.name + m.desc).equals(id)) {
                    for (var n = m.instructions.getFirst(); n != null; n = n.getNext()) {
                        awaits += Names.isAwait(n) ? 1 : 0;
                    }
                }
            }
            methods.add(new Method(result.className() + "." + id, awaits, before.get(id), after.get(id),
                    after.get(result.bodyMethods().get(id))));
        }
        return methods;
    }

    static String summary(List<Method> methods) {
        long original = 0;
        long written = 0;
        long awaits = 0;
        double worst = 0;
        for (Method m : methods) {
            original += m.original();
            written += m.written();
            awaits += m.awaits();
            worst = Math.max(worst, (double) m.written() / m.original());
        }
        long entries = methods.stream().mapToLong(Method::entry).sum();
        return String.format("%d async methods, %d awaits, %,d bytes of code before, %,d after (entries %,d + "
                        + "bodies %,d): x%.2f overall, x%.2f for the worst method, %.0f bytes added per await",
                methods.size(), awaits, original, written, entries, written - entries, (double) written / original,
                worst, awaits == 0 ? 0.0 : (double) (written - original) / awaits);
    }

    public static void main(String[] args) throws IOException {
        List<Method> all = new ArrayList<>();
        for (String dir : args) {
            Map<String, byte[]> classes = new java.util.TreeMap<>();
            Path root = Path.of(dir);
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                    String name = root.relativize(f).toString().replace('\\', '/').replaceAll("\\.class$", "");
                    classes.put(name, Files.readAllBytes(f));
                }
            }
            AsyncTransformer transformer = new AsyncTransformer(
                    ClassHierarchy.of(CodeGrowth.class.getClassLoader()).withClasses(classes));
            for (Map.Entry<String, byte[]> e : classes.entrySet()) {
                all.addAll(of(e.getValue(), transformer.transform(e.getValue().clone())));
            }
        }
        System.out.println(summary(all));
    }
}
