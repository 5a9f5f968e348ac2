package io.qcow2conformance.model.read;

import java.io.Closeable;
import java.nio.ByteBuffer;

/**
 * The virtual disk a guest sees: a qcow2 image with its backing chain, or a raw file used
 * as a backing file. Reads are positional and fill the whole buffer; a disk closes the
 * disks it is layered on. Not thread-safe.
 */
public interface GuestDisk extends Closeable {
    /** The virtual size in bytes. */
    long size();

    /**
     * Fills {@code dst} from its position to its limit with the guest bytes starting at
     * {@code offset}; the position advances to the limit.
     *
     * @throws IndexOutOfBoundsException when the range does not lie within {@link #size()}
     * @throws io.qcow2conformance.model.rules.ImageException when the image cannot be read there
     */
    void read(long offset, ByteBuffer dst);

    /**
     * How many bytes from {@code offset} on (at most {@code max}) are known to read as zeros
     * without reading any data: unallocated clusters with nothing beneath them, zero
     * clusters, the part past the end of a backing file. 0 when {@code offset} holds data
     * (data that happens to be all zeros is not a hole). Costs metadata reads only.
     */
    long holeLength(long offset, long max);

    @Override
    void close();

    /** Checks that {@code [offset, offset + length)} lies within a disk of {@code size} bytes. */
    static void checkRange(long offset, long length, long size) {
        if (offset < 0 || length < 0 || offset > size || size - offset < length) {
            throw new IndexOutOfBoundsException(String.format(
                    "guest range of %d bytes at offset %d is outside the virtual disk of %d bytes", length, offset, size));
        }
    }
}
