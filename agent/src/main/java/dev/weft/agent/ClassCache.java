package dev.weft.agent;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
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
 * no other class is ever hashed), one entry per class file: the class file itself, what the rewrite made of it (the
 * rewritten class, the frame classes it adds and the methods it rewrote; or its refusals, each message as it was
 * reported; or nothing to do), and the class files the rewrite read beside it, each by name and hash (absent ones
 * too).
 *
 * <p><b>When an entry is used.</b> Entries live under {@code DIR/<key>/}, the key a hash of this agent's build id
 * (a new build never reads an older one's entries), of the options that change the output ({@code debugLocals}),
 * and of the JDK's version and vendor. Within it an entry is named after the class file's CRC-32, Adler-32 and
 * length, and used only when its length and trailing CRC-32 match its contents (a truncated or damaged entry is a
 * miss), the class file it holds is byte for byte the one being loaded (a checksum is no proof), and every class
 * file it read is still what it was ({@link ContentHash}; read through the loader again, once per loader; the JDK's
 * own, {@code java/...}, are covered by the key). Otherwise the class is rewritten and the entry replaced.
 *
 * <p><b>The pack and the loose entries.</b> The entries of a directory are kept in one file, {@code pack}
 * ({@link Pack}): read whole at the first candidate, an index searched by name, and what the entries read listed
 * once in its header and checked once per loader (a file per class cost a stat, an open and a read each, and every
 * entry's own list of what it read, the same few runtime classes, was decoded and checked again). A JVM writes
 * what it rewrites as loose entries, a file per class beside the pack; a lookup takes the pack's entry, else
 * (none, damaged, or made from other class files) the loose one. A JVM that wrote an entry, took a loose one or
 * found the pack damaged folds at exit ({@link #fold}): a new pack of the loose entries and the old pack's others,
 * renamed over the old one, and the loose entries it holds deleted.
 *
 * <p><b>Writing.</b> Into a new file of its own beside the entry or the pack (created exclusively, named after the
 * JVM's pid, the time and a counter), then renamed over it: readers see the old file or the new one, never part of
 * one, whatever other JVMs do at the same time (two JVMs folding at once can only lose entries, which a later miss
 * writes again). The first failure to read or write (other than a missing or damaged entry) is reported once, and
 * the cache is then off for the rest of the JVM: classes are rewritten as without it.
 *
 * <p><b>Cost.</b> This runs while the JVM starts, interpreted: no {@code MessageDigest}, no NIO but the move that
 * replaces a file on a system where renaming does not, no lambdas or string concatenation through
 * {@code invokedynamic}. With 100 entries in the pack, a hit is 0.15 to 0.3 ms in a cold JDK 17 on a loaded
 * machine (the class file's checksums, a binary search, the entry's CRC, the comparison of the class file, copies
 * of the classes: 0.1 ms of it the decoding), and the pack's read 3 to 4 ms once; from a loose file it was 0.35 to
 * 0.7 ms.
 */
final class ClassCache {
    static final String FORMAT = "weft-class-cache 1";
    private static final byte[] MAGIC = {'W', 'E', 'F', 'T', 'C', 'C', '0', '1'};
    /** The CRC-32 of all that precedes it. */
    private static final int TRAILER = 4;
    /** No entry is this large: a larger length is damage. */
    private static final int MAX_ENTRY = 64 << 20;
    /** The pack's file name in the entries' directory, and its largest size. */
    static final String PACK = "pack";
    private static final byte[] PACK_MAGIC = {'W', 'E', 'F', 'T', 'C', 'P', '0', '1'};
    static final int MAX_PACK = 256 << 20;
    /** A fold keeps the old pack's entries up to this many bytes in all (the loose ones always). */
    static final int PACK_LIMIT = 64 << 20;

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
    /** This JVM's pid, asked at the first write (a JVM that only reads the cache never does). */
    private String pid;
    private final AtomicLong temporaries = new AtomicLong();
    private final boolean foldAtExit;
    private volatile boolean off;
    /** The entries' directory exists (asked once). */
    private volatile boolean dirReady;
    /** The pack, read at the first lookup; null when there is none (or it is damaged). */
    private Pack pack;
    private volatile boolean packRead;
    /** Something for {@link #fold} to do: an entry written or taken from a loose file, a damaged pack. */
    private volatile boolean unfolded;
    private boolean foldHook;
    /** {@link #PACK_LIMIT}, smaller in tests. */
    long packLimit = PACK_LIMIT;

    final AtomicLong hits = new AtomicLong();
    final AtomicLong misses = new AtomicLong();
    final AtomicLong written = new AtomicLong();
    final AtomicLong damaged = new AtomicLong();
    /** Of the hits, those taken from the pack. */
    final AtomicLong packHits = new AtomicLong();

    /**
     * The cache in {@code root} for this agent build ({@code buildId}) with {@code options}, on this JDK. Nothing
     * is touched on disk until the first class.
     */
    ClassCache(File root, String buildId, AgentOptions options, AgentReporter reporter) {
        this(root, buildId, options, reporter, false);
    }

    /**
     * As above; with {@code foldAtExit}, a JVM that wrote an entry, or took one that is not in the pack yet, folds
     * the loose entries into the pack when it exits ({@link #fold}).
     */
    ClassCache(File root, String buildId, AgentOptions options, AgentReporter reporter, boolean foldAtExit) {
        this.root = root;
        this.foldAtExit = foldAtExit;
        this.key = FORMAT + "\n" + buildId + "\ndebugLocals=" + options.debugLocals() + "\n"
                + System.getProperty("java.runtime.version") + "\n" + System.getProperty("java.vm.vendor") + "\n"
                + System.getProperty("java.vm.version");
        this.keyBytes = key.getBytes(StandardCharsets.UTF_8);
        this.dir = new File(root, ContentHash.hex(ContentHash.of(keyBytes).high));
        this.reporter = reporter;
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
        return fileOf(crcOf(classFile, classFile.length) & 0xFFFFFFFFL, adlerOf(classFile), classFile.length);
    }

    private File fileOf(long crc, long adler, int length) {
        StringBuilder name = new StringBuilder(28);
        hex8(name, crc);
        hex8(name, adler);
        hex8(name, length);
        return new File(dir, name.toString());
    }

    private static long adlerOf(byte[] b) {
        Adler32 adler = new Adler32();
        adler.update(b, 0, b.length);
        return adler.getValue();
    }

    /** A loose entry's name (24 hexadecimal digits) as the pack's index has it: CRC-32 and Adler-32, and length. */
    private static boolean isEntryName(String name) {
        if (name.length() != 24) {
            return false;
        }
        for (int i = 0; i < 24; i++) {
            if (Character.digit(name.charAt(i), 16) < 0 || Character.isUpperCase(name.charAt(i))) {
                return false;
            }
        }
        return true;
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
            long crc = crcOf(classFile, classFile.length) & 0xFFFFFFFFL;
            long adler = adlerOf(classFile);
            Pack p = pack();
            if (p != null) {
                int r = p.find(crc << 32 | adler, classFile.length);
                if (r >= 0) {
                    Entry e = fromPack(p, r, classFile, files);
                    if (e != null) {
                        p.used[r] = true;
                        packHits.incrementAndGet();
                        hits.incrementAndGet();
                        return e;
                    }
                    // damaged, or made from other class files: a loose entry may have replaced it since
                }
            }
            Entry e = loose(fileOf(crc, adler, classFile.length), classFile, files);
            if (e == null) {
                misses.incrementAndGet();
                return null;
            }
            hits.incrementAndGet();
            toFold();
            return e;
        } catch (IOException | RuntimeException e) {
            fail("cannot be read", e);
            return null;
        }
    }

    /** The loose entry in {@code f} for {@code classFile}, or null. */
    private Entry loose(File f, byte[] classFile, ClassFiles files) throws IOException {
        long length = f.length();   // 0 when there is no such file
        if (length == 0) {
            return null;
        }
        if (length > MAX_ENTRY) {
            damaged.incrementAndGet();
            return null;
        }
        byte[] data;
        try (InputStream in = new FileInputStream(f)) {
            // all of it: the file may have been replaced since its length was asked, by a longer or shorter one
            data = in.readAllBytes();
        } catch (java.io.FileNotFoundException gone) {
            return null;   // replaced or removed since
        }
        Entry e = decode(data, 0, data.length, classFile, true);
        if (e == null) {
            damaged.incrementAndGet();
            return null;
        }
        return stillRead(e.read, files) ? e : null;
    }

    /** Record {@code r} of the pack, or null when it is damaged or not for this class file as it now reads. */
    private Entry fromPack(Pack p, int r, byte[] classFile, ClassFiles files) {
        int at = p.recordsAt + r * Pack.RECORD;
        int offset = getInt(p.data, at + 12);
        int length = getInt(p.data, at + 16);
        int start = p.entriesAt + offset;
        Entry e = offset < 0 || length < 0 || start < 0 || length > p.data.length - start ? null
                : decode(p.data, start, start + length, classFile, false);
        if (e == null) {
            damaged.incrementAndGet();
            toFold();   // the next pack leaves it out
            return null;
        }
        return p.stillRead(r, files) ? e : null;
    }

    /** Whether each class file the rewrite read is still what it was. */
    private static boolean stillRead(Map<String, ContentHash> read, ClassFiles files) {
        for (Map.Entry<String, ContentHash> r : read.entrySet()) {
            if (r.getKey().startsWith("java/")) {
                continue;   // the JDK's: its version is in the key
            }
            ContentHash now = files.hashOf(r.getKey());
            ContentHash then = r.getValue();
            if (now == null ? then != null : !now.equals(then)) {
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
        try {
            writeAtomically(fileOf(classFile), encode(classFile, entry));
            written.incrementAndGet();
            toFold();
        } catch (IOException | RuntimeException e) {
            fail("cannot be written", e);
        }
    }

    /** {@code data} into {@code target}: readers see what it held or all of {@code data}, never part of it. */
    private void writeAtomically(File target, byte[] data) throws IOException {
        File tmp = temporaryFor(target);
        try {
            try (OutputStream out = new FileOutputStream(tmp)) {
                out.write(data);
            }
            if (!tmp.renameTo(target)) {
                // not POSIX (on Windows renameTo does not replace): the JDK's atomic replace
                Files.move(tmp.toPath(), target.toPath(), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
            tmp = null;
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
        if (pid == null) {
            pid = AgentStatus.pid();
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

    // --- the pack ---

    /** The pack, read at the first call; null when there is none, or when it is damaged or another key's. */
    private Pack pack() throws IOException {
        if (packRead) {
            return pack;
        }
        synchronized (this) {
            if (!packRead) {
                pack = readPack(false);
                packRead = true;
            }
            return pack;
        }
    }

    /**
     * The pack as it is on disk now, or null; a damaged one is counted (and, unless {@code quietly}, the next fold
     * replaces it).
     */
    private Pack readPack(boolean quietly) throws IOException {
        byte[] data;
        try (RandomAccessFile in = new RandomAccessFile(new File(dir, PACK), "r")) {
            long length = in.length();   // of the file opened: another JVM may replace the name, not this file
            if (length > MAX_PACK) {
                data = null;
            } else {
                data = new byte[(int) length];
                in.readFully(data);
            }
        } catch (java.io.FileNotFoundException none) {
            return null;
        }
        Pack p = data == null ? null : Pack.parse(data, keyBytes);
        if (p == null) {
            damaged.incrementAndGet();
            if (!quietly) {
                toFold();
            }
        }
        return p;
    }

    /** There is something to fold: at exit, when this cache was made to. */
    private void toFold() {
        unfolded = true;
        if (!foldAtExit) {
            return;
        }
        synchronized (this) {
            if (foldHook) {
                return;
            }
            foldHook = true;
        }
        try {
            Runtime.getRuntime().addShutdownHook(new FoldAtExit(this));
        } catch (RuntimeException e) {
            // shutting down already, or not allowed: a later JVM folds
        }
    }

    private static final class FoldAtExit extends Thread {
        private final ClassCache cache;

        FoldAtExit(ClassCache cache) {
            super("weft-agent-cache-fold");
            this.cache = cache;
        }

        @Override
        public void run() {
            try {
                cache.fold();
            } catch (Throwable e) {
                // fold reports its own failures; nothing is left to report this one with
            }
        }
    }

    /** Whether this JVM has something to fold (an entry written, a loose entry taken, a damaged pack). */
    boolean hasUnfolded() {
        return unfolded;
    }

    /**
     * Writes a new pack: the loose entries of this cache directory and the old pack's entries they do not replace
     * (damaged ones left out; past {@link #PACK_LIMIT} bytes, the old entries this JVM did not use go first),
     * into a file of its own renamed over the pack; then deletes the loose entries it holds. Run at exit by a JVM
     * with something to fold. Another JVM that writes or folds at the same time loses no more than entries (a
     * later miss writes them again): every file it reads is whole.
     *
     * @return the number of entries in the new pack, or -1 when none was written
     */
    synchronized int fold() {
        if (off || !dir.isDirectory()) {
            return -1;
        }
        try {
            // items by name, sorted as the index is: CRC-32, Adler-32, length, each as unsigned hexadecimal
            java.util.TreeMap<String, PackItem> items = new java.util.TreeMap<>();
            List<File> folded = new ArrayList<>();
            String[] names = dir.list();
            long size = 0;
            for (String name : names == null ? new String[0] : names) {
                if (!isEntryName(name)) {
                    continue;
                }
                File f = new File(dir, name);
                byte[] data;
                try (InputStream in = new FileInputStream(f)) {
                    data = in.readAllBytes();
                } catch (java.io.FileNotFoundException gone) {
                    continue;
                }
                folded.add(f);
                Entry e = data.length > MAX_ENTRY ? null : decode(data, 0, data.length, null, true);
                if (e != null) {
                    items.put(name, new PackItem(name, data, 0, data.length, e.read));
                    size += data.length;
                }
            }
            Pack old = readPack(true);
            if (old != null) {
                for (int pass = 0; pass < 2; pass++) {
                    for (int r = 0; r < old.count; r++) {
                        if ((pass == 0) != isUsed(old, r)) {
                            continue;   // used ones first
                        }
                        String name = old.nameOf(r);
                        if (items.containsKey(name)) {
                            continue;   // replaced by a loose entry
                        }
                        PackItem item = old.item(r, this);
                        if (item != null && size + item.length() <= packLimit) {
                            items.put(name, item);
                            size += item.length();
                        }
                    }
                }
            }
            writeAtomically(new File(dir, PACK), Pack.encode(keyBytes, new ArrayList<>(items.values())));
            for (File f : folded) {
                f.delete();
            }
            unfolded = false;
            return items.size();
        } catch (IOException | RuntimeException e) {
            fail("cannot be written", e);
            return -1;
        }
    }

    /** Whether this JVM took record {@code r} of {@code old} (a pack read again: matched by name). */
    private boolean isUsed(Pack old, int r) {
        Pack mine = pack;
        if (mine == null) {
            return false;
        }
        int m = mine.find(getLong(old.data, old.recordsAt + r * Pack.RECORD),
                getInt(old.data, old.recordsAt + r * Pack.RECORD + 8));
        return m >= 0 && mine.used[m];
    }

    /** An entry on its way into a new pack: its bytes and what its rewrite read. */
    static final class PackItem {
        final String name;
        final byte[] data;
        final int start;
        final int end;
        final Map<String, ContentHash> read;

        PackItem(String name, byte[] data, int start, int end, Map<String, ContentHash> read) {
            this.name = name;
            this.data = data;
            this.start = start;
            this.end = end;
            this.read = read;
        }

        int length() {
            return end - start;
        }
    }

    /**
     * The pack, {@code DIR/<key>/pack}: all the entries of a cache directory in one file, read with one call at
     * the first candidate instead of a file per class.
     *
     * <pre>
     * "WEFTCP01", header length (to the end of its CRC), key
     * dependencies: count, then each: internal name, present?, its hash (2 longs) when present
     * references: count, then each an index into the dependencies
     * records: count, then each (sorted by id, then length, unsigned): id (CRC-32 &lt;&lt; 32 | Adler-32 of the class
     *   file), class file length, entry offset (from the end of the header), entry length, first reference,
     *   reference count
     * CRC-32 of all the above
     * the entries, each as a loose entry's file (its own length and CRC-32)
     * </pre>
     *
     * A damaged header makes the whole pack a miss; a damaged entry only its own. What the entries read is in the
     * header once, whatever number of entries read it, and checked once per class loader
     * ({@link #stillRead(int, ClassFiles)}).
     */
    static final class Pack {
        static final int RECORD = 28;
        private static final byte OK = 1;
        private static final byte CHANGED = 2;

        final byte[] data;
        final int entriesAt;
        final int recordsAt;
        final int count;
        final int refsAt;
        final int refCount;
        final String[] depNames;
        final ContentHash[] depHashes;
        /** Records taken by this JVM: kept first when a fold must leave some out. */
        final boolean[] used;
        /** Per class loader's class files, each dependency's verdict once known (0 when not). */
        private final Map<ClassFiles, byte[]> verdicts = new java.util.WeakHashMap<>();

        private Pack(byte[] data, int entriesAt, int recordsAt, int count, int refsAt, int refCount,
                     String[] depNames, ContentHash[] depHashes) {
            this.data = data;
            this.entriesAt = entriesAt;
            this.recordsAt = recordsAt;
            this.count = count;
            this.refsAt = refsAt;
            this.refCount = refCount;
            this.depNames = depNames;
            this.depHashes = depHashes;
            this.used = new boolean[count];
        }

        /** The pack in {@code data}, or null when its header is damaged or it is another key's. */
        static Pack parse(byte[] data, byte[] keyBytes) {
            try {
                Reader in = new Reader(data);
                if (data.length < PACK_MAGIC.length + 8
                        || !Arrays.equals(data, 0, PACK_MAGIC.length, PACK_MAGIC, 0, PACK_MAGIC.length)) {
                    return null;
                }
                in.position = PACK_MAGIC.length;
                int headerLength = in.readInt();
                if (headerLength < PACK_MAGIC.length + 8 || headerLength > data.length
                        || getInt(data, headerLength - TRAILER) != crcOf(data, 0, headerLength - TRAILER)) {
                    return null;
                }
                in.limit = headerLength - TRAILER;
                if (!in.skipIfEqual(keyBytes)) {
                    return null;
                }
                int deps = in.readCount();
                String[] names = new String[deps];
                ContentHash[] hashes = new ContentHash[deps];
                for (int i = 0; i < deps; i++) {
                    names[i] = in.readString();
                    hashes[i] = in.readByte() != 0 ? new ContentHash(in.readLong(), in.readLong()) : null;
                }
                int refs = in.readCount();
                int refsAt = in.position;
                in.need(refs * 4);
                in.position += refs * 4;
                int count = in.readCount();
                int recordsAt = in.position;
                in.need(count * RECORD);
                in.position += count * RECORD;
                if (in.position != in.limit) {
                    return null;
                }
                for (int i = 0; i < refs; i++) {
                    int dep = getInt(data, refsAt + 4 * i);
                    if (dep < 0 || dep >= deps) {
                        return null;
                    }
                }
                return new Pack(data, headerLength, recordsAt, count, refsAt, refs, names, hashes);
            } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
                return null;
            }
        }

        /** The record of the class file with {@code id} and {@code length}, or -1. */
        int find(long id, int length) {
            int lo = 0;
            int hi = count - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                int at = recordsAt + mid * RECORD;
                int c = Long.compareUnsigned(getLong(data, at), id);
                if (c == 0) {
                    c = Integer.compareUnsigned(getInt(data, at + 8), length);
                }
                if (c < 0) {
                    lo = mid + 1;
                } else if (c > 0) {
                    hi = mid - 1;
                } else {
                    return mid;
                }
            }
            return -1;
        }

        /** The loose entry name of record {@code r}. */
        String nameOf(int r) {
            int at = recordsAt + r * RECORD;
            StringBuilder name = new StringBuilder(24);
            hex8(name, getInt(data, at) & 0xFFFFFFFFL);
            hex8(name, getInt(data, at + 4) & 0xFFFFFFFFL);
            hex8(name, getInt(data, at + 8) & 0xFFFFFFFFL);
            return name.toString();
        }

        /** Record {@code r} as an item for the next pack, or null when its entry is damaged. */
        PackItem item(int r, ClassCache cache) {
            int at = recordsAt + r * RECORD;
            int offset = getInt(data, at + 12);
            int length = getInt(data, at + 16);
            int start = entriesAt + offset;
            if (offset < 0 || length < 0 || start < 0 || length > data.length - start
                    || cache.decode(data, start, start + length, null, false) == null) {
                return null;
            }
            int first = getInt(data, at + 20);
            int n = getInt(data, at + 24);
            if (first < 0 || n < 0 || n > refCount - first) {
                return null;
            }
            Map<String, ContentHash> read = new LinkedHashMap<>();
            for (int i = first; i < first + n; i++) {
                int dep = getInt(data, refsAt + 4 * i);
                read.put(depNames[dep], depHashes[dep]);
            }
            return new PackItem(nameOf(r), data, start, start + length, read);
        }

        /** Whether each class file the rewrite of record {@code r} read is still what it was in {@code files}. */
        boolean stillRead(int r, ClassFiles files) {
            int at = recordsAt + r * RECORD;
            int first = getInt(data, at + 20);
            int n = getInt(data, at + 24);
            if (first < 0 || n < 0 || n > refCount - first) {
                return false;
            }
            byte[] known;
            synchronized (verdicts) {
                known = verdicts.get(files);
                if (known == null) {
                    known = new byte[depNames.length];
                    verdicts.put(files, known);
                }
            }
            for (int i = first; i < first + n; i++) {
                int dep = getInt(data, refsAt + 4 * i);
                byte v = known[dep];
                if (v == 0) {
                    String name = depNames[dep];
                    ContentHash then = depHashes[dep];
                    if (name.startsWith("java/")) {
                        v = OK;   // the JDK's: its version is in the key
                    } else {
                        ContentHash now = files.hashOf(name);
                        if (now == null) {
                            // absent now, and absent ones are asked for again each time: not kept
                            if (then != null) {
                                return false;
                            }
                            continue;
                        }
                        v = now.equals(then) ? OK : CHANGED;
                    }
                    known[dep] = v;   // a class file found stays what it is for the loader's lifetime
                }
                if (v == CHANGED) {
                    return false;
                }
            }
            return true;
        }

        /** A pack of {@code items}, sorted by name. */
        static byte[] encode(byte[] keyBytes, List<PackItem> items) throws IOException {
            Map<String, Integer> depIndex = new LinkedHashMap<>();
            List<String> depNames = new ArrayList<>();
            List<ContentHash> depHashes = new ArrayList<>();
            int[][] refs = new int[items.size()][];
            int refCount = 0;
            for (int i = 0; i < items.size(); i++) {
                Map<String, ContentHash> read = items.get(i).read;
                refs[i] = new int[read.size()];
                int j = 0;
                for (Map.Entry<String, ContentHash> d : read.entrySet()) {
                    String k = d.getKey() + (d.getValue() == null ? "\n-" : "\n" + d.getValue().hex());
                    Integer index = depIndex.get(k);
                    if (index == null) {
                        index = depNames.size();
                        depIndex.put(k, index);
                        depNames.add(d.getKey());
                        depHashes.add(d.getValue());
                    }
                    refs[i][j++] = index;
                }
                refCount += j;
            }
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(buffer);
            out.write(PACK_MAGIC);
            out.writeInt(0);   // the header's length, filled in below
            writeBytes(out, keyBytes);
            out.writeInt(depNames.size());
            for (int i = 0; i < depNames.size(); i++) {
                writeString(out, depNames.get(i));
                ContentHash h = depHashes.get(i);
                out.writeBoolean(h != null);
                if (h != null) {
                    out.writeLong(h.high);
                    out.writeLong(h.low);
                }
            }
            out.writeInt(refCount);
            for (int[] r : refs) {
                for (int dep : r) {
                    out.writeInt(dep);
                }
            }
            out.writeInt(items.size());
            int offset = 0;
            int first = 0;
            for (int i = 0; i < items.size(); i++) {
                PackItem item = items.get(i);
                out.writeLong(Long.parseUnsignedLong(item.name.substring(0, 16), 16));
                out.writeInt((int) Long.parseLong(item.name.substring(16), 16));
                out.writeInt(offset);
                out.writeInt(item.length());
                out.writeInt(first);
                out.writeInt(refs[i].length);
                offset += item.length();
                first += refs[i].length;
            }
            out.writeInt(0);   // the header's CRC-32, filled in below
            out.flush();
            int headerLength = buffer.size();
            for (PackItem item : items) {
                out.write(item.data, item.start, item.length());
            }
            out.flush();
            byte[] data = buffer.toByteArray();
            putInt(data, PACK_MAGIC.length, headerLength);
            putInt(data, headerLength - TRAILER, crcOf(data, 0, headerLength - TRAILER));
            return data;
        }
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
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
        return decode(data, 0, data.length, classFile, true);
    }

    /**
     * The entry in {@code data[start, end)}, or null when it is damaged or not the one for this key and
     * {@code classFile} (any class file when null). Without {@code withRead}, what the rewrite read is skipped
     * (the pack keeps it in its index) and the entry's {@link Entry#read} is empty.
     */
    Entry decode(byte[] data, int start, int end, byte[] classFile, boolean withRead) {
        try {
            if (end - start < MAGIC.length + 4 + TRAILER
                    || !Arrays.equals(data, start, start + MAGIC.length, MAGIC, 0, MAGIC.length)) {
                return null;
            }
            Reader in = new Reader(data);
            in.limit = end;
            in.position = start + MAGIC.length;
            if (in.readInt() != end - start) {
                return null;   // truncated, or run on
            }
            in.position = end - TRAILER;
            if (in.readInt() != crcOf(data, start, end - start - TRAILER)) {
                return null;
            }
            in.position = start + MAGIC.length + 4;
            in.limit = end - TRAILER;
            if (!in.skipIfEqual(keyBytes) || !in.skipIfEqual(classFile)) {
                return null;
            }
            byte kind = in.readByte();
            int reads = in.readCount();
            Map<String, ContentHash> read = withRead ? new LinkedHashMap<>() : Map.of();
            for (int i = 0; i < reads; i++) {
                if (withRead) {
                    String name = in.readString();
                    read.put(name, in.readByte() != 0 ? new ContentHash(in.readLong(), in.readLong()) : null);
                } else {
                    int skip = in.readLength();   // (not "position += readLength()": that reads position first)
                    in.position += skip;
                    if (in.readByte() != 0) {
                        in.need(16);
                        in.position += 16;
                    }
                }
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
        return crcOf(b, 0, length);
    }

    private static int crcOf(byte[] b, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(b, offset, length);
        return (int) crc.getValue();
    }

    static int getInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    static long getLong(byte[] b, int at) {
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

        /**
         * Reads a length of bytes: true, and past them, when they are {@code expected} (any, when it is null);
         * false, where they start, when not.
         */
        boolean skipIfEqual(byte[] expected) {
            int n = readLength();
            if (expected != null && !Arrays.equals(data, position, position + n, expected, 0, expected.length)) {
                return false;
            }
            position += n;
            return true;
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
