package io.qcow2conformance.model.mapping;

import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;

import java.nio.ByteBuffer;

/** The one place that decodes L1 and L2 tables (spec: Cluster mapping). */
public final class MappingDecoder {
    private MappingDecoder() {
    }

    /**
     * Reads an L1 table of {@code l1Size} entries. The size is bounded by
     * {@link Limits#maxL1Bytes()} before anything is allocated.
     */
    public static long[] readL1(ImageSource src, long offset, long l1Size, Limits limits, String what) {
        long bytes = l1Size * 8;
        if (l1Size < 0 || bytes > limits.maxL1Bytes()) {
            throw new ImageException(Rule.LIMIT_L1_SIZE, what + " l1_size", 36,
                    Rule.LIMIT_L1_SIZE.format(l1Size, bytes, limits.maxL1Bytes()));
        }
        ByteBuffer b = src.read(offset, (int) bytes, Rule.FILE_STRUCTURE_IN_BOUNDS, what + " L1 table");
        long[] out = new long[(int) l1Size];
        b.asLongBuffer().get(out);
        return out;
    }

    /**
     * Reads one L2 table: {@code clusterSize / 8} words; with extended L2 entries, word
     * {@code 2i} is entry i and word {@code 2i+1} its subcluster bitmap.
     */
    public static long[] readL2(ImageSource src, long offset, Header h) {
        int cs = (int) h.clusterSize();
        ByteBuffer b = src.read(offset, cs, Rule.FILE_STRUCTURE_IN_BOUNDS, "L2 table");
        long[] out = new long[cs / 8];
        b.asLongBuffer().get(out);
        return out;
    }
}
