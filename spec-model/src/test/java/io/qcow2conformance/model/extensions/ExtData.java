package io.qcow2conformance.model.extensions;

import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.header.TestImage;

import java.nio.charset.StandardCharsets;

/** Test-only encoders of extension data, from the spec's layouts, and a decode helper. */
final class ExtData {
    static final long BACKING_FORMAT = 0xe2792acaL;
    static final long FEATURE_NAME_TABLE = 0x6803f857L;
    static final long BITMAPS = 0x23852875L;
    static final long FULL_DISK_ENCRYPTION = 0x0537be77L;
    static final long EXTERNAL_DATA_FILE = 0x44415441L;

    private ExtData() {
    }

    static byte[] string(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** spec: Feature name table — type (1 byte), bit (1 byte), name (46 bytes, zero padded). */
    static byte[] featureEntry(int type, int bit, String name) {
        byte[] e = new byte[48];
        e[0] = (byte) type;
        e[1] = (byte) bit;
        byte[] n = string(name);
        System.arraycopy(n, 0, e, 2, n.length);
        return e;
    }

    static byte[] concat(byte[]... parts) {
        int len = 0;
        for (byte[] p : parts) {
            len += p.length;
        }
        byte[] out = new byte[len];
        int pos = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }

    /** spec: Bitmaps extension — nb_bitmaps, reserved (u32 each), directory size and offset (u64 each). */
    static byte[] bitmaps(long nb, long reserved, long dirSize, long dirOffset) {
        byte[] d = new byte[24];
        TestImage.put32(d, 0, nb);
        TestImage.put32(d, 4, reserved);
        TestImage.put64(d, 8, dirSize);
        TestImage.put64(d, 16, dirOffset);
        return d;
    }

    /** spec: Full disk encryption header pointer — offset and length, u64 each. */
    static byte[] fde(long offset, long length) {
        byte[] d = new byte[16];
        TestImage.put64(d, 0, offset);
        TestImage.put64(d, 8, length);
        return d;
    }

    static HeaderExtensions decode(TestImage t) {
        return t.withSource(src -> ExtensionsDecoder.decode(src, HeaderDecoder.decode(src)));
    }
}
