package io.qcow2conformance.model.write;

import java.io.ByteArrayOutputStream;
import java.util.zip.CRC32;

/**
 * A gzip file (RFC 1952) of one member, written with the kit's own deflate encoder so that
 * the bytes are the same on every host: no file name, modification time 0, operating system
 * 255 (unknown). The golden corpus stores its large, mostly empty images this way.
 */
public final class Gzip {
    /** File name suffix of a gzip-stored file. */
    public static final String SUFFIX = ".gz";

    private static final byte[] HEADER = {
        0x1f, (byte) 0x8b, // ID1, ID2
        8,                 // CM: deflate
        0,                 // FLG: no name, comment, extra field or header CRC
        0, 0, 0, 0,        // MTIME: none
        0,                 // XFL
        (byte) 255,        // OS: unknown
    };

    private Gzip() {
    }

    public static byte[] encode(byte[] data) {
        byte[] deflated = FixedHuffmanDeflater.compress(data);
        CRC32 crc = new CRC32();
        crc.update(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream(HEADER.length + deflated.length + 8);
        out.writeBytes(HEADER);
        out.writeBytes(deflated);
        littleEndian32(out, crc.getValue());
        littleEndian32(out, data.length); // ISIZE: the length modulo 2^32
        return out.toByteArray();
    }

    private static void littleEndian32(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)) & 0xff);
        }
    }
}
