package dev.weft.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Captures what the runtime logs through System.Logger "dev.weft.runtime" (JUL by default) while open. */
final class LogCapture extends Handler implements AutoCloseable {
    private final Logger jul = Logger.getLogger("dev.weft.runtime");
    private final boolean useParent = jul.getUseParentHandlers();
    private final List<LogRecord> records = new ArrayList<>();

    LogCapture() {
        jul.addHandler(this);
        jul.setUseParentHandlers(false);
    }

    @Override
    public synchronized void publish(LogRecord record) {
        records.add(record);
    }

    /** The records whose message contains {@code text}. */
    synchronized List<LogRecord> containing(String text) {
        return records.stream().filter(r -> r.getMessage() != null && r.getMessage().contains(text)).toList();
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
