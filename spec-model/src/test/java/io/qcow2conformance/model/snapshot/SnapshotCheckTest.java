package io.qcow2conformance.model.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.qcow2conformance.model.check.CheckReport;
import io.qcow2conformance.model.check.ImageChecker;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;
import io.qcow2conformance.model.rules.Severity;
import io.qcow2conformance.model.write.ImageDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

/**
 * The snapshot rules through the default checker: an image with valid snapshots is clean,
 * and breaking exactly one rule gives exactly that finding, at the byte offset of the field
 * (offsets from the fixture's layout and the spec's entry offsets).
 */
class SnapshotCheckTest {
    @TempDir
    Path dir;

    static CheckReport check(SnapshotFixture f, Limits limits) {
        return new ImageChecker(limits).check(f.file);
    }

    static CheckReport check(SnapshotFixture f) {
        return check(f, Limits.DEFAULT);
    }

    static EntryBytes valid(long l1, long l1Size, String id) {
        return new EntryBytes(l1, l1Size).id(id).extra(EntryBytes.v3Extra(0, SnapshotFixture.VIRTUAL_SIZE, 0));
    }

    private static void assertOnly(CheckReport r, Rule rule, long offset) {
        assertNull(r.fatal(), () -> r.fatal().getMessage());
        assertEquals(1, r.findings().size(), r.findings()::toString);
        Finding f = r.findings().get(0);
        assertEquals(rule, f.rule(), f::toString);
        assertEquals(offset, f.offset(), f::toString);
    }

    @ParameterizedTest(name = "version {0}")
    @ValueSource(ints = {2, 3})
    void snapshotsSharingTheActiveMappingAreClean(int version) {
        SnapshotFixture f = SnapshotFixture.write(dir, version);
        long shared = f.appendSharedL1();
        long empty = f.appendEmptyL1();
        f.appendTable(2, EntryBytes.table(valid(shared, f.l1Size, "1"), valid(empty, f.l1Size, "2")));
        CheckReport r = check(f);
        assertEquals(List.of(), r.findings());
        assertEquals(CheckReport.Verdict.CLEAN, r.verdict());
    }

    @Test
    void withoutTheSnapshotSourceTheSnapshotClustersLeak() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        long shared = f.appendSharedL1();
        f.appendTable(1, valid(shared, f.l1Size, "1").bytes());
        CheckReport r = new ImageChecker(Limits.DEFAULT).withReferenceSources(List.of()).check(f.file);
        // the snapshot L1 table and the table: refcount 1, no reference; the L2 table and the
        // two data clusters: refcount 2, one reference
        assertEquals(5, r.leaks(), r.findings()::toString);
    }

    @Test
    void unalignedSnapshotL1Offset() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        long at = f.appendTable(1, valid(SnapshotFixture.CLUSTER + 8, 0, "1").bytes());
        assertOnly(check(f), Rule.SNAPSHOT_L1_OFFSET_ALIGNED, at);
    }

    @Test
    void unalignedSnapshotL1IsNotWalkedSoItsClustersLeakAsInQemu() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        long shared = f.appendSharedL1();
        f.appendTable(1, valid(shared + 8, f.l1Size, "1").bytes());
        CheckReport r = check(f);
        assertEquals(1, r.corruptions());
        assertEquals(4, r.leaks(), r.findings()::toString); // the snapshot L1, its L2 table and 2 data clusters
    }

    @Test
    void snapshotL1TooSmallForTheSnapshotsVirtualSize() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        long l1 = f.appendEmptyL1();
        // 512-byte clusters: one L1 entry maps 64 clusters (32 KiB); 1 MiB needs 32 entries
        EntryBytes e = new EntryBytes(l1, f.l1Size).extra(EntryBytes.v3Extra(0, 1 << 20, 0));
        long at = f.appendTable(1, e.bytes());
        assertOnly(check(f), Rule.SNAPSHOT_L1_COVERS_VIRTUAL_SIZE, at + 8);
        assertEquals(Severity.WARNING, check(f).findings().get(0).severity());
    }

    @Test
    void version3EntryWithoutTheVirtualSizeField() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        long l1 = f.appendEmptyL1();
        long at = f.appendTable(1, new EntryBytes(l1, f.l1Size).extra(new byte[8]).bytes());
        assertOnly(check(f), Rule.SNAPSHOT_EXTRA_DATA_V3, at + 36);
    }

    @Test
    void version2EntryWithoutExtraDataIsValid() {
        SnapshotFixture f = SnapshotFixture.write(dir, 2);
        long l1 = f.appendEmptyL1();
        f.appendTable(1, new EntryBytes(l1, f.l1Size).bytes());
        assertEquals(List.of(), check(f).findings());
    }

    @Test
    void snapshotsInAnImageWithAnExternalDataFile() {
        SnapshotFixture f = SnapshotFixture.write(dir, ImageDescription.builder()
                .clusterBits(SnapshotFixture.CLUSTER_BITS).virtualSize(SnapshotFixture.VIRTUAL_SIZE)
                .incompatibleFeatures(Header.INCOMPAT_DATA_FILE).build());
        long l1 = f.appendEmptyL1();
        f.appendTable(1, valid(l1, f.l1Size, "1").bytes());
        assertOnly(check(f), Rule.SNAPSHOT_WITH_DATA_FILE, 60);
    }

    @Test
    void duplicateIds() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        long l1 = f.appendEmptyL1();
        long l1b = f.appendEmptyL1();
        EntryBytes first = valid(l1, f.l1Size, "7");
        long at = f.appendTable(2, EntryBytes.table(first, valid(l1b, f.l1Size, "7")));
        long second = at + first.bytes().length;
        assertOnly(check(f), Rule.SNAPSHOT_ID_UNIQUE, second + 40 + 24);
    }

    @Test
    void snapshotL1LargerThanTheL1LimitIsReportedAndNotRead() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        long at = f.appendTable(1, valid(SnapshotFixture.CLUSTER * 1000, 3, "1").bytes());
        Limits limits = new Limits(f.l1Size * 8, 8L << 20, 24, 16, 1L << 30, false);
        CheckReport r = check(f, limits);
        assertOnly(r, Rule.SNAPSHOT_L1_SIZE_MAX, at + 8);
        assertEquals(CheckReport.Verdict.CLEAN, r.verdict(), "a limit is not a corruption");
    }

    @Test
    void undecodableTableStopsTheCheckAsQemuDoes() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        f.appendTable(1, new EntryBytes(0, 0).extra(new byte[2000]).bytes());
        CheckReport r = check(f);
        assertNotNull(r.fatal());
        assertEquals(Rule.SNAPSHOT_EXTRA_DATA_MAX, r.fatal().rule());
        assertEquals(CheckReport.Verdict.NOT_CHECKED, r.verdict());
    }

    @Test
    void snapshotL1PastTheEndOfTheFile() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        f.appendTable(1, valid(SnapshotFixture.CLUSTER * 100_000, f.l1Size, "1").bytes());
        CheckReport r = check(f);
        assertEquals(1, r.findings().size(), r.findings()::toString);
        assertEquals(Rule.FILE_STRUCTURE_IN_BOUNDS, r.findings().get(0).rule());
        assertEquals(CheckReport.Verdict.CORRUPTIONS, r.verdict());
        assertEquals(SnapshotFixture.CLUSTER * 100_000, r.findings().get(0).offset());
    }
}
