package dev.weft.runtime.net;

import dev.weft.runtime.AsyncGenerator;
import dev.weft.runtime.AsyncIterator;
import dev.weft.runtime.Coroutine;
import dev.weft.runtime.Emitter;
import dev.weft.runtime.Future;
import dev.weft.runtime.Task;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.Objects;

/**
 * The reading half of a {@link Connection} (asyncio's {@code StreamReader}): the bytes that arrived, buffered, and
 * reads that take them as a whole, up to a count, or up to a separator. A read that can be answered from the
 * buffer gives a done future; one that must wait gives a task, and a cancellation of that task consumes nothing.
 * One read may wait at a time. Loop thread only.
 */
public final class StreamReader {
    /** What an attempt returns when the buffer cannot answer yet. */
    private static final Object NOT_YET = new Object();

    private final int limit;
    private final ByteSource stream;
    private byte[] buf = new byte[1024];
    private int start;
    private int end;
    private boolean eof;
    private Throwable exception;
    /** The future the waiting read awaits: completed when bytes, the end or a failure arrive. */
    private Future<Void> waiter;

    StreamReader(ByteSource stream, int limit) {
        this.stream = stream;
        this.limit = limit;
    }

    // ------------------------------------------------------------------------------------------ the stream's side

    void feed(byte[] src, int off, int len) {
        makeRoom(len);
        System.arraycopy(src, off, buf, end, len);
        end += len;
        wakeWaiter();
    }

    /** Takes what remains in {@code src} (a direct buffer: the socket's bytes copied once, from there to here). */
    void feed(java.nio.ByteBuffer src) {
        int len = src.remaining();
        makeRoom(len);
        src.get(buf, end, len);
        end += len;
        wakeWaiter();
    }

    private void makeRoom(int len) {
        if (end + len > buf.length) {
            int size = end - start;
            if (size + len <= buf.length && start > 0) {
                System.arraycopy(buf, start, buf, 0, size);
            } else {
                buf = Arrays.copyOfRange(buf, start, start + Math.max(buf.length * 2, size + len));
            }
            start = 0;
            end = size;
        }
    }

    void feedEof() {
        eof = true;
        wakeWaiter();
    }

    void setException(Throwable e) {
        if (exception == null) {
            exception = e;
        }
        Future<Void> w = waiter;
        waiter = null;
        if (w != null) {
            w.tryFail(e);
        }
    }

    int buffered() {
        return end - start;
    }

    private void wakeWaiter() {
        Future<Void> w = waiter;
        waiter = null;
        if (w != null) {
            w.tryComplete(null);
        }
    }

    // ------------------------------------------------------------------------------------------ reads

    /** True when the peer closed its side and every byte it sent has been read. */
    public boolean atEof() {
        return eof && start == end;
    }

    /**
     * Up to {@code n} bytes: what is buffered, else the next that arrive; empty at the end of the stream. With
     * {@code n < 0}, every byte up to the end of the stream.
     */
    public Future<byte[]> read(int n) {
        return run(() -> {
            failIfBroken();
            if (n == 0) {
                return new byte[0];
            }
            if (n < 0) {
                return eof ? take(end - start) : NOT_YET;
            }
            if (start == end) {
                return eof ? new byte[0] : NOT_YET;
            }
            return take(Math.min(n, end - start));
        });
    }

    /**
     * Exactly {@code n} bytes; at the end of the stream before that, {@link IncompleteReadException} with the bytes
     * that did arrive (consumed).
     */
    public Future<byte[]> readExactly(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("readExactly size can not be less than zero: " + n);
        }
        return run(() -> {
            failIfBroken();
            if (end - start >= n) {
                return take(n);
            }
            if (eof) {
                throw new IncompleteReadException(take(end - start), n);
            }
            return NOT_YET;
        });
    }

    /**
     * The bytes up to and including {@code separator}. At the end of the stream without it,
     * {@link IncompleteReadException} with what is left (consumed); when no separator is within the read limit,
     * {@link LimitOverrunException} (nothing consumed).
     */
    public Future<byte[]> readUntil(byte[] separator) {
        if (separator.length == 0) {
            throw new IllegalArgumentException("Separator should be at least one-byte string");
        }
        byte[] sep = separator.clone();
        int[] offset = {0};
        return run(() -> {
            failIfBroken();
            int found = indexOf(sep, offset[0]);
            if (found >= 0) {
                if (found > limit) {
                    throw new LimitOverrunException("Separator is found, but chunk is longer than limit", found);
                }
                return take(found + sep.length);
            }
            offset[0] = Math.max(0, end - start + 1 - sep.length);
            if (offset[0] > limit) {
                throw new LimitOverrunException("Separator is not found, and chunk exceed the limit", offset[0]);
            }
            if (eof) {
                throw new IncompleteReadException(take(end - start), -1);
            }
            return NOT_YET;
        });
    }

    /**
     * A line: the bytes up to and including {@code \n}; at the end of the stream, what is left (empty when nothing
     * is). A line longer than the read limit fails with {@link LimitOverrunException}, and is dropped from the
     * buffer (through its {@code \n} when that arrived), as asyncio's {@code readline} does.
     */
    public Future<byte[]> readLine() {
        byte[] nl = {'\n'};
        int[] offset = {0};
        return run(() -> {
            failIfBroken();
            int found = indexOf(nl, offset[0]);
            if (found >= 0 && found <= limit) {
                return take(found + 1);
            }
            if (found > limit) {
                take(found + 1);
                throw new LimitOverrunException("Separator is found, but chunk is longer than limit", found);
            }
            offset[0] = end - start;
            if (offset[0] > limit) {
                take(end - start);
                throw new LimitOverrunException("Separator is not found, and chunk exceed the limit", offset[0]);
            }
            if (eof) {
                return take(end - start);
            }
            return NOT_YET;
        });
    }

    /**
     * A line as text, without its {@code \n} or {@code \r\n}, decoded with {@code charset}; {@code null} at the end
     * of the stream when nothing is left (as {@link java.io.BufferedReader#readLine}).
     */
    public Future<String> readTextLine(Charset charset) {
        Future<byte[]> line = readLine();
        if (line.isDone() && !line.isCancelled() && line.exception() == null) {
            return Future.completed(text(line.result(), charset));
        }
        return Task.start(new Coroutine<String>() {
            @Override
            public Object step(Task<String> task, Object sent, Throwable thrown) throws Throwable {
                if (thrown != null) {
                    throw thrown;
                }
                if (!line.isDone()) {
                    return task.suspendOn(line);
                }
                return text(line.result(), charset);
            }
        });
    }

    /**
     * The lines of the stream as an {@link AsyncIterator}, as asyncio's {@code async for line in reader}: each
     * {@code hasNext()} reads one line as {@link #readTextLine} does (decoded with {@code charset}, without its
     * {@code \n} or {@code \r\n}), and is {@code false} at the end of the stream. A line longer than the read
     * limit fails that {@code hasNext()} with its {@link LimitOverrunException} (the line dropped, as
     * {@link #readLine} drops it), and the iterator is then at its end; so does a failure of the connection.
     *
     * <pre>{@code
     * AsyncIterator<String> lines = c.reader().lines(UTF_8);
     * try {
     *     while (await(lines.hasNext())) {
     *         handle(lines.next());
     *     }
     * } finally {
     *     await(lines.close());
     * }
     * }</pre>
     *
     * <p>Nothing is read before the first {@code hasNext()}, and each reads only its own line: the bytes after it
     * stay buffered for the next {@code hasNext()}, or for other reads once the iterator is closed. Cancelling a
     * pending {@code hasNext()} consumes nothing (as any read's cancellation) and closes the iterator.
     * {@code close()} stops reading; it does not close the connection, which stays the caller's. While the iterator
     * waits for a line, it is the one read waiting on this stream (another read fails with
     * {@link IllegalStateException}).
     *
     * @param charset how the lines are decoded
     * @return a lazy iterator over the lines; loop thread only
     */
    public AsyncIterator<String> lines(Charset charset) {
        Objects.requireNonNull(charset, "charset");
        return AsyncGenerator.of(out -> Task.start(new LineSource(out, charset)));
    }

    /** The body of {@link #lines}: {@code while ((line = await(readTextLine(cs))) != null) await(out.emit(line))}. */
    private final class LineSource implements Coroutine<Void> {
        private static final int READ = 0;
        private static final int READ_DONE = 1;
        private static final int EMITTED = 2;

        private final Emitter<String> out;
        private final Charset charset;
        private int label = READ;

        LineSource(Emitter<String> out, Charset charset) {
            this.out = out;
            this.charset = charset;
        }

        @Override
        public Object step(Task<Void> task, Object sent, Throwable thrown) throws Throwable {
            for (;;) {
                switch (label) {
                    case READ: {
                        if (thrown != null) {
                            throw thrown;
                        }
                        Future<String> f = readTextLine(charset);
                        label = READ_DONE;
                        if (!f.isDone()) {
                            return task.suspendOn(f);
                        }
                        try {
                            sent = f.result();
                        } catch (Throwable e) {
                            thrown = e;
                        }
                    }
                    // fall through
                    case READ_DONE: {
                        if (thrown != null) {
                            throw thrown;
                        }
                        if (sent == null) {
                            return null; // the end of the stream
                        }
                        Future<Void> e = out.emit((String) sent);
                        sent = null;
                        label = EMITTED;
                        if (!e.isDone()) {
                            return task.suspendOn(e);
                        }
                        try {
                            e.result();
                        } catch (Throwable x) {
                            thrown = x;
                        }
                    }
                    // fall through
                    case EMITTED: {
                        if (thrown != null) {
                            throw thrown; // closed: no more reading
                        }
                        label = READ;
                        continue;
                    }
                    default:
                        throw new IllegalStateException("lines() resumed at label " + label);
                }
            }
        }

        @Override
        public String toString() {
            return "StreamReader.lines(" + stream + ", " + charset + ")";
        }
    }

    private static String text(byte[] line, Charset charset) {
        if (line.length == 0) {
            return null;
        }
        int n = line.length;
        if (line[n - 1] == '\n') {
            n--;
            if (n > 0 && line[n - 1] == '\r') {
                n--;
            }
        }
        return new String(line, 0, n, charset);
    }

    // ------------------------------------------------------------------------------------------ machinery

    /** One read's attempt on the buffer: its result, or {@link #NOT_YET}; throws its failure. */
    @FunctionalInterface
    private interface Attempt {
        Object attempt() throws Exception;
    }

    @SuppressWarnings("unchecked")
    private <T> Future<T> run(Attempt a) {
        stream.checkLoopThread("read from");
        if (waiter != null) {
            throw new IllegalStateException("another read of " + stream + " is already waiting for incoming data");
        }
        Object r;
        try {
            r = a.attempt();
        } catch (Exception e) {
            return Future.failed(e);
        }
        if (r != NOT_YET) {
            return Future.completed((T) r);
        }
        return Task.start(new Coroutine<T>() {
            @Override
            public Object step(Task<T> task, Object sent, Throwable thrown) throws Throwable {
                if (thrown != null) {
                    waiter = null; // cancelled (or the stream failed): nothing was consumed
                    throw thrown;
                }
                Object got = a.attempt();
                if (got != NOT_YET) {
                    return got;
                }
                waiter = new Future<>();
                stream.resumeReadingNow();
                return task.suspendOn(waiter);
            }
        });
    }

    private void failIfBroken() throws Exception {
        Throwable e = exception;
        if (e instanceof Exception ex) {
            throw ex;
        }
        if (e instanceof Error err) {
            throw err;
        }
    }

    private byte[] take(int n) {
        byte[] out = Arrays.copyOfRange(buf, start, start + n);
        start += n;
        if (start == end) {
            start = end = 0;
        }
        if (end - start <= limit) {
            stream.resumeReading();
        }
        return out;
    }

    /** Where {@code sep} starts in the buffer, searched from {@code from} (relative to the buffer's start); or -1. */
    private int indexOf(byte[] sep, int from) {
        outer:
        for (int i = start + from; i + sep.length <= end; i++) {
            for (int j = 0; j < sep.length; j++) {
                if (buf[i + j] != sep[j]) {
                    continue outer;
                }
            }
            return i - start;
        }
        return -1;
    }

    int limit() {
        return limit;
    }
}
