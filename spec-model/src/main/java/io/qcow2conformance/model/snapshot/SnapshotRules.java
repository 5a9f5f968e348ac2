package io.qcow2conformance.model.snapshot;

import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules on a decoded snapshot table (spec: Snapshots; Header, incompatible bit 2) that
 * leave the table usable: they are findings, not errors. The table's own placement and
 * QEMU's size limits are enforced while decoding ({@link SnapshotDecoder}).
 */
public final class SnapshotRules {
    private SnapshotRules() {
    }

    public static void check(Header h, SnapshotTable table, Limits limits, List<Finding> out) {
        List<Snapshot> entries = table.entries();
        if (h.externalDataFile() && !entries.isEmpty()) {
            out.add(Finding.of(Rule.SNAPSHOT_WITH_DATA_FILE, SnapshotDecoder.NB_SNAPSHOTS_FIELD, entries.size()));
        }
        Map<String, Snapshot> byId = new HashMap<>();
        for (Snapshot s : entries) {
            if (h.isV3() && s.extraDataSize() < Snapshot.V3_MIN_EXTRA_DATA) {
                out.add(Finding.of(Rule.SNAPSHOT_EXTRA_DATA_V3, s.entryOffset() + SnapshotDecoder.EXTRA_DATA_SIZE_FIELD,
                        s.index(), s.id(), s.extraDataSize()));
            }
            Finding unusable = l1Fault(h, s, limits);
            if (unusable != null) {
                out.add(unusable);
            } else {
                long needed = h.l1EntriesNeeded(s.virtualSize(h));
                if (s.l1Size() < needed) {
                    out.add(Finding.of(Rule.SNAPSHOT_L1_COVERS_VIRTUAL_SIZE,
                            s.entryOffset() + SnapshotDecoder.L1_SIZE_FIELD, s.id(), s.name(), s.l1Size(),
                            s.virtualSize(h), needed));
                }
            }
            Snapshot first = byId.putIfAbsent(s.id(), s);
            if (first != null) {
                out.add(Finding.of(Rule.SNAPSHOT_ID_UNIQUE, s.idOffset(), first.index(), s.index(), s.id()));
            }
        }
    }

    /**
     * Why the snapshot's L1 table cannot be used (read for its guest content or walked by the
     * check), or null: an unaligned offset or a table beyond the L1 limit. QEMU's check skips
     * such a snapshot after reporting it; so does ours.
     */
    public static Finding l1Fault(Header h, Snapshot s, Limits limits) {
        if (s.l1TableOffset() % h.clusterSize() != 0) {
            return Finding.of(Rule.SNAPSHOT_L1_OFFSET_ALIGNED, s.entryOffset(), s.id(), s.name(), s.l1TableOffset(),
                    h.clusterSize());
        }
        if (s.l1Size() * 8 > limits.maxL1Bytes()) {
            return Finding.of(Rule.SNAPSHOT_L1_SIZE_MAX, s.entryOffset() + SnapshotDecoder.L1_SIZE_FIELD, s.id(),
                    s.name(), s.l1Size(), s.l1Size() * 8, limits.maxL1Bytes());
        }
        return null;
    }
}
