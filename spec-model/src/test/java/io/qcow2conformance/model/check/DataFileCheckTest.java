package io.qcow2conformance.model.check;

import static io.qcow2conformance.model.check.Extl2CheckTest.only;
import static io.qcow2conformance.model.check.ImageCheckerTest.check;
import static io.qcow2conformance.model.check.TinyImage.COMPRESSED;
import static io.qcow2conformance.model.check.TinyImage.COPIED;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The checker's external data file rules (spec: Header > incompatible_features bit 2,
 * autoclear_features bit 1, backing_file_offset note; Cluster mapping > L2 table entry) on
 * images built byte by byte. Data clusters live in the data file: they are neither counted
 * against the image file's clusters nor bounded by its size.
 */
class DataFileCheckTest {
    private static final long DATA_FILE_BIT = 1L << 2;

    /**
     * Guest cluster 0 at data file offset 0 (offset 0 with the copied flag), guest cluster 3
     * at data file offset 3 clusters (the image file's L1 table is there: not a conflict),
     * guest cluster 40 past the end of the image file.
     */
    static TinyImage valid() {
        TinyImage t = TinyImage.v3(9, 4);
        t.incompatibleFeatures = DATA_FILE_BIT;
        t.l2Entry(0, COPIED);
        t.l2Entry(3, t.offsetOf(3) | COPIED);
        t.l2Entry(40, t.offsetOf(40) | COPIED);
        return t;
    }

    @Test
    void validImageHasNoFindingsAndItsDataIsNotRefcounted() {
        CheckReport r = check(valid().build());
        assertEquals(List.of(), r.findings());
        assertEquals(3, r.allocatedClusters());
    }

    @Test
    void withoutADataFileOffset0WithTheCopiedFlagIsAFault() {
        TinyImage t = TinyImage.v3(9, 4);
        t.l2Entry(0, COPIED);
        assertEquals(Rule.MAPPING_L2_OFFSET_ZERO_COPIED, only(t).rule());
    }

    @Test
    void hostOffsetEqualsGuestOffset() {
        TinyImage t = valid();
        t.l2Entry(5, t.offsetOf(6) | COPIED);
        Finding f = only(t);
        assertEquals(Rule.DATA_FILE_HOST_OFFSET_EQUALS_GUEST, f.rule());
        assertEquals(t.l2EntryOffset(5), f.offset());
    }

    @Test
    void noCompressedClusters() {
        TinyImage t = valid();
        t.l2Entry(7, COMPRESSED | t.offsetOf(7));
        Finding f = only(t);
        assertEquals(Rule.MAPPING_COMPRESSED_WITH_DATA_FILE, f.rule());
        assertEquals(t.l2EntryOffset(7), f.offset());
    }

    @Test
    void noInternalSnapshots() {
        byte[] b = valid().build();
        BigEndian.put32(b, 60, 1); // nb_snapshots; snapshots_offset stays 0, so the "table" is the header
        List<Finding> f = check(b).findings();
        // the header's nb_snapshots is the fault; the snapshot package also reports the table it points at
        assertEquals(1, f.stream().filter(x -> x.rule() == Rule.SNAPSHOT_WITH_DATA_FILE).count(), f.toString());
        assertEquals(60, f.stream().filter(x -> x.rule() == Rule.SNAPSHOT_WITH_DATA_FILE).findFirst().orElseThrow().offset());
    }

    @Test
    void rawExternalDataExcludesABackingFile() {
        byte[] b = valid().build();
        BigEndian.put64(b, 88, 1L << 1); // autoclear bit 1: raw external data
        byte[] name = "base.qcow2".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, b, 200, name.length); // after the end-of-extensions marker at 104
        BigEndian.put64(b, 8, 200);
        BigEndian.put32(b, 16, name.length);
        List<Finding> f = check(b).findings();
        assertEquals(1, f.size(), f.toString());
        assertEquals(Rule.DATA_FILE_RAW_WITH_BACKING, f.get(0).rule());
        assertEquals(8, f.get(0).offset());
    }
}
