package dev.weft.runtime;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;

/**
 * A loop with channels to watch ({@link EventLoop#addReader}, {@link EventLoop#addWriter}) waits in a
 * {@link Selector} (asyncio's {@code BaseSelectorEventLoop}); producers wake it with {@link Selector#wakeup()},
 * which a select that has not started yet also sees. Each turn polls the selector, with no wait when callbacks are
 * ready, and queues the callbacks of the channels that are ready after those already queued and before the timers
 * that fell due (asyncio's {@code _process_events}: the reader before the writer of one channel). Loop thread,
 * except {@link #wake}.
 */
final class SelectorWaiter extends LoopWaiter {
    final Selector selector;
    /** True while the loop is in, or about to enter, a select that may block. */
    private volatile boolean sleeping;

    SelectorWaiter() throws IOException {
        selector = Selector.open();
    }

    /** What a key carries: the callbacks of its channel, either of them null. */
    static final class Watch {
        Runnable reader;
        Runnable writer;
        /** The order the channel was first watched in: the schedule explorer shuffles ready channels from it. */
        final long order;

        Watch(long order) {
            this.order = order;
        }
    }

    private long watchesMade;

    /** The attachment of a channel watched for the first time. Loop thread. */
    Watch newWatch() {
        return new Watch(watchesMade++);
    }

    @Override
    void await(Inbox inbox, long timeoutNanos) {
        sleeping = true;
        try {
            if (!inbox.isEmpty()) {
                selector.selectNow();
            } else if (timeoutNanos < 0) {
                selector.select();
            } else {
                // select(0) would wait for ever: a timer due in under a millisecond waits one
                selector.select(Math.max(1L, (timeoutNanos + 999_999L) / 1_000_000L));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            sleeping = false;
        }
    }

    @Override
    void wake() {
        if (sleeping) {
            selector.wakeup();
        }
    }

    /** A turn with callbacks ready: what the channels have for it, without waiting. */
    void poll() {
        try {
            selector.selectNow();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Queues the callbacks of the channels the last select found ready, and forgets that set. */
    void queueReady(EventLoop loop, ScheduleExplorer explorer) {
        java.util.Set<SelectionKey> selected = selector.selectedKeys();
        if (selected.isEmpty()) {
            return;
        }
        if (explorer != null && selected.size() > 1) {
            queueInSeedOrder(loop, explorer, selected);
            return;
        }
        for (Iterator<SelectionKey> it = selected.iterator(); it.hasNext(); ) {
            SelectionKey key = it.next();
            it.remove();
            queue(loop, key);
        }
    }

    /** Queues the reader, then the writer, of a channel found ready, as far as it is ready for them. */
    private static void queue(EventLoop loop, SelectionKey key) {
        Watch w = (Watch) key.attachment();
        int ready;
        try {
            ready = key.readyOps();
        } catch (CancelledKeyException closed) {
            return; // the channel was closed since the select
        }
        if ((ready & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0 && w.reader != null) {
            loop.enqueue(w.reader, null);
        }
        if ((ready & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0 && w.writer != null) {
            loop.enqueue(w.writer, null);
        }
    }

    /** As {@link #queueReady}, the channels in the order the explorer's seed picks (from the order they were watched). */
    private static void queueInSeedOrder(EventLoop loop, ScheduleExplorer explorer,
            java.util.Set<SelectionKey> selected) {
        java.util.List<SelectionKey> keys = new java.util.ArrayList<>(selected);
        selected.clear();
        keys.sort(java.util.Comparator.comparingLong(k -> ((Watch) k.attachment()).order));
        explorer.shuffle(keys);
        for (SelectionKey key : keys) {
            queue(loop, key);
        }
    }

    /** The key of {@code channel} in this selector, or null. */
    SelectionKey keyOf(SelectableChannel channel) {
        SelectionKey key = channel.keyFor(selector);
        return key == null || !key.isValid() ? null : key;
    }

    /** The loop closes: the selector and its keys go (the channels stay open: they are their owners'). */
    void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing to do about it: the loop is closing
        }
    }
}
