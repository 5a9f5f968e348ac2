package io.qcow2conformance.model.refcount;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Refcount block decoding for every width (spec: Host cluster management > Refcount block
 * entry): entries below 8 bits are packed from the least significant bit of each byte,
 * wider ones are big-endian. Expected values are worked out by hand from the bytes.
 */
class RefcountDecoderTest {

    static long[] decode(int order, int count, int... bytes) {
        byte[] block = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            block[i] = (byte) bytes[i];
        }
        long[] out = new long[count];
        RefcountDecoder.decodeBlock(block, order, out);
        return out;
    }

    @Test
    void oneBitEntriesStartAtTheLeastSignificantBit() {
        // 0x05 = 0000_0101: entries 0 and 2; 0x80 in byte 1: entry 15
        assertArrayEquals(new long[] {1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, decode(0, 16, 0x05, 0x80));
    }

    @Test
    void twoBitEntries() {
        // 0xe4 = 11 10 01 00: from the low end 0, 1, 2, 3
        assertArrayEquals(new long[] {0, 1, 2, 3}, decode(1, 4, 0xe4));
    }

    @Test
    void fourBitEntries() {
        // 0x21: low nibble 1 first, then 2; 0xf0: 0 then 15
        assertArrayEquals(new long[] {1, 2, 0, 15}, decode(2, 4, 0x21, 0xf0));
    }

    @Test
    void eightBitEntries() {
        assertArrayEquals(new long[] {5, 255}, decode(3, 2, 0x05, 0xff));
    }

    @Test
    void sixteenBitEntriesAreBigEndian() {
        assertArrayEquals(new long[] {0x0102, 0xffff}, decode(4, 2, 0x01, 0x02, 0xff, 0xff));
    }

    @Test
    void thirtyTwoBitEntriesAreBigEndian() {
        assertArrayEquals(new long[] {16777218L, 0xffffffffL}, decode(5, 2, 0x01, 0, 0, 0x02, 0xff, 0xff, 0xff, 0xff));
    }

    @Test
    void sixtyFourBitEntriesAreUnsigned() {
        long[] out = decode(6, 2, 0x80, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
        assertEquals("9223372036854775809", Long.toUnsignedString(out[0]));
        assertEquals("18446744073709551615", Long.toUnsignedString(out[1]));
    }

    @Test
    void partialDecodeLeavesTheRestAlone() {
        byte[] block = {0x00, 0x07, 0x00, 0x09};
        long[] out = {-5, -5};
        RefcountDecoder.decodeBlock(block, 4, out, 1);
        assertArrayEquals(new long[] {7, -5}, out);
    }

    @Test
    void largestRefcountPerWidth() {
        assertEquals(1, RefcountDecoder.maxRefcount(0));
        assertEquals(3, RefcountDecoder.maxRefcount(1));
        assertEquals(15, RefcountDecoder.maxRefcount(2));
        assertEquals(255, RefcountDecoder.maxRefcount(3));
        assertEquals(65535, RefcountDecoder.maxRefcount(4));
        assertEquals(0xffffffffL, RefcountDecoder.maxRefcount(5));
        assertEquals("18446744073709551615", Long.toUnsignedString(RefcountDecoder.maxRefcount(6)));
    }
}
