package io.qcow2conformance.generators.image;

/**
 * The self-describing guest data every generated image is written with, so that a reader
 * that maps a cluster to the wrong place, the wrong layer or stale host data is caught by
 * the content alone (no raw disk is stored next to the images).
 */
public final class GuestPattern {
    /** The image itself. */
    public static final int LAYER_IMAGE = 0;
    /** Its backing file. */
    public static final int LAYER_BACKING = 1;
    /** Host clusters that must never be read as guest data (preallocated under zero clusters). */
    public static final int LAYER_STALE = 0xee;

    /** Written into the manifest's {@code guestPattern}. */
    public static final String DESCRIPTION = "Every 8-byte word at guest offset o (a multiple of 8) of layer L holds, "
            + "big-endian, the bytes 0x51 0x43 ('QC'), L as one byte and o as five bytes. Layer 0 is the image itself, "
            + "layer 1 its backing file; host clusters preallocated under zero clusters hold layer 0xee, which a "
            + "reader must never return. Zero and unallocated clusters without a backing file read as zero bytes.";

    private GuestPattern() {
    }

    /** Fills {@code len} bytes (a multiple of 8) of {@code dst} with the pattern of {@code layer} from {@code guestOffset}. */
    public static void fill(byte[] dst, int dstOffset, long guestOffset, int layer, int len) {
        if ((guestOffset & 7) != 0 || (len & 7) != 0) {
            throw new IllegalArgumentException("pattern words are 8-byte aligned");
        }
        for (int i = 0; i < len; i += 8) {
            long o = guestOffset + i;
            int p = dstOffset + i;
            dst[p] = 0x51;
            dst[p + 1] = 0x43;
            dst[p + 2] = (byte) layer;
            for (int b = 0; b < 5; b++) {
                dst[p + 3 + b] = (byte) (o >>> (8 * (4 - b)));
            }
        }
    }

    public static byte[] cluster(long guestOffset, int layer, int clusterSize) {
        byte[] out = new byte[clusterSize];
        fill(out, 0, guestOffset, layer, clusterSize);
        return out;
    }
}
