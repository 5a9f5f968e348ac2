package io.qcow2conformance.model.refcount;

import java.util.HashMap;
import java.util.Map;

/**
 * One unsigned 64-bit counter per host cluster of an image file, stored compactly: the
 * stored refcounts read from the refcount blocks, or the references a check computes.
 *
 * <p>Memory is 2 bytes per host cluster plus a map entry per cluster whose value does not
 * fit in 16 bits. The number of host clusters is bounded by the file size divided by the
 * cluster size, never by the virtual size. A {@code long[]} would cost 8 bytes per cluster:
 * a multi-GiB file with 512-byte clusters has tens of millions of clusters. Counts above 1
 * come only from clusters shared between snapshots (and from corruption), and counts of
 * 65535 or more are rare enough for a sparse map to hold them.
 */
public final class ClusterCounts {
    /** Slot value meaning "the count is in {@link #spilled}". */
    private static final char SPILLED = 0xffff;

    private final char[] slots;
    private final Map<Integer, Long> spilled = new HashMap<>();

    public ClusterCounts(int clusters) {
        slots = new char[clusters];
    }

    public int size() {
        return slots.length;
    }

    /** The count of cluster {@code index}, unsigned (compare with {@link Long#compareUnsigned}). */
    public long get(int index) {
        char c = slots[index];
        return c != SPILLED ? c : spilled.get(index);
    }

    /** Sets the count of cluster {@code index}; {@code value} is unsigned. */
    public void set(int index, long value) {
        if (value >= 0 && value < SPILLED) {
            if (slots[index] == SPILLED) {
                spilled.remove(index);
            }
            slots[index] = (char) value;
        } else {
            slots[index] = SPILLED;
            spilled.put(index, value);
        }
    }

    /** Adds one to the count of cluster {@code index} and returns the new count. */
    public long increment(int index) {
        char c = slots[index];
        if (c < SPILLED - 1) {
            slots[index] = (char) (c + 1);
            return c + 1;
        }
        long v = get(index) + 1;
        set(index, v);
        return v;
    }

    /** True when both hold the same count for {@code index}, without unboxing in the common case. */
    public boolean sameAt(ClusterCounts other, int index) {
        char a = slots[index];
        char b = other.slots[index];
        if (a != SPILLED && b != SPILLED) {
            return a == b;
        }
        return get(index) == other.get(index);
    }
}
