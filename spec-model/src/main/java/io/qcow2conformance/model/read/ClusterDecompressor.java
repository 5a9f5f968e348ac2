package io.qcow2conformance.model.read;

import io.airlift.compress.zstd.ZstdDecompressor;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.mapping.L2Entry;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses one compressed cluster (spec: Cluster mapping > Compressed Clusters
 * Descriptor; Header > compression_type). Keeps its buffers and codec state between calls,
 * so decompressing many clusters allocates nothing per cluster. Not thread-safe.
 *
 * <p>The descriptor names whole sectors, so the stored range may run past the end of the
 * compressed stream (and past the end of the file: only what exists is read). Deflate is
 * raw deflate without a zlib header; decoding stops as soon as one cluster is produced.
 * zstd decodes exactly the first frame, whose length is found by {@link ZstdFrame}.
 * Whatever the stream, the output is bounded by the cluster size; a stream that cannot
 * produce a whole cluster breaks {@link Rule#MAPPING_COMPRESSED_DATA}.
 */
public final class ClusterDecompressor implements AutoCloseable {
    private final int clusterSize;
    private final long clusterBits;
    private final int compressionType;
    private final byte[] input;
    private final ByteBuffer inputBuffer;
    private Inflater inflater;
    private ZstdDecompressor zstd;

    public ClusterDecompressor(Header h) {
        this.clusterSize = (int) h.clusterSize();
        this.clusterBits = h.clusterBits();
        this.compressionType = h.compressionType();
        // The sector count field is cluster_bits - 8 bits wide: at most 2^(cluster_bits-8) sectors.
        this.input = new byte[(int) ((1L << (clusterBits - 8)) * 512)];
        this.inputBuffer = ByteBuffer.wrap(input);
    }

    public int clusterSize() {
        return clusterSize;
    }

    /**
     * Decompresses the cluster described by the compressed L2 entry {@code entry} into
     * {@code out[0, clusterSize)}.
     *
     * @param guestOffset   guest offset of the cluster, for messages
     * @param l2Index       index of the entry in its L2 table, for messages
     * @param l2TableOffset host offset of that L2 table, for messages
     * @throws ImageException {@link Rule#MAPPING_COMPRESSED_IN_FILE} when the data starts
     *                        past the end of the file, {@link Rule#MAPPING_COMPRESSED_DATA}
     *                        when it does not decompress to a whole cluster
     */
    public void decompress(ImageSource src, long entry, long guestOffset, int l2Index, long l2TableOffset, byte[] out) {
        long hostOffset = L2Entry.compressedOffset(entry, clusterBits);
        if (hostOffset >= src.size()) {
            throw new ImageException(Rule.MAPPING_COMPRESSED_IN_FILE, "compressed cluster offset", hostOffset,
                    Rule.MAPPING_COMPRESSED_IN_FILE.format(l2Index, l2TableOffset, hostOffset, src.size()));
        }
        decompress(src, hostOffset, L2Entry.compressedLength(entry, clusterBits), guestOffset, out);
    }

    /**
     * Decompresses the {@code length} bytes the descriptor names at {@code hostOffset}
     * (those past the end of the file are simply absent) into {@code out[0, clusterSize)}.
     *
     * @throws ImageException {@link Rule#MAPPING_COMPRESSED_DATA} when they do not decompress to a whole cluster
     */
    public void decompress(ImageSource src, long hostOffset, long length, long guestOffset, byte[] out) {
        int stored = (int) Math.min(length, input.length);
        inputBuffer.clear().limit(stored);
        int n = src.readAvailable(hostOffset, inputBuffer);
        String fault = compressionType == Header.COMPRESSION_ZSTD ? zstd(n, out) : deflate(n, out);
        if (fault != null) {
            throw new ImageException(Rule.MAPPING_COMPRESSED_DATA, "compressed cluster", hostOffset,
                    Rule.MAPPING_COMPRESSED_DATA.format(guestOffset, hostOffset, fault));
        }
    }

    /** Returns null on success, else what went wrong. */
    private String deflate(int n, byte[] out) {
        if (inflater == null) {
            inflater = new Inflater(true);
        }
        Inflater inf = inflater;
        inf.reset();
        inf.setInput(input, 0, n);
        int produced = 0;
        try {
            while (produced < clusterSize) {
                int k = inf.inflate(out, produced, clusterSize - produced);
                produced += k;
                if (k == 0) { // finished, out of input, or wants a preset dictionary: no more output
                    break;
                }
            }
        } catch (DataFormatException e) {
            return "deflate data is invalid after " + produced + " bytes of output: " + e.getMessage();
        }
        if (produced < clusterSize) {
            return String.format("deflate stream %s after %d of %d bytes",
                    inf.finished() ? "ends" : "is cut short", produced, clusterSize);
        }
        return null;
    }

    private String zstd(int n, byte[] out) {
        int frame;
        try {
            frame = ZstdFrame.length(input, 0, n);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (zstd == null) {
            zstd = new ZstdDecompressor();
        }
        int produced;
        try {
            produced = zstd.decompress(input, 0, frame, out, 0, clusterSize);
        } catch (RuntimeException e) { // MalformedInputException, or a bounds fault on hostile input
            return "zstd frame of " + frame + " bytes is invalid or larger than a cluster: " + e.getMessage();
        }
        if (produced != clusterSize) {
            return String.format("zstd frame decompresses to %d bytes, not the cluster size %d", produced, clusterSize);
        }
        return null;
    }

    @Override
    public void close() {
        if (inflater != null) {
            inflater.end();
        }
    }
}
