package io.qcow2conformance.model.read;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.qcow2conformance.model.read.TinyImage.concat;
import static io.qcow2conformance.model.read.TinyImage.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Frame lengths worked out by hand from RFC 8878 section 3.1.1, and from real compressor output. */
class ZstdFrameTest {
    private static final byte[] MAGIC = {(byte) 0x28, (byte) 0xb5, (byte) 0x2f, (byte) 0xfd};

    @Test
    void handBuiltFrameWithEveryBlockTypeAndAChecksum() {
        // Descriptor 0x25: single segment (no window byte), checksum flag, 1-byte dictionary ID;
        // FCS flag 0 with single segment: 1-byte content size.
        byte[] header = concat(MAGIC, new byte[] {0x25, 7, 12});
        byte[] raw = blockHeader(false, 0, 5);         // 3 + 5 bytes
        byte[] rle = blockHeader(false, 1, 4);         // 3 + 1 byte
        byte[] cmp = blockHeader(true, 2, 6);          // 3 + 6 bytes, last
        byte[] frame = concat(header, raw, new byte[5], rle, new byte[1], cmp, new byte[6], new byte[4]);
        assertEquals(4 + 3 + 8 + 4 + 9 + 4, frame.length);
        byte[] withTail = concat(frame, pattern(50, 1));
        assertEquals(frame.length, ZstdFrame.length(withTail, 0, withTail.length));
        byte[] shifted = concat(new byte[3], withTail);
        assertEquals(frame.length, ZstdFrame.length(shifted, 3, shifted.length - 3));
    }

    @Test
    void windowByteAndEightByteContentSize() {
        // Descriptor 0xc0: FCS flag 3 (8 bytes), not single segment (1 window byte), no checksum.
        byte[] frame = concat(MAGIC, new byte[] {(byte) 0xc0, 0x58}, new byte[8], blockHeader(true, 0, 2), new byte[2]);
        assertEquals(4 + 1 + 1 + 8 + 3 + 2, ZstdFrame.length(concat(frame, new byte[9]), 0, frame.length + 9));
    }

    @Test
    void compressorOutputIsMeasuredExactly() {
        byte[] z = Qcow2DiskTest.zstd(pattern(70000, 3));
        byte[] tail = concat(z, pattern(1000, 9));
        assertEquals(z.length, ZstdFrame.length(tail, 0, tail.length));
    }

    @Test
    void malformedFramesAreRejected() {
        byte[] good = Qcow2DiskTest.zstd(pattern(4096, 3));
        assertThrows(IllegalArgumentException.class, () -> ZstdFrame.length(good, 0, good.length - 1));
        assertThrows(IllegalArgumentException.class, () -> ZstdFrame.length(good, 1, good.length - 1));
        assertThrows(IllegalArgumentException.class, () -> ZstdFrame.length(good, 0, 3));
        byte[] reserved = concat(MAGIC, new byte[] {0x28, 0}, blockHeader(true, 0, 0));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ZstdFrame.length(reserved, 0, reserved.length))
                .getMessage().contains("reserved"));
        byte[] type3 = concat(MAGIC, new byte[] {0x20, 0}, blockHeader(true, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> ZstdFrame.length(type3, 0, type3.length));
        byte[] huge = concat(MAGIC, new byte[] {0x20, 0}, blockHeader(true, 0, (1 << 21) - 1), new byte[10]);
        assertThrows(IllegalArgumentException.class, () -> ZstdFrame.length(huge, 0, huge.length));
        byte[] noLast = concat(MAGIC, new byte[] {0x20, 0}, blockHeader(false, 1, 9), new byte[1]);
        assertThrows(IllegalArgumentException.class, () -> ZstdFrame.length(Arrays.copyOf(noLast, noLast.length), 0,
                noLast.length));
    }

    /** Block header: bit 0 last block, bits 1-2 type, bits 3-23 size; little-endian, 3 bytes. */
    private static byte[] blockHeader(boolean last, int type, int size) {
        int v = (last ? 1 : 0) | type << 1 | size << 3;
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16)};
    }
}
