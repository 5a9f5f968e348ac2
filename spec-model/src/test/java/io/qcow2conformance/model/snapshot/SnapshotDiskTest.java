package io.qcow2conformance.model.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.read.BackingChain;
import io.qcow2conformance.model.read.GuestDisk;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;
import io.qcow2conformance.model.write.GuestContent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Reads through a snapshot's L1 table, with the snapshot's own virtual size (spec: Snapshots). */
class SnapshotDiskTest {
    @TempDir
    Path dir;

    private static byte[] readAll(GuestDisk d) {
        ByteBuffer b = ByteBuffer.allocate((int) d.size());
        d.read(0, b);
        return b.array();
    }

    @Test
    void aSnapshotSharingTheActiveMappingReadsLikeTheActiveImage() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        long l1 = f.appendSharedL1();
        f.appendTable(1, SnapshotCheckTest.valid(l1, f.l1Size, "1").name("shared").bytes());
        byte[] expected = new byte[(int) SnapshotFixture.VIRTUAL_SIZE];
        GuestContent.of(f.description).read(0, expected, 0, expected.length);
        try (GuestDisk s = SnapshotDisk.open(f.file, Limits.DEFAULT, "shared").orElseThrow();
             GuestDisk active = BackingChain.open(f.file, Limits.DEFAULT)) {
            assertArrayEquals(expected, readAll(s));
            assertArrayEquals(expected, readAll(active));
        }
    }

    @Test
    void anEmptySnapshotReadsZerosWithItsOwnVirtualSize() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        long l1 = f.appendEmptyL1();
        long size = SnapshotFixture.VIRTUAL_SIZE / 2 + 512;
        f.appendTable(1, new EntryBytes(l1, f.l1Size).id("9").extra(EntryBytes.v3Extra(0, size, 0)).bytes());
        try (GuestDisk s = SnapshotDisk.open(f.file, Limits.DEFAULT, "9").orElseThrow()) {
            assertEquals(size, s.size());
            assertArrayEquals(new byte[(int) size], readAll(s));
            assertEquals(size, s.holeLength(0, size));
        }
    }

    @Test
    void withoutTheSizeFieldTheSnapshotHasTheHeadersSize() {
        SnapshotFixture f = SnapshotFixture.write(dir, 2);
        long l1 = f.appendEmptyL1();
        f.appendTable(1, new EntryBytes(l1, f.l1Size).bytes());
        try (GuestDisk s = SnapshotDisk.open(f.file, Limits.DEFAULT, "snap").orElseThrow()) {
            assertEquals(SnapshotFixture.VIRTUAL_SIZE, s.size());
        }
    }

    @Test
    void anUnknownSnapshotIsEmpty() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        assertTrue(SnapshotDisk.open(f.file, Limits.DEFAULT, "1").isEmpty());
    }

    @Test
    void anUnalignedSnapshotL1CannotBeRead() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        long l1 = f.appendEmptyL1();
        long at = f.appendTable(1, SnapshotCheckTest.valid(l1 + 8, f.l1Size, "1").bytes());
        ImageException e = assertThrows(ImageException.class, () -> SnapshotDisk.open(f.file, Limits.DEFAULT, "1"));
        assertEquals(Rule.SNAPSHOT_L1_OFFSET_ALIGNED, e.rule());
        assertEquals(at, e.offset());
    }
}
