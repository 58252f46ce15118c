package dev.weft.maven;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the last run left in a classes directory, so the next run reads again only the class files that changed
 * since: one line per class file, {@code path size lastModified sha256}, taken after the run wrote it.
 *
 * <p>A file whose size and time are those recorded is skipped without being read. One whose time changed but
 * whose content hash did not (a copy, a {@code touch}) is skipped once read. Anything else goes to the
 * transformer, which itself returns classes it rewrote before unchanged (they carry an invisible marker
 * annotation), so a lost or stale state file costs time, never correctness.
 *
 * <p>The file lives in {@code target/weft/}, one per goal ({@code instrument.state},
 * {@code instrument-test.state}); a first line with another stamp (another plugin version) discards it.
 */
final class InstrumentState {
    private static final String HEADER = "# weft instrument state v1 ";

    private record Entry(long size, long lastModified, String hash) {
    }

    private final String stamp;
    private final Map<String, Entry> entries;

    private InstrumentState(String stamp, Map<String, Entry> entries) {
        this.stamp = stamp;
        this.entries = entries;
    }

    /** The state saved in {@code file}, or an empty one when there is none, or it is unreadable or stale. */
    static InstrumentState load(Path file, String stamp) {
        Map<String, Entry> entries = new TreeMap<>();
        try {
            if (Files.isRegularFile(file)) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                if (!lines.isEmpty() && lines.get(0).equals(HEADER + stamp)) {
                    for (String line : lines.subList(1, lines.size())) {
                        String[] f = line.split("\t");
                        if (f.length == 4) {
                            entries.put(f[0], new Entry(Long.parseLong(f[1]), Long.parseLong(f[2]), f[3]));
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            entries.clear(); // a damaged state only costs a full run
        }
        return new InstrumentState(stamp, entries);
    }

    /** True when the file's size and modification time are those recorded: it was not touched since. */
    boolean isUnchanged(String key, BasicFileAttributes attributes) {
        Entry e = entries.get(key);
        return e != null && e.size() == attributes.size()
                && e.lastModified() == attributes.lastModifiedTime().toMillis();
    }

    /** True when the recorded content hash is that of {@code bytes}. */
    boolean hasContent(String key, byte[] bytes) {
        Entry e = entries.get(key);
        return e != null && e.hash().equals(sha256(bytes));
    }

    /** Records {@code file} as it is now on disk, with {@code bytes} as its content. */
    void record(String key, Path file, byte[] bytes) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        entries.put(key, new Entry(a.size(), a.lastModifiedTime().toMillis(), sha256(bytes)));
    }

    /** Forgets a file, so the next run looks at it again. */
    void forget(String key) {
        entries.remove(key);
    }

    /** Forgets the files not in {@code keys} (deleted since, or no longer included). */
    void retainOnly(Set<String> keys) {
        entries.keySet().retainAll(keys);
    }

    /** Writes the state, replacing the file atomically where the file system allows. */
    void save(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
            out.write(HEADER + stamp);
            out.newLine();
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                Entry v = e.getValue();
                out.write(e.getKey() + "\t" + v.size() + "\t" + v.lastModified() + "\t" + v.hash());
                out.newLine();
            }
        }
        try {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
