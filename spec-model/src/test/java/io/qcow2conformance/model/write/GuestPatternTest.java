package io.qcow2conformance.model.write;

import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class GuestPatternTest {
    private static final long MAX = GuestPattern.MAX_OFFSET - 1;

    @Property
    void differentWordOffsetsGiveDifferentWords(@ForAll @LongRange(max = MAX) long a, @ForAll @LongRange(max = MAX) long b,
                                                @ForAll @IntRange(max = 255) int layer) {
        Assume.that(a >>> 3 != b >>> 3);
        assertNotEquals(GuestPattern.word(a, layer), GuestPattern.word(b, layer));
    }

    @Property
    void differentLayersGiveDifferentWords(@ForAll @LongRange(max = MAX) long offset, @ForAll @IntRange(max = 255) int l1,
                                           @ForAll @IntRange(max = 255) int l2) {
        Assume.that(l1 != l2);
        assertNotEquals(GuestPattern.word(offset, l1), GuestPattern.word(offset, l2));
    }

    @Property
    void noWordIsZero(@ForAll @LongRange(max = MAX) long offset, @ForAll @IntRange(max = 255) int layer) {
        assertNotEquals(0L, GuestPattern.word(offset, layer));
    }

    /** fill() at any start and length agrees with byteAt(), which is the word stored big-endian. */
    @Property
    void fillAgreesWithTheBigEndianWord(@ForAll @LongRange(max = 1L << 40) long offset, @ForAll @IntRange(max = 40) int length,
                                        @ForAll @IntRange(max = 255) int layer) {
        byte[] b = new byte[length];
        GuestPattern.fill(offset, layer, b, 0, length);
        for (int i = 0; i < length; i++) {
            long o = offset + i;
            long word = GuestPattern.word(o, layer);
            assertEquals((byte) (word >>> (56 - 8 * (o & 7))), b[i]);
            assertEquals(GuestPattern.byteAt(o, layer), b[i]);
        }
    }
}
