package dev.weft.agent;

import java.util.zip.Adler32;
import java.util.zip.CRC32;

/**
 * A digest of bytes for the class cache ({@link ClassCache}): tells whether a class file a rewrite read has changed
 * since, and names an entry's directory after the cache's key.
 *
 * <p>Two checksums the JVM computes in native code, CRC-32 and Adler-32, and the length: a few microseconds for a
 * class file even in the interpreter, where the agent's start-up runs. A hash written in Java (about 0.4 ms for
 * 8 KB, interpreted) cost more than the file read it guards, and {@code MessageDigest.getInstance("SHA-256")}
 * costs about 40 ms in a JVM that is starting (the security providers are looked up and initialised), more than
 * the cache saves on a small program. A changed class file goes unnoticed only when both checksums and the length
 * stay the same. Nothing depends on it resisting an attacker: an entry holds the class file it was made from and
 * is used only for an identical one, compared byte for byte, and who can write the cache directory can change the
 * program anyway (the directory must be its owner's alone).
 */
final class ContentHash {
    final long high;
    final long low;

    ContentHash(long high, long low) {
        this.high = high;
        this.low = low;
    }

    static ContentHash of(byte[] bytes) {
        return of(bytes, 0, bytes.length);
    }

    static ContentHash of(byte[] b, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(b, offset, length);
        Adler32 adler = new Adler32();
        adler.update(b, offset, length);
        return new ContentHash(crc.getValue() << 32 | adler.getValue(), length & 0xFFFFFFFFL);
    }

    /** 32 hexadecimal digits. */
    String hex() {
        return hex(high) + hex(low);
    }

    static String hex(long v) {
        String s = Long.toHexString(v);
        return "0000000000000000".substring(s.length()) + s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContentHash h && h.high == high && h.low == low;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(high ^ low);
    }

    @Override
    public String toString() {
        return hex();
    }
}
