package dev.weft.runtime;

import java.util.List;
import java.util.Set;

/**
 * A loop's pending tasks (asyncio's {@code _all_tasks}, without a weak set): the tasks that have suspended and are
 * not done, in the order they joined (their first suspension), with gaps. A task keeps no index into it (its frame
 * stays 32 bytes), so one that finishes is nulled out when found among the last few slots, and otherwise only
 * counted in {@code done}; the array is compacted when such slots are half of it, or it is full, or at the end of
 * a turn in which one failed. A done task so stays referenced until then: at most as many as are pending, plus
 * {@link #SWEEP_SLACK}. A chain of calls, each awaiting the next, holds one slot ({@link #add(Task, Object)}).
 * Made at the first registration (a loop whose tasks never suspend has none). Loop thread.
 */
final class PendingTasks {
    private Task<?>[] slots = new Task<?>[8];
    private static final int SWEEP_SLACK = 32;
    private int count;
    /** How many slots of {@code slots[0..count)} are gaps or hold a task that left (done or finishing). */
    private int done;
    /** A task that left the pending ones failed this turn: sweep them at the turn's end. */
    private boolean sweepDue;

    /**
     * {@code task} suspends for the first time, on {@code awaited}. When {@code awaited} is the task that joined
     * last (the shape of a chain of calls, each awaiting the next: the callee suspended in its first step, inside
     * this one), {@code task} takes over its slot: the callee is found through its awaiter's {@code awaiting} while
     * it is pending (an awaiter waits for its awaited task until that is done, cancelled or not), and a chain of
     * any length holds one slot, that of its outermost task, so finishing its inner tasks costs nothing here.
     */
    void add(Task<?> task, Object awaited) {
        int n = count;
        if (n != 0 && slots[n - 1] == awaited && ((Task<?>) awaited).takeRegistered()) {
            task.markRegistered();
            slots[n - 1] = task;
            return;
        }
        add(task);
    }

    void add(Task<?> task) {
        if (count == slots.length) {
            sweep();
            if (count * 2 >= slots.length) { // still half full: the next sweep is as far away again
                slots = java.util.Arrays.copyOf(slots, slots.length * 2);
            }
        }
        task.markRegistered();
        slots[count++] = task;
    }

    /**
     * The task is finishing: it leaves the pending tasks. Found among the last few (a chain of awaits finishes
     * innermost first, the last to suspend), it is taken out now; otherwise it is counted, and dropped at the next
     * sweep, at the end of this turn when it fails (its failure, if never retrieved, is reported when the task is
     * collected, which its slot would delay).
     */
    void remove(Task<?> task, boolean failing) {
        done++;
        Task<?>[] p = slots;
        int n = count;
        for (int i = n - 1, stop = Math.max(0, n - 4); i >= stop; i--) {
            if (p[i] == task) {
                p[i] = null; // a gap (storing null needs no GC barrier, unlike moving the slots after it)
                while (n > 0 && p[n - 1] == null) {
                    n--;
                    done--;
                }
                count = n;
                return;
            }
        }
        if (failing) {
            sweepDue = true;
        }
        if (done > SWEEP_SLACK && done * 2 > count) {
            sweep();
        }
    }

    /** Drops the tasks that left, keeping the order; a mostly empty array is made smaller. */
    void sweep() {
        if (done == 0) {
            return;
        }
        Task<?>[] p = slots;
        int kept = 0;
        for (int i = 0; i < count; i++) {
            Task<?> t = p[i];
            if (t != null && t.registered()) {
                p[kept++] = t;
            }
        }
        java.util.Arrays.fill(p, kept, count, null);
        count = kept;
        done = 0;
        if (p.length > 64 && kept * 4 < p.length) {
            slots = java.util.Arrays.copyOf(p, Math.max(8, kept * 2));
        }
    }

    /** How many tasks hold a slot: suspended, not done, and not reached through an awaiter. */
    int registered() {
        return count - done;
    }

    /** A task that left failed this turn: let it go now, so a failure nobody retrieves can be reported. */
    void endOfTurn() {
        if (sweepDue) {
            sweepDue = false;
            sweep();
        }
    }

    /**
     * Adds the tasks of {@code loop} that hold a slot to {@code all}, each followed by the tasks reached through its
     * {@code awaiting} that hold none; those are also put in {@code unlisted} (a task awaited by two is listed once).
     */
    void listInto(EventLoop loop, List<Task<?>> all, Set<Task<?>> unlisted) {
        for (int i = 0; i < count; i++) {
            Task<?> t = slots[i];
            if (t != null && t.registered()) {
                all.add(t);
                for (Object a = t.awaiting(); a instanceof Task<?> u && u.loop == loop && !u.registered()
                        && !u.isDone(); a = u.awaiting()) {
                    if (!unlisted.add(u)) {
                        break; // awaited by two: listed with the first
                    }
                    all.add(u);
                }
            }
        }
    }
}
