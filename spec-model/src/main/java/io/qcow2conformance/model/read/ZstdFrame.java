package io.qcow2conformance.model.read;

/**
 * Walks one zstd frame's header and block headers to find where the frame ends (RFC 8878,
 * section 3.1.1), without decompressing it. A qcow2 compressed cluster is stored in whole
 * 512-byte sectors, so the bytes after the frame are padding or unrelated data (spec:
 * Cluster mapping > Compressed Clusters Descriptor; Header > compression_type).
 */
public final class ZstdFrame {
    /** Magic number of a zstd frame, little-endian on disk. */
    public static final int MAGIC = 0xFD2FB528;

    private static final int BLOCK_RAW = 0;
    private static final int BLOCK_RLE = 1;
    private static final int BLOCK_COMPRESSED = 2;

    private ZstdFrame() {
    }

    /**
     * The length in bytes of the zstd frame that starts at {@code b[off]}, which must lie
     * entirely within {@code b[off, off + len)}.
     *
     * @throws IllegalArgumentException naming what is wrong: no magic, a reserved bit or
     *                                  block type, or a frame cut short
     */
    public static int length(byte[] b, int off, int len) {
        int end = off + len;
        int p = off;
        need(p, 5, end, "frame header");
        int magic = (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | (b[p + 3] & 0xff) << 24;
        if (magic != MAGIC) {
            throw new IllegalArgumentException(String.format("no zstd frame magic (found 0x%08x)", magic));
        }
        p += 4;
        int descriptor = b[p++] & 0xff;
        int fcsFlag = descriptor >>> 6;
        boolean singleSegment = (descriptor & 0x20) != 0;
        boolean checksum = (descriptor & 0x04) != 0;
        int dictIdFlag = descriptor & 0x03;
        if ((descriptor & 0x08) != 0) {
            throw new IllegalArgumentException("reserved bit of the zstd frame header descriptor is set");
        }
        int headerRest = (singleSegment ? 0 : 1)
                + (dictIdFlag == 3 ? 4 : dictIdFlag)
                + switch (fcsFlag) {
                    case 0 -> singleSegment ? 1 : 0;
                    case 1 -> 2;
                    case 2 -> 4;
                    default -> 8;
                };
        need(p, headerRest, end, "frame header");
        p += headerRest;
        while (true) {
            need(p, 3, end, "block header");
            int header = (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16;
            p += 3;
            boolean last = (header & 1) != 0;
            int type = (header >>> 1) & 3;
            int size = header >>> 3;
            int stored = switch (type) {
                case BLOCK_RAW, BLOCK_COMPRESSED -> size;
                case BLOCK_RLE -> 1;
                default -> throw new IllegalArgumentException("reserved zstd block type 3");
            };
            need(p, stored, end, "block");
            p += stored;
            if (last) {
                break;
            }
        }
        if (checksum) {
            need(p, 4, end, "content checksum");
            p += 4;
        }
        return p - off;
    }

    private static void need(int p, int n, int end, String what) {
        if (n > end - p) {
            throw new IllegalArgumentException("zstd " + what + " is cut short by the end of the compressed data");
        }
    }
}
