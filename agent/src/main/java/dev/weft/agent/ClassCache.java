package dev.weft.agent;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.Adler32;
import java.util.zip.CRC32;

/**
 * The agent's persistent cache of rewritten classes ({@code cache=DIR}, see {@link AgentOptions}): a JVM that
 * loads a class file the agent rewrote in an earlier JVM takes the result from here, checksums and a file read,
 * instead of rewriting it (10 to 20 ms a class in a JVM that is starting).
 *
 * <p><b>What is kept.</b> Only for candidates (classes whose constant pool names {@code @Async} or {@code Await};
 * no other class is ever hashed), one file per class file: the class file itself, what the rewrite made of it (the
 * rewritten class, the frame classes it adds and the methods it rewrote; or its refusals, each message as it was
 * reported; or nothing to do), and the class files the rewrite read beside it, each by name and hash (absent ones
 * too).
 *
 * <p><b>When an entry is used.</b> Entries live under {@code DIR/<key>/}, the key a hash of this agent's build id
 * (a new build never reads an older one's entries), of the options that change the output ({@code debugLocals}),
 * and of the JDK's version and vendor. Within it an entry is named after the class file's CRC-32, Adler-32 and
 * length, and used only when its length and trailing CRC-32 match its contents (a truncated or damaged file is a
 * miss), the class file it holds is byte for byte the one being loaded (a checksum is no proof), and every class
 * file it read is still what it was ({@link ContentHash}; read through the loader again, once per loader; the JDK's
 * own, {@code java/...}, are covered by the key). Otherwise the class is rewritten and the entry replaced.
 *
 * <p><b>Writing.</b> Into a new file of its own beside the entry (created exclusively, named after the JVM's pid,
 * the time and a counter), then renamed over the entry: readers see the old entry or the new one, never part of
 * one, whatever other JVMs do at the same time. The first failure to read or write (other than a missing or damaged
 * entry) is reported once, and the cache is then off for the rest of the JVM: classes are rewritten as without it.
 *
 * <p><b>Cost.</b> This runs while the JVM starts, interpreted: no {@code MessageDigest}, no NIO but the move that
 * replaces an entry on a system where renaming does not, no lambdas or string concatenation through
 * {@code invokedynamic}. A hit is about 0.3 ms in a cold JDK 17 (the name's checksums, a stat, a read, the entry's
 * CRC, the comparison of the class file).
 */
final class ClassCache {
    static final String FORMAT = "weft-class-cache 1";
    private static final byte[] MAGIC = {'W', 'E', 'F', 'T', 'C', 'C', '0', '1'};
    /** The CRC-32 of all that precedes it. */
    private static final int TRAILER = 4;
    /** No entry is this large: a larger length is damage. */
    private static final int MAX_ENTRY = 64 << 20;

    static final byte UNCHANGED = 0;
    static final byte REWRITTEN = 1;
    static final byte REFUSED = 2;

    /** What a rewrite made of a class file, as kept. */
    static final class Entry {
        final byte kind;
        final byte[] bytes;
        final Map<String, byte[]> frames;
        final List<String> methods;
        final List<String> reasons;
        /** Class files read, by internal name: their hash, or null when not found. */
        final Map<String, ContentHash> read;

        Entry(byte kind, byte[] bytes, Map<String, byte[]> frames, List<String> methods, List<String> reasons,
              Map<String, ContentHash> read) {
            this.kind = kind;
            this.bytes = bytes;
            this.frames = frames;
            this.methods = methods;
            this.reasons = reasons;
            this.read = read;
        }

        static Entry unchanged(Map<String, ContentHash> read) {
            return new Entry(UNCHANGED, null, Map.of(), List.of(), List.of(), read);
        }

        static Entry rewritten(byte[] bytes, Map<String, byte[]> frames, List<String> methods,
                               Map<String, ContentHash> read) {
            return new Entry(REWRITTEN, bytes, frames, methods, List.of(), read);
        }

        static Entry refused(List<String> reasons, Map<String, ContentHash> read) {
            return new Entry(REFUSED, null, Map.of(), List.of(), reasons, read);
        }
    }

    private final File root;
    private final File dir;
    private final String key;
    private final byte[] keyBytes;
    private final AgentReporter reporter;
    private final String pid;
    private final AtomicLong temporaries = new AtomicLong();
    private volatile boolean off;
    /** The entries' directory exists (asked once). */
    private volatile boolean dirReady;

    final AtomicLong hits = new AtomicLong();
    final AtomicLong misses = new AtomicLong();
    final AtomicLong written = new AtomicLong();
    final AtomicLong damaged = new AtomicLong();

    /**
     * The cache in {@code root} for this agent build ({@code buildId}) with {@code options}, on this JDK. Nothing
     * is touched on disk until the first class.
     */
    ClassCache(File root, String buildId, AgentOptions options, AgentReporter reporter) {
        this.root = root;
        this.key = FORMAT + "\n" + buildId + "\ndebugLocals=" + options.debugLocals() + "\n"
                + System.getProperty("java.runtime.version") + "\n" + System.getProperty("java.vm.vendor") + "\n"
                + System.getProperty("java.vm.version");
        this.keyBytes = key.getBytes(StandardCharsets.UTF_8);
        this.dir = new File(root, ContentHash.hex(ContentHash.of(keyBytes).high));
        this.reporter = reporter;
        this.pid = AgentStatus.pid();
    }

    File root() {
        return root;
    }

    /** Where the entries of this agent build, options and JDK live. */
    File directory() {
        return dir;
    }

    boolean isOff() {
        return off;
    }

    /**
     * The entry's file: named after the class file's CRC-32, Adler-32 and length. Two class files with one name
     * only take each other's place (the entry holds its class file, compared byte for byte).
     */
    private File fileOf(byte[] classFile) {
        CRC32 crc = new CRC32();
        crc.update(classFile, 0, classFile.length);
        Adler32 adler = new Adler32();
        adler.update(classFile, 0, classFile.length);
        StringBuilder name = new StringBuilder(28);
        hex8(name, crc.getValue());
        hex8(name, adler.getValue());
        hex8(name, classFile.length);
        return new File(dir, name.toString());
    }

    private static void hex8(StringBuilder b, long v) {
        for (int shift = 28; shift >= 0; shift -= 4) {
            b.append(Character.forDigit((int) (v >>> shift) & 0xF, 16));
        }
    }

    /**
     * The entry kept for {@code classFile}, or null (a miss) when there is none that may be used: see the class
     * comment. {@code files} gives the class files of the loader now, by internal name (null when absent).
     */
    Entry lookup(byte[] classFile, ClassFiles files) {
        if (off) {
            return null;
        }
        try {
            File f = fileOf(classFile);
            long length = f.length();   // 0 when there is no such file
            if (length == 0) {
                misses.incrementAndGet();
                return null;
            }
            if (length > MAX_ENTRY) {
                damaged.incrementAndGet();
                misses.incrementAndGet();
                return null;
            }
            byte[] data;
            try (InputStream in = new FileInputStream(f)) {
                // all of it: the file may have been replaced since its length was asked, by a longer or shorter one
                data = in.readAllBytes();
            } catch (java.io.FileNotFoundException gone) {
                misses.incrementAndGet();   // replaced or removed since
                return null;
            }
            Entry e = decode(data, classFile);
            if (e == null) {
                damaged.incrementAndGet();
                misses.incrementAndGet();
                return null;
            }
            if (!stillRead(e.read, files)) {
                misses.incrementAndGet();
                return null;
            }
            hits.incrementAndGet();
            return e;
        } catch (IOException | RuntimeException e) {
            fail("cannot be read", e);
            return null;
        }
    }

    /** Whether each class file the rewrite read is still what it was. */
    private static boolean stillRead(Map<String, ContentHash> read, ClassFiles files) {
        for (Map.Entry<String, ContentHash> r : read.entrySet()) {
            if (r.getKey().startsWith("java/")) {
                continue;   // the JDK's: its version is in the key
            }
            ClassFiles.Found now = files.find(r.getKey());
            ContentHash then = r.getValue();
            if (now == null ? then != null : then == null || !then.equals(now.hash())) {
                return false;
            }
        }
        return true;
    }

    /** Keeps {@code entry} for {@code classFile}, replacing what was kept. */
    void store(byte[] classFile, Entry entry) {
        if (off) {
            return;
        }
        File tmp = null;
        try {
            byte[] data = encode(classFile, entry);
            File target = fileOf(classFile);
            tmp = temporaryFor(target);
            try (OutputStream out = new FileOutputStream(tmp)) {
                out.write(data);
            }
            if (!tmp.renameTo(target)) {
                // not POSIX (on Windows renameTo does not replace): the JDK's atomic replace
                Files.move(tmp.toPath(), target.toPath(), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
            tmp = null;
            written.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            fail("cannot be written", e);
        } finally {
            if (tmp != null) {
                tmp.delete();
            }
        }
    }

    /** A new empty file beside {@code target}, created here and now (no other JVM writes it). */
    private File temporaryFor(File target) throws IOException {
        if (!dirReady) {
            if (!dir.isDirectory()) {
                createDirectories();
            }
            dirReady = true;
        }
        for (int attempt = 0; ; attempt++) {
            File tmp = new File(dir, target.getName() + "." + pid + "-" + Long.toHexString(System.nanoTime()) + "-"
                    + temporaries.incrementAndGet() + ".tmp");
            boolean created;
            try {
                created = tmp.createNewFile();
            } catch (IOException e) {
                if (dir.isDirectory()) {
                    throw e;
                }
                createDirectories();   // removed since the first entry: made again
                created = tmp.createNewFile();
            }
            if (created) {
                return tmp;
            }
            if (attempt == 10) {
                throw new IOException("cannot create a temporary file like " + tmp);
            }
        }
    }

    private void createDirectories() throws IOException {
        List<File> created = new ArrayList<>();
        for (File d = dir; d != null && !d.exists(); d = d.getParentFile()) {
            created.add(0, d);
        }
        for (File d : created) {
            if (!d.mkdir() && !d.isDirectory()) {
                throw new IOException("cannot create " + d);
            }
            // what the cache holds is loaded as code: directories it creates are its owner's alone
            d.setReadable(false, false);
            d.setReadable(true, true);
            d.setWritable(false, false);
            d.setWritable(true, true);
            d.setExecutable(false, false);
            d.setExecutable(true, true);
        }
    }

    /** Reports the first failure once and turns the cache off: classes are rewritten as without it. */
    private void fail(String what, Throwable e) {
        synchronized (this) {
            if (off) {
                return;
            }
            off = true;
        }
        reporter.warning("[weft] the class cache " + root + " " + what + " (" + e + "); it is off for this JVM, "
                + "classes are rewritten at each start (agent option cache=DIR or cache=off)", null);
    }

    // --- the entry's bytes ---

    /** The file kept for {@code classFile} and {@code e}. */
    byte[] encode(byte[] classFile, Entry e) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(2 * classFile.length + 256
                + (e.bytes == null ? 0 : e.bytes.length));
        DataOutputStream out = new DataOutputStream(buffer);
        out.write(MAGIC);
        out.writeInt(0);   // the entry's length, filled in below
        writeBytes(out, keyBytes);
        writeBytes(out, classFile);
        out.writeByte(e.kind);
        out.writeInt(e.read.size());
        for (Map.Entry<String, ContentHash> r : e.read.entrySet()) {
            writeString(out, r.getKey());
            ContentHash h = r.getValue();
            out.writeBoolean(h != null);
            if (h != null) {
                out.writeLong(h.high);
                out.writeLong(h.low);
            }
        }
        switch (e.kind) {
            case REWRITTEN -> {
                writeBytes(out, e.bytes);
                out.writeInt(e.frames.size());
                for (Map.Entry<String, byte[]> f : e.frames.entrySet()) {
                    writeString(out, f.getKey());
                    writeBytes(out, f.getValue());
                }
                writeStrings(out, e.methods);
            }
            case REFUSED -> writeStrings(out, e.reasons);
            default -> {
            }
        }
        out.flush();
        byte[] data = Arrays.copyOf(buffer.toByteArray(), buffer.size() + TRAILER);
        int length = data.length;
        data[8] = (byte) (length >>> 24);
        data[9] = (byte) (length >>> 16);
        data[10] = (byte) (length >>> 8);
        data[11] = (byte) length;
        int crc = crcOf(data, length - TRAILER);
        data[length - 4] = (byte) (crc >>> 24);
        data[length - 3] = (byte) (crc >>> 16);
        data[length - 2] = (byte) (crc >>> 8);
        data[length - 1] = (byte) crc;
        return data;
    }

    /** The entry in {@code data}, or null when it is damaged or not the one for this key and {@code classFile}. */
    Entry decode(byte[] data, byte[] classFile) {
        try {
            Reader in = new Reader(data);
            if (data.length < MAGIC.length + 4 + TRAILER
                    || !Arrays.equals(data, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
                return null;
            }
            in.position = MAGIC.length;
            if (in.readInt() != data.length) {
                return null;   // truncated, or run on
            }
            in.position = data.length - TRAILER;
            if (in.readInt() != crcOf(data, data.length - TRAILER)) {
                return null;
            }
            in.position = MAGIC.length + 4;
            in.limit = data.length - TRAILER;
            int keyLength = in.readLength();
            if (!Arrays.equals(data, in.position, in.position + keyLength, keyBytes, 0, keyBytes.length)) {
                return null;
            }
            in.position += keyLength;
            int inputLength = in.readLength();
            if (!Arrays.equals(data, in.position, in.position + inputLength, classFile, 0, classFile.length)) {
                return null;
            }
            in.position += inputLength;
            byte kind = in.readByte();
            int reads = in.readCount();
            Map<String, ContentHash> read = new LinkedHashMap<>();
            for (int i = 0; i < reads; i++) {
                String name = in.readString();
                read.put(name, in.readByte() != 0 ? new ContentHash(in.readLong(), in.readLong()) : null);
            }
            Entry e;
            switch (kind) {
                case UNCHANGED -> e = Entry.unchanged(read);
                case REWRITTEN -> {
                    byte[] bytes = in.readBytes();
                    int count = in.readCount();
                    Map<String, byte[]> frames = new LinkedHashMap<>();
                    for (int i = 0; i < count; i++) {
                        frames.put(in.readString(), in.readBytes());
                    }
                    e = Entry.rewritten(bytes, frames, in.readStrings(), read);
                }
                case REFUSED -> e = Entry.refused(in.readStrings(), read);
                default -> {
                    return null;
                }
            }
            return in.position == in.limit ? e : null;
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            return null;
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
    }

    private static void writeStrings(DataOutputStream out, List<String> strings) throws IOException {
        out.writeInt(strings.size());
        for (String s : strings) {
            writeString(out, s);
        }
    }

    private static int crcOf(byte[] b, int length) {
        CRC32 crc = new CRC32();
        crc.update(b, 0, length);
        return (int) crc.getValue();
    }

    private static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (b[at + i] & 0xFF);
        }
        return v;
    }

    /** Reads what {@link #encode} wrote; out of bounds is an IndexOutOfBoundsException. */
    private static final class Reader {
        final byte[] data;
        int position;
        int limit;

        Reader(byte[] data) {
            this.data = data;
            this.limit = data.length;
        }

        private void need(int n) {
            if (n < 0 || position + n > limit) {
                throw new IndexOutOfBoundsException("entry ends early");
            }
        }

        byte readByte() {
            need(1);
            return data[position++];
        }

        int readInt() {
            need(4);
            int v = (data[position] & 0xFF) << 24 | (data[position + 1] & 0xFF) << 16
                    | (data[position + 2] & 0xFF) << 8 | (data[position + 3] & 0xFF);
            position += 4;
            return v;
        }

        long readLong() {
            need(8);
            long v = getLong(data, position);
            position += 8;
            return v;
        }

        /** A length of bytes that follow. */
        int readLength() {
            int n = readInt();
            need(n);
            return n;
        }

        /** A count of items that take at least 4 bytes each. */
        int readCount() {
            int n = readInt();
            if (n < 0 || n > (limit - position) / 4) {
                throw new IndexOutOfBoundsException("bad count");
            }
            return n;
        }

        byte[] readBytes() {
            int n = readLength();
            byte[] b = Arrays.copyOfRange(data, position, position + n);
            position += n;
            return b;
        }

        String readString() {
            int n = readLength();
            String s = new String(data, position, n, StandardCharsets.UTF_8);
            position += n;
            return s;
        }

        List<String> readStrings() {
            int n = readCount();
            List<String> result = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                result.add(readString());
            }
            return List.copyOf(result);
        }
    }
}
