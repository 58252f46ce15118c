package dev.weft.maven;

import dev.weft.agent.transform.ClassHierarchy;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Class files of a Maven class path (directories and jars, in order) and then of the JDK (through the platform
 * class loader's resources), read as bytes: the transformer's hierarchy needs super types, and nothing of the
 * project may be loaded into Maven's JVM. Jars are opened on first use and closed by {@link #close()}.
 */
final class ClassPathSource implements ClassHierarchy.ClassFileSource, Closeable {
    private final List<Path> elements;
    private final Map<Path, ZipFile> openJars = new LinkedHashMap<>();
    private final ClassLoader platform = ClassLoader.getPlatformClassLoader();

    ClassPathSource(List<Path> elements) {
        this.elements = List.copyOf(elements);
    }

    @Override
    public byte[] find(String internalName) {
        String entry = internalName + ".class";
        try {
            for (Path element : elements) {
                if (Files.isDirectory(element)) {
                    Path file = element.resolve(entry);
                    if (Files.isRegularFile(file)) {
                        return Files.readAllBytes(file);
                    }
                } else if (Files.isRegularFile(element)) {
                    ZipFile jar = jar(element);
                    ZipEntry e = jar == null ? null : jar.getEntry(entry);
                    if (e != null) {
                        try (InputStream in = jar.getInputStream(e)) {
                            return in.readAllBytes();
                        }
                    }
                }
            }
            try (InputStream in = platform.getResourceAsStream(entry)) {
                return in == null ? null : in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + entry + " from the class path", e);
        }
    }

    /** The open jar, or null for a file on the class path that is not a zip (it cannot hold classes). */
    private synchronized ZipFile jar(Path path) {
        if (openJars.containsKey(path)) {
            return openJars.get(path);
        }
        ZipFile jar;
        try {
            jar = new ZipFile(path.toFile());
        } catch (IOException e) {
            jar = null;
        }
        openJars.put(path, jar);
        return jar;
    }

    @Override
    public synchronized void close() throws IOException {
        IOException first = null;
        for (ZipFile jar : new ArrayList<>(openJars.values())) {
            if (jar == null) {
                continue;
            }
            try {
                jar.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        openJars.clear();
        if (first != null) {
            throw first;
        }
    }
}
