package io.qcow2conformance.model.write;

/**
 * One guest operation of an {@link ImageDescription}, applied in order. Ranges are guest
 * byte ranges inside the virtual disk. Only {@link Write} may cover part of a cluster;
 * every other operation works on whole clusters (its end may be the end of the disk).
 */
public sealed interface GuestOp {
    long offset();

    long length();

    /** Writes the layer's {@link GuestPattern} over the range (the rest of a touched cluster keeps what it read before). */
    record Write(long offset, long length) implements GuestOp {
    }

    /** Reads as zeros from now on (spec: zero flag, version 3 only); {@code preallocated} keeps a host cluster. */
    record Zero(long offset, long length, boolean preallocated) implements GuestOp {
    }

    /** Makes the clusters unallocated again: they read from the backing file, or as zeros. */
    record Discard(long offset, long length) implements GuestOp {
    }

    /** Writes the layer's pattern over whole clusters, stored as compressed clusters. */
    record WriteCompressed(long offset, long length) implements GuestOp {
    }

    /**
     * Maps guest cluster {@code guestCluster} to the same host cluster as {@code sourceCluster}
     * (which must end up a normal cluster): both then have refcount 2 and no copied flag.
     */
    record Share(long guestCluster, long sourceCluster) implements GuestOp {
        public long offset() {
            return -1;
        }

        public long length() {
            return 0;
        }
    }
}
