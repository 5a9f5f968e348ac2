package io.qcow2conformance.model.snapshot;

import java.util.Arrays;
import java.util.Optional;

/**
 * The fields of a snapshot table entry at their offsets from the entry's start (spec:
 * Snapshots > Snapshot table entry): the fixed part, then the fields defined in the extra
 * data, which an entry holds only when its extra data reaches their end. Names follow
 * QEMU's QCowSnapshotHeader and QCowSnapshotExtraData, as the spec gives none. The one
 * table shared by the writer (field regions of its layout) and the scenario vocabulary.
 */
public enum SnapshotEntryField {
    L1_TABLE_OFFSET("l1_table_offset", 0, 8),
    L1_SIZE("l1_size", 8, 4),
    ID_STR_SIZE("id_str_size", 12, 2),
    NAME_SIZE("name_size", 14, 2),
    DATE_SEC("date_sec", 16, 4),
    DATE_NSEC("date_nsec", 20, 4),
    VM_CLOCK_NSEC("vm_clock_nsec", 24, 8),
    VM_STATE_SIZE("vm_state_size", 32, 4),
    EXTRA_DATA_SIZE("extra_data_size", 36, 4),
    VM_STATE_SIZE_LARGE("vm_state_size_large", 40, 8),
    DISK_SIZE("disk_size", 48, 8),
    ICOUNT("icount", 56, 8);

    private final String specName;
    private final int offset;
    private final int width;

    SnapshotEntryField(String specName, int offset, int width) {
        this.specName = specName;
        this.offset = offset;
        this.width = width;
    }

    public String specName() {
        return specName;
    }

    /** Bytes from the start of the entry. */
    public int offset() {
        return offset;
    }

    public int width() {
        return width;
    }

    /** Whether an entry with {@code extraDataSize} bytes of extra data holds this field whole. */
    public boolean presentWith(long extraDataSize) {
        return offset + width <= Snapshot.FIXED_LENGTH + extraDataSize;
    }

    public static Optional<SnapshotEntryField> bySpecName(String name) {
        return Arrays.stream(values()).filter(f -> f.specName.equals(name)).findFirst();
    }
}
