package dev.weft.runtime;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * {@link AsyncIterators#fromIterable} and {@link AsyncIterators#of}: the items of an {@link Iterable}, each answer
 * done at once. The Iterable's iterator is made at the first {@link #hasNext()}; {@link #close()} drops it.
 *
 * @param <T> the item type
 */
final class IterSource<T> implements AsyncIterator<T> {
    private static final Future<Boolean> TRUE = Future.completed(Boolean.TRUE);
    private static final Future<Boolean> FALSE = Future.completed(Boolean.FALSE);
    private static final Future<Void> CLOSED = Future.completed(null);

    private final Iterable<? extends T> items;
    private Iterator<? extends T> it;
    private boolean ended;
    private boolean hasItem;
    private T item;

    IterSource(Iterable<? extends T> items) {
        this.items = Objects.requireNonNull(items, "items");
    }

    @Override
    public Future<Boolean> hasNext() {
        if (hasItem) {
            return TRUE;
        }
        if (ended) {
            return FALSE;
        }
        try {
            if (it == null) {
                it = Objects.requireNonNull(items.iterator(), "the Iterable's iterator()");
            }
            if (it.hasNext()) {
                item = it.next();
                hasItem = true;
                return TRUE;
            }
        } catch (Throwable e) {
            end();
            return Future.failed(e);
        }
        end();
        return FALSE;
    }

    @Override
    public T next() {
        if (!hasItem) {
            throw new NoSuchElementException(ended ? this + " is at its end"
                    : "no item ready in " + this + ": await(hasNext()) first, and call next() when it gave true");
        }
        T x = item;
        item = null;
        hasItem = false;
        return x;
    }

    @Override
    public Future<Void> close() {
        end();
        return CLOSED;
    }

    private void end() {
        ended = true;
        hasItem = false;
        item = null;
        it = null;
    }

    @Override
    public String toString() {
        return "AsyncIterators.fromIterable(" + (ended ? "ended" : it == null ? "not started" : "started") + ")";
    }
}
