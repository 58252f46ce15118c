package dev.weft.it.library;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures what the runtime logs through System.Logger "dev.weft.runtime" (java.util.logging by default) from
 * construction to {@link #close()}, and keeps it off the console meanwhile.
 */
public final class LogCapture extends Handler implements AutoCloseable {
    private final Logger jul = Logger.getLogger("dev.weft.runtime");
    private final boolean useParent = jul.getUseParentHandlers();
    private final List<LogRecord> records = new ArrayList<>();

    public LogCapture() {
        jul.addHandler(this);
        jul.setUseParentHandlers(false);
    }

    @Override
    public synchronized void publish(LogRecord record) {
        records.add(record);
    }

    /** The records whose message contains every one of {@code texts}, in the order they were logged. */
    public synchronized List<LogRecord> containing(String... texts) {
        return records.stream().filter(r -> r.getMessage() != null
                && java.util.Arrays.stream(texts).allMatch(r.getMessage()::contains)).toList();
    }

    /** The messages of {@link #containing}. */
    public List<String> messages(String... texts) {
        return containing(texts).stream().map(LogRecord::getMessage).toList();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        jul.removeHandler(this);
        jul.setUseParentHandlers(useParent);
    }
}
