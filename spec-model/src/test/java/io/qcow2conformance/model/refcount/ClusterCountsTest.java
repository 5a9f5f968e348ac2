package io.qcow2conformance.model.refcount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ClusterCountsTest {

    @Test
    void countsPastSixteenBitsSpillAndComeBack() {
        ClusterCounts c = new ClusterCounts(3);
        c.set(1, 0xfffe);
        assertEquals(0xffff, c.increment(1));
        assertEquals(0x10000, c.increment(1));
        assertEquals(0x10000, c.get(1));
        c.set(1, 7);
        assertEquals(7, c.get(1));
        assertEquals(0, c.get(0));
    }

    @Test
    void sixtyFourBitValuesAreKeptUnsigned() {
        ClusterCounts c = new ClusterCounts(2);
        c.set(0, -1L);
        assertEquals("18446744073709551615", Long.toUnsignedString(c.get(0)));
        ClusterCounts d = new ClusterCounts(2);
        d.set(0, -1L);
        assertTrue(c.sameAt(d, 0));
        d.set(0, 0xffff);
        assertFalse(c.sameAt(d, 0));
    }

    /** Any sequence of increments gives the number of increments, across the spill boundary. */
    @Property(tries = 50)
    void incrementsCount(@ForAll @IntRange(min = 0, max = 70000) int start, @ForAll @IntRange(min = 0, max = 20) int n) {
        ClusterCounts c = new ClusterCounts(1);
        c.set(0, start);
        for (int i = 0; i < n; i++) {
            c.increment(0);
        }
        assertEquals(start + n, c.get(0));
    }
}
