package io.qcow2conformance.generators.image;

import io.airlift.compress.zstd.ZstdCompressor;

import java.io.ByteArrayOutputStream;
import java.util.zip.Deflater;

/**
 * Compressors for compressed clusters (spec: Cluster mapping > Compressed Clusters
 * Descriptor; compression_type 0 is raw deflate without a zlib header, 1 is a zstd frame).
 * Both are deterministic for a given library version; the corpus check
 * ({@code generate --check}) notices if a different zlib ever changes the bytes.
 */
public final class Compression {
    public static final int DEFLATE = 0;
    public static final int ZSTD = 1;

    private Compression() {
    }

    public static byte[] compress(int type, byte[] data) {
        return switch (type) {
            case DEFLATE -> deflate(data);
            case ZSTD -> zstd(data);
            default -> throw new IllegalArgumentException("compression type " + type + " cannot be written");
        };
    }

    public static String name(int type) {
        return type == ZSTD ? "zstd" : "deflate";
    }

    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        try {
            d.setInput(data);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    private static byte[] zstd(byte[] data) {
        ZstdCompressor c = new ZstdCompressor();
        byte[] out = new byte[c.maxCompressedLength(data.length)];
        int n = c.compress(data, 0, data.length, out, 0, out.length);
        byte[] result = new byte[n];
        System.arraycopy(out, 0, result, 0, n);
        return result;
    }
}
