package io.qcow2conformance.model.write;

import io.airlift.compress.zstd.ZstdCompressor;
import io.qcow2conformance.model.header.Header;

import java.util.Arrays;

/**
 * The compression types a writer can use for compressed clusters (spec: Header > Additional
 * fields, compression_type; Cluster mapping > Compressed Clusters Descriptor). Both
 * compressors are pure Java and deterministic: the same cluster gives the same bytes on
 * every host (see {@link FixedHuffmanDeflater} for why deflate is not {@code java.util.zip}).
 */
public enum Compression {
    /** Raw deflate (no zlib header), as QEMU writes it, within a 4 KiB window. */
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
            case DEFLATE -> FixedHuffmanDeflater.compress(cluster);
            case ZSTD -> zstd(cluster);
        };
    }

    private static byte[] zstd(byte[] in) {
        ZstdCompressor c = new ZstdCompressor();
        byte[] out = new byte[c.maxCompressedLength(in.length)];
        int n = c.compress(in, 0, in.length, out, 0, out.length);
        return Arrays.copyOf(out, n);
    }
}
