package io.qcow2conformance.model.write;

import java.nio.charset.StandardCharsets;

/**
 * An internal snapshot for {@link Qcow2Writer} to store (spec: Snapshots): it captures the
 * guest content given by the first {@code operations} operations of its
 * {@link ImageDescription}; the operations after it write with {@link GuestPattern} layer
 * {@code layerAfter}, so a reader that mixes up the snapshot and the active image is caught.
 * No VM state is saved (vm_state_size 0) and the date and clock fields are zero: nothing
 * depends on the time of writing.
 *
 * @param id            the unique ID string (QEMU numbers them "1", "2"...)
 * @param name          the name
 * @param operations    how many of the description's operations come before the snapshot
 * @param layerAfter    the layer of the operations after this snapshot (up to the next one), 0..255
 * @param extraDataSize bytes of extra data: 8 hold vm_state_size_large, 16 add the virtual disk size,
 *                      24 add icount (-1: no icount, as QEMU writes); bytes past the fields written
 *                      hold {@link #UNKNOWN_EXTRA_BYTE} (spec: Snapshots > Snapshot table entry)
 * @param virtualSize   the snapshot's virtual disk size (the disk_size field, so only with 16 bytes of
 *                      extra data or more), or 0 for the image's own size
 */
public record InternalSnapshot(String id, String name, int operations, int layerAfter, int extraDataSize,
                               long virtualSize) {
    /** Extra data as QEMU 7.2 writes it: vm_state_size_large, disk_size, icount. */
    public static final int QEMU_EXTRA_DATA = 24;
    /** The size needed to hold the virtual disk size (spec: a version 3 minimum). */
    public static final int DISK_SIZE_EXTRA_DATA = 16;
    /** Fills extra data past the fields this writer knows: data a reader must skip unread. */
    public static final byte UNKNOWN_EXTRA_BYTE = (byte) 0xa5;
    /** The writer's bound on extra data (QEMU refuses more than 1024 bytes: an implementation limit the corpus shows). */
    public static final int MAX_EXTRA_DATA = 1 << 16;

    public InternalSnapshot {
        if (id.getBytes(StandardCharsets.UTF_8).length > 0xffff || name.getBytes(StandardCharsets.UTF_8).length > 0xffff) {
            throw new IllegalArgumentException("snapshot ID and name are at most 65535 bytes");
        }
        if (operations < 0 || layerAfter < 0 || layerAfter > GuestPattern.MAX_LAYER) {
            throw new IllegalArgumentException("snapshot " + name + ": bad operation count or layer");
        }
        if (extraDataSize < 0 || extraDataSize > MAX_EXTRA_DATA) {
            throw new IllegalArgumentException("snapshot extra data is 0.." + MAX_EXTRA_DATA + " bytes");
        }
        if (virtualSize < 0 || (virtualSize != 0 && extraDataSize < DISK_SIZE_EXTRA_DATA)) {
            throw new IllegalArgumentException("snapshot " + name
                    + ": its own virtual size needs 16 bytes of extra data (the disk_size field)");
        }
    }

    /** A snapshot as QEMU 7.2 writes it (24 bytes of extra data), with the image's own size. */
    public static InternalSnapshot of(String id, String name, int operations, int layerAfter) {
        return new InternalSnapshot(id, name, operations, layerAfter, QEMU_EXTRA_DATA, 0);
    }

    public InternalSnapshot withExtraData(int size) {
        return new InternalSnapshot(id, name, operations, layerAfter, size, virtualSize);
    }

    public InternalSnapshot withVirtualSize(long size) {
        return new InternalSnapshot(id, name, operations, layerAfter, extraDataSize, size);
    }

    byte[] idBytes() {
        return id.getBytes(StandardCharsets.UTF_8);
    }

    byte[] nameBytes() {
        return name.getBytes(StandardCharsets.UTF_8);
    }
}
