package io.qcow2conformance.model.snapshot;

import io.qcow2conformance.model.check.CheckContext;
import io.qcow2conformance.model.check.ClusterRole;
import io.qcow2conformance.model.check.ReferenceSource;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.rules.Finding;

import java.util.ArrayList;
import java.util.List;

/**
 * The snapshots' share of the refcount cross-check (spec: Snapshots; Host cluster
 * management): each usable snapshot's L1 table with its L2 tables and data, then the
 * snapshot table itself, in the order of QEMU's check (qcow2-refcount.c,
 * calculate_refcounts). A table that cannot be decoded stops the check, as QEMU's check
 * stops with a check error; a snapshot whose L1 table is unaligned or too large is
 * reported and not walked, as QEMU does.
 *
 * <p>Where this differs from QEMU 7.2's check (research/qemu-behaviour.md §2): an unaligned
 * snapshots_offset is a header finding and the table is still read there (QEMU stops with a
 * check error); a snapshot L1 table beyond the L1 limit is an implementation-limit finding
 * (QEMU counts a corruption); a version 3 entry without the virtual disk size is a
 * corruption for both ("entry N is incomplete").
 */
public final class SnapshotReferences implements ReferenceSource {

    @Override
    public void addReferences(CheckContext ctx) {
        Header h = ctx.header();
        SnapshotTable table = SnapshotDecoder.decode(ctx.source(), h, ctx.limits());
        if (table.entries().isEmpty()) {
            return;
        }
        List<Finding> findings = new ArrayList<>();
        SnapshotRules.check(h, table, ctx.limits(), findings);
        findings.forEach(ctx::report);
        for (Snapshot s : table.entries()) {
            if (SnapshotRules.l1Fault(h, s, ctx.limits()) == null) {
                ctx.countL1Table(s.l1TableOffset(), s.l1Size(), "snapshot " + s.label() + " L1 table");
            }
        }
        // The decoder has read every entry from the file: only the last padding can pass its end.
        ctx.reference(table.offset(), table.length(), ClusterRole.SNAPSHOT_TABLE, null);
    }
}
