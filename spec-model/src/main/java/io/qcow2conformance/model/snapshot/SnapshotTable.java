package io.qcow2conformance.model.snapshot;

import java.util.List;
import java.util.Optional;

/**
 * The snapshot table (spec: Snapshots): the entries in file order.
 *
 * @param offset  snapshots_offset
 * @param entries the decoded entries
 * @param length  bytes from the table's start to the end of the last entry's padding
 */
public record SnapshotTable(long offset, List<Snapshot> entries, long length) {

    public SnapshotTable {
        entries = List.copyOf(entries);
    }

    /** The snapshot whose ID is {@code idOrName}, else the first one with that name (as QEMU looks them up). */
    public Optional<Snapshot> find(String idOrName) {
        return entries.stream().filter(s -> s.id().equals(idOrName)).findFirst()
                .or(() -> entries.stream().filter(s -> s.name().equals(idOrName)).findFirst());
    }
}
