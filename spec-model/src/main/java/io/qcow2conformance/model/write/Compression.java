package io.qcow2conformance.model.write;

import io.airlift.compress.zstd.ZstdCompressor;
import io.qcow2conformance.model.header.Header;

import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * The compression types a writer can use for compressed clusters (spec: Header > Additional
 * fields, compression_type; Cluster mapping > Compressed Clusters Descriptor). Both
 * compressors are deterministic: the same cluster always gives the same bytes.
 */
public enum Compression {
    /** Raw deflate (no zlib header), as QEMU writes it. */
    DEFLATE(Header.COMPRESSION_DEFLATE),
    /** One zstd frame per cluster. */
    ZSTD(Header.COMPRESSION_ZSTD);

    private final int headerValue;

    Compression(int headerValue) {
        this.headerValue = headerValue;
    }

    /** The value of the compression_type header field. */
    public int headerValue() {
        return headerValue;
    }

    /** Compresses one whole cluster. */
    public byte[] compress(byte[] cluster) {
        return switch (this) {
            case DEFLATE -> deflate(cluster);
            case ZSTD -> zstd(cluster);
        };
    }

    private static byte[] deflate(byte[] in) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            d.setInput(in);
            d.finish();
            byte[] out = new byte[in.length + in.length / 8 + 64];
            int n = 0;
            while (!d.finished()) {
                if (n == out.length) {
                    out = Arrays.copyOf(out, out.length * 2);
                }
                n += d.deflate(out, n, out.length - n);
            }
            return Arrays.copyOf(out, n);
        } finally {
            d.end();
        }
    }

    private static byte[] zstd(byte[] in) {
        ZstdCompressor c = new ZstdCompressor();
        byte[] out = new byte[c.maxCompressedLength(in.length)];
        int n = c.compress(in, 0, in.length, out, 0, out.length);
        return Arrays.copyOf(out, n);
    }
}
