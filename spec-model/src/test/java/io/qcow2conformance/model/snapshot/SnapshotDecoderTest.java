package io.qcow2conformance.model.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.OptionalLong;

/** {@link SnapshotDecoder} against entries built from the spec's offsets (spec: Snapshots > Snapshot table entry). */
class SnapshotDecoderTest {
    @TempDir
    Path dir;

    private SnapshotTable decode(SnapshotFixture f, Limits limits) {
        try (ImageSource src = ImageSource.open(f.file)) {
            Header h = HeaderDecoder.decode(src);
            return SnapshotDecoder.decode(src, h, limits);
        }
    }

    @Test
    void everyFieldIsReadFromItsSpecOffset() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        byte[] extra = new byte[30]; // the three defined fields, then 6 bytes this model does not know
        System.arraycopy(EntryBytes.v3Extra(0x1_0000_0001L, 0x123400L, -1), 0, extra, 0, 24);
        for (int i = 24; i < 30; i++) {
            extra[i] = (byte) (0xa0 + i);
        }
        EntryBytes e = new EntryBytes(0x5a00, 7).id("42").name("näme").extra(extra);
        e.dateSec = 0xfedcba98L; // above 2^31: unsigned
        e.dateNsec = 999_999_999L;
        e.vmClockNsec = 0x0102030405060708L;
        e.vmStateSize32 = 0x87654321L;
        EntryBytes second = new EntryBytes(0, 0).id("43").name("");
        long at = f.appendTable(2, EntryBytes.table(e, second));

        SnapshotTable t = decode(f, Limits.DEFAULT);
        assertEquals(at, t.offset());
        Snapshot s = t.entries().get(0);
        assertEquals(0, s.index());
        assertEquals(at, s.entryOffset());
        assertEquals(0x5a00, s.l1TableOffset());
        assertEquals(7, s.l1Size());
        assertEquals("42", s.id());
        assertEquals("näme", s.name());
        assertEquals(0xfedcba98L, s.dateSec());
        assertEquals(999_999_999L, s.dateNsec());
        assertEquals(0x0102030405060708L, s.vmClockNsec());
        assertEquals(0x87654321L, s.vmStateSize32());
        assertEquals(30, s.extraDataSize());
        assertEquals(OptionalLong.of(0x1_0000_0001L), s.vmStateSize64());
        assertEquals(0x1_0000_0001L, s.vmStateSize(), "the 64-bit field wins over the 32-bit one");
        assertEquals(OptionalLong.of(0x123400L), s.virtualDiskSize());
        assertEquals(OptionalLong.of(-1), s.icount());
        assertArrayEquals(new byte[] {(byte) 0xb8, (byte) 0xb9, (byte) 0xba, (byte) 0xbb, (byte) 0xbc, (byte) 0xbd},
                s.unknownExtraData());
        int idAndName = 2 + "näme".getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        assertEquals((40 + 30 + idAndName + 7) / 8 * 8, s.entryLength());
        Snapshot s2 = t.entries().get(1);
        assertEquals(at + s.entryLength(), s2.entryOffset(), "entries follow each other, each padded to 8");
        assertEquals("43", s2.id());
        assertEquals(48, s2.entryLength());
        assertEquals(s.entryLength() + 48, t.length());
    }

    @Test
    void shortExtraDataHasOnlyTheFieldsItReaches() {
        SnapshotFixture f = SnapshotFixture.write(dir, 2);
        EntryBytes e = new EntryBytes(0, 0).extra(new byte[] {0, 0, 0, 0, 0, 0, 0, 9, 1, 2});
        e.vmStateSize32 = 5;
        f.appendTable(1, e.bytes());
        Snapshot s = decode(f, Limits.DEFAULT).entries().get(0);
        assertEquals(OptionalLong.of(9), s.vmStateSize64());
        assertFalse(s.virtualDiskSize().isPresent());
        assertFalse(s.icount().isPresent());
        assertArrayEquals(new byte[] {1, 2}, s.unknownExtraData());
        try (ImageSource src = ImageSource.open(f.file)) {
            Header h = HeaderDecoder.decode(src);
            assertEquals(SnapshotFixture.VIRTUAL_SIZE, s.virtualSize(h), "without the field: the header's size");
        }
    }

    @Test
    void noSnapshotsIsAnEmptyTableWhateverTheOffset() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        f.setHeader(0, 0x7777_7777_7777L);
        assertTrue(decode(f, Limits.DEFAULT).entries().isEmpty());
    }

    @Test
    void findLooksUpTheIdFirstThenTheName() {
        SnapshotFixture f = SnapshotFixture.write(dir, 2);
        f.appendTable(3, EntryBytes.table(new EntryBytes(0, 0).id("1").name("2"),
                new EntryBytes(0, 0).id("2").name("x"), new EntryBytes(0, 0).id("3").name("x")));
        SnapshotTable t = decode(f, Limits.DEFAULT);
        assertEquals(1, t.find("2").orElseThrow().index());
        assertEquals(1, t.find("x").orElseThrow().index());
        assertEquals(0, t.find("1").orElseThrow().index());
        assertTrue(t.find("y").isEmpty());
    }

    private ImageException fails(SnapshotFixture f, Limits limits, Rule rule) {
        ImageException e = assertThrows(ImageException.class, () -> decode(f, limits));
        assertEquals(rule, e.rule(), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        return e;
    }

    @Test
    void tableStartingPastTheEndOfTheFileIsFatal() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        f.setHeader(1, 1L << 40);
        assertEquals(64, fails(f, Limits.DEFAULT, Rule.SNAPSHOT_TABLE_IN_FILE).offset());
    }

    @Test
    void entryReachingPastTheEndOfTheFileIsFatal() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        EntryBytes e = new EntryBytes(0, 0).extra(EntryBytes.v3Extra(0, SnapshotFixture.VIRTUAL_SIZE, 0));
        e.nameSize = 0xffff;
        long at = f.appendTable(1, e.bytes());
        ImageException ex = fails(f, Limits.DEFAULT, Rule.SNAPSHOT_ENTRY_IN_FILE);
        assertEquals(at + 40 + 24 + 1, ex.offset(), "the name starts after the extra data and the ID");
    }

    @Test
    void moreSnapshotsThanTheLimitIsFatal() {
        SnapshotFixture f = SnapshotFixture.write(dir, 2);
        f.appendTable(2, EntryBytes.table(new EntryBytes(0, 0).id("1"), new EntryBytes(0, 0).id("2")));
        assertEquals(60, fails(f, Limits.DEFAULT.withSnapshotLimits(1, 1 << 20, 1024), Rule.SNAPSHOT_COUNT_MAX)
                .offset());
        assertEquals(2, decode(f, Limits.DEFAULT.withSnapshotLimits(2, 1 << 20, 1024)).entries().size());
    }

    @Test
    void tableLargerThanTheLimitIsFatal() {
        SnapshotFixture f = SnapshotFixture.write(dir, 2);
        long at = f.appendTable(2, EntryBytes.table(new EntryBytes(0, 0).id("1"), new EntryBytes(0, 0).id("2")));
        // each entry: 40 + "1" + "snap" = 45, padded to 48 bytes
        assertEquals(at + 48, fails(f, Limits.DEFAULT.withSnapshotLimits(10, 95, 1024), Rule.SNAPSHOT_TABLE_SIZE_MAX)
                .offset());
        assertEquals(96, decode(f, Limits.DEFAULT.withSnapshotLimits(10, 96, 1024)).length());
    }

    /** The limits are checked entry by entry: a fault of an earlier entry is met before the size of a later one. */
    @Test
    void tooMuchExtraDataInAnEarlierEntryComesBeforeALaterTableSizeFault() {
        SnapshotFixture f = SnapshotFixture.write(dir, 2);
        // entry 0: 40 + 1025 + "1" + "snap" = 1070 bytes, padded to 1072; entry 1 ends at 1120
        long at = f.appendTable(2, EntryBytes.table(new EntryBytes(0, 0).id("1").extra(new byte[1025]),
                new EntryBytes(0, 0).id("2")));
        assertEquals(at + 36, fails(f, Limits.DEFAULT.withSnapshotLimits(10, 1100, 1024), Rule.SNAPSHOT_EXTRA_DATA_MAX)
                .offset());
        assertEquals(at + 1072, fails(f, Limits.DEFAULT.withSnapshotLimits(10, 1100, 1025), Rule.SNAPSHOT_TABLE_SIZE_MAX)
                .offset());
    }

    @Test
    void moreExtraDataThanTheLimitIsFatal() {
        SnapshotFixture f = SnapshotFixture.write(dir, 3);
        long at = f.appendTable(1, new EntryBytes(0, 0).extra(new byte[1025]).bytes());
        assertEquals(at + 36, fails(f, Limits.DEFAULT, Rule.SNAPSHOT_EXTRA_DATA_MAX).offset());
        assertEquals(1025, decode(f, Limits.DEFAULT.withSnapshotLimits(10, 1 << 20, 1025)).entries().get(0)
                .extraDataSize());
    }
}
