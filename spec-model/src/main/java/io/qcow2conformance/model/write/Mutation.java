package io.qcow2conformance.model.write;

import io.qcow2conformance.model.header.HeaderField;

/**
 * One deliberate fault applied to a written image, located through the writer's
 * {@link Layout} (never through hard-coded offsets); {@link Mutations} applies it. A mutation
 * does not name the rule it breaks: a scenario names that rule in its Then step, a test in
 * its assertion.
 */
public sealed interface Mutation {
    /** Arithmetic applied to a stored value. */
    enum Op { SET, ADD, SET_BIT, CLEAR_BIT }

    /** {@code value} is the operand, or the bit number for SET_BIT / CLEAR_BIT. */
    record HeaderValue(HeaderField field, Op op, long value) implements Mutation {
    }

    /** One raw header byte (padding, unknown fields). */
    record HeaderByte(int offset, int value) implements Mutation {
    }

    /** A whole L1 or L2 entry (bits), for the entry that maps {@code guestCluster}. */
    record TableEntry(boolean l1, long guestCluster, Op op, long value) implements Mutation {
    }

    /** The host offset field (bits 9-55) of the L1 or L2 entry mapping {@code guestCluster}; flags kept. */
    record HostOffset(boolean l1, long guestCluster, Op op, long value) implements Mutation {
    }

    /** Refcount table entry {@code index} (bits, or the block offset with ADD / SET). */
    record RefcountTableEntry(int index, Op op, long value) implements Mutation {
    }

    /** Points the L2 entry of {@code guestCluster} at the host cluster holding {@code structure}; flags kept. */
    record PointAt(long guestCluster, Structure structure) implements Mutation {
    }

    /** The refcount of the host cluster holding {@code structure}. */
    record Refcount(Structure structure, long value) implements Mutation {
    }

    /** The length field of the first header extension of {@code type}. */
    record ExtensionLength(long type, long length) implements Mutation {
    }

    /** The subcluster bitmap after the extended L2 entry of {@code guestCluster} (spec: Extended L2 Entries). */
    record SubclusterBitmap(long guestCluster, Op op, long value) implements Mutation {
    }

    /** The additional-sectors field of the compressed descriptor of {@code guestCluster}. */
    record CompressedSectors(long guestCluster, long sectors) implements Mutation {
    }

    /**
     * A field of the directory entry of the {@code bitmap}th bitmap: {@code width} bytes at
     * {@code offset} into the entry (spec: Bitmap directory).
     */
    record BitmapEntryField(int bitmap, int offset, int width, Op op, long value) implements Mutation {
    }

    /** Entry {@code entry} of the bitmap table of the {@code bitmap}th bitmap (spec: Bitmap table). */
    record BitmapTableEntry(int bitmap, int entry, Op op, long value) implements Mutation {
    }

    /** The last byte of data cluster {@code entry} of the {@code bitmap}th bitmap (spec: Bitmap data). */
    record BitmapDataLastByte(int bitmap, int entry, int value) implements Mutation {
    }

    /**
     * A field of the table entry of the {@code snapshot}th snapshot: {@code width} bytes at
     * {@code offset} into the entry (spec: Snapshots > Snapshot table entry).
     */
    record SnapshotEntryField(int snapshot, int offset, int width, Op op, long value) implements Mutation {
    }

    /**
     * A numeric field of at most 8 bytes found by its {@link Layout} region name, big-endian over
     * the region's whole length (the LUKS header fields: {@code Layout.luksField},
     * {@code Layout.luksKeySlotField}).
     */
    record RegionValue(String region, Op op, long value) implements Mutation {
    }

    /** {@code width} bytes at {@code offset} into the data of the first header extension of {@code type}. */
    record ExtensionField(long type, int offset, int width, Op op, long value) implements Mutation {
    }

    /** The file ends {@code relOffset} bytes into the {@link Layout} region {@code region} (0: at its start). */
    record Truncate(String region, long relOffset) implements Mutation {
    }

    /** {@code bytes} overwrite the file from {@code relOffset} bytes into the {@link Layout} region {@code region}. */
    record Overwrite(String region, long relOffset, byte[] bytes) implements Mutation {
        public Overwrite {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }
    }

    /** A value of a mutation can name the file's own end (cluster aligned). */
    long END_OF_FILE = Long.MIN_VALUE;
}
