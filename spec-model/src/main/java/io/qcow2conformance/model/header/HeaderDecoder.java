package io.qcow2conformance.model.header;

import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;

import java.nio.ByteBuffer;

/**
 * The one place that decodes the header (spec: Header). It refuses only what makes the
 * rest of the file meaningless (magic, version, a header that cannot be read); every other
 * rule is left to {@link HeaderRules}, so that a check can report it as a finding.
 */
public final class HeaderDecoder {
    /** The decoder reads at most this many bytes of a header; larger lengths are a finding. */
    private static final int MAX_DECODED_LENGTH = 1 << 21;

    private HeaderDecoder() {
    }

    public static Header decode(ImageSource src) {
        if (src.size() < 8) {
            throw new ImageException(Rule.HEADER_MAGIC, "magic", 0,
                    "the file is " + src.size() + " bytes long, too short for a qcow2 header");
        }
        byte[] first = bytes(src.read(0, 8, Rule.HEADER_MAGIC, "magic"));
        long magic = HeaderField.MAGIC.read(first);
        if (magic != Header.MAGIC) {
            throw new ImageException(Rule.HEADER_MAGIC, "magic", 0, Rule.HEADER_MAGIC.format(magic));
        }
        long version = HeaderField.VERSION.read(first);
        if (version != 2 && version != 3) {
            throw new ImageException(Rule.HEADER_VERSION, "version", 4, Rule.HEADER_VERSION.format(version));
        }
        int fixed = version == 2 ? Header.V2_LENGTH : Header.V3_MIN_LENGTH;
        byte[] b = bytes(src.read(0, fixed, Rule.FILE_STRUCTURE_IN_BOUNDS, "header"));
        long headerLength = version == 2 ? Header.V2_LENGTH : HeaderField.HEADER_LENGTH.read(b);
        int compressionType = 0;
        byte[] additional = new byte[0];
        long clusterBits = HeaderField.CLUSTER_BITS.read(b);
        if (version == 3 && headerLength > Header.V3_MIN_LENGTH && clusterBits >= 9 && clusterBits < 31
                && headerLength > (1L << clusterBits)) {
            throw new ImageException(Rule.HEADER_IN_FIRST_CLUSTER, "header_length", HeaderField.HEADER_LENGTH.offset(),
                    Rule.HEADER_IN_FIRST_CLUSTER.format(headerLength, 1L << clusterBits));
        }
        if (version == 3 && headerLength > Header.V3_MIN_LENGTH) {
            int extra = (int) Math.min(headerLength - Header.V3_MIN_LENGTH, MAX_DECODED_LENGTH);
            long available = Math.max(0, src.size() - Header.V3_MIN_LENGTH);
            byte[] tail = bytes(src.read(Header.V3_MIN_LENGTH, (int) Math.min(extra, available),
                    Rule.FILE_STRUCTURE_IN_BOUNDS, "header_length"));
            if (tail.length < extra) {
                throw new ImageException(Rule.FILE_STRUCTURE_IN_BOUNDS, "header_length", 100,
                        "header_length " + headerLength + " reaches past the end of the file (size " + src.size() + ")");
            }
            compressionType = tail[0] & 0xff;
            additional = new byte[tail.length - 1];
            System.arraycopy(tail, 1, additional, 0, additional.length);
        }
        boolean v3 = version == 3;
        return new Header(
                magic,
                version,
                HeaderField.BACKING_FILE_OFFSET.read(b),
                HeaderField.BACKING_FILE_SIZE.read(b),
                HeaderField.CLUSTER_BITS.read(b),
                HeaderField.SIZE.read(b),
                HeaderField.CRYPT_METHOD.read(b),
                HeaderField.L1_SIZE.read(b),
                HeaderField.L1_TABLE_OFFSET.read(b),
                HeaderField.REFCOUNT_TABLE_OFFSET.read(b),
                HeaderField.REFCOUNT_TABLE_CLUSTERS.read(b),
                HeaderField.NB_SNAPSHOTS.read(b),
                HeaderField.SNAPSHOTS_OFFSET.read(b),
                v3 ? HeaderField.INCOMPATIBLE_FEATURES.read(b) : 0,
                v3 ? HeaderField.COMPATIBLE_FEATURES.read(b) : 0,
                v3 ? HeaderField.AUTOCLEAR_FEATURES.read(b) : 0,
                v3 ? HeaderField.REFCOUNT_ORDER.read(b) : 4,
                headerLength,
                compressionType,
                additional);
    }

    static byte[] bytes(ByteBuffer buf) {
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }
}
