package io.qcow2conformance.model.header;

import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One test per header rule: a header that breaks exactly that rule gives exactly that
 * finding, at the byte offset of the field (spec: Header).
 */
class HeaderRulesTest {

    static List<Finding> findings(TestImage t) {
        List<Finding> out = new ArrayList<>();
        HeaderRules.check(t.decodeHeader(), "", out);
        return out;
    }

    /** The valid default image changed by {@code change} gives exactly one finding of {@code rule} at {@code offset}. */
    static Finding only(Rule rule, long offset, Consumer<TestImage> change) {
        return TestImage.assertOnly(rule, offset, change, HeaderRulesTest::findings);
    }

    @Test
    void validHeadersHaveNoFindings() {
        assertEquals(List.of(), findings(new TestImage()));
        TestImage v2 = new TestImage();
        v2.version = 2;
        assertEquals(List.of(), findings(v2));
        assertEquals(List.of(), findings(new TestImage().compressionType(0)));
    }

    @Test
    void headerLengthBelow104() {
        only(Rule.HEADER_LENGTH_MIN, 100, t -> t.headerLength = 96);
    }

    @Test
    void headerLengthNotMultipleOf8() {
        only(Rule.HEADER_LENGTH_MULTIPLE_OF_8, 100, t -> {
            t.headerLength = 108;
            t.additional = new byte[4];
        });
    }

    @Test
    void headerLongerThanTheClusterIsRefusedByTheDecoderWithTheSameRule() {
        TestImage t = new TestImage();
        t.headerLength = 1024;
        assertEquals(Rule.HEADER_IN_FIRST_CLUSTER, assertThrows(ImageException.class, t::decodeHeader).rule());
    }

    @Test
    void nonZeroPadding() {
        Finding f = only(Rule.HEADER_PADDING_ZERO, 106, t -> {
            t.compressionType(0);
            t.additional[2] = 0x5a; // byte 106
        });
        assertTrue(f.message().contains("0x5a"), f.message());
    }

    @Test
    void clusterBitsBelow9() {
        only(Rule.HEADER_CLUSTER_BITS_MIN, 20, t -> t.clusterBits = 8);
    }

    @Test
    void clusterBitsAboveQemusLimit() {
        only(Rule.HEADER_CLUSTER_BITS_QEMU_MAX, 20, t -> {
            t.clusterBits = 22;
            t.l1TableOffset = 0;
            t.refcountTableOffset = 1L << 22;
        });
    }

    @Test
    void unknownCryptMethod() {
        only(Rule.HEADER_CRYPT_METHOD_KNOWN, 32, t -> t.cryptMethod = 3);
    }

    @Test
    void backingFileNameLongerThan1023() {
        only(Rule.HEADER_BACKING_FILE_SIZE_MAX, 16, t -> {
            t.backingFileOffset = 200;
            t.backingFileSize = 1024;
        });
    }

    @Test
    void unalignedTables() {
        only(Rule.HEADER_L1_TABLE_OFFSET_ALIGNED, 40, t -> t.l1TableOffset = 1536 + 8);
        only(Rule.HEADER_REFCOUNT_TABLE_OFFSET_ALIGNED, 48, t -> t.refcountTableOffset = 513);
        only(Rule.HEADER_SNAPSHOTS_OFFSET_ALIGNED, 64, t -> {
            t.nbSnapshots = 1;
            t.snapshotsOffset = 2048 + 16;
        });
    }

    @Test
    void snapshotsOffsetIsNotJudgedWithoutSnapshots() {
        TestImage t = new TestImage();
        t.snapshotsOffset = 7;
        assertEquals(List.of(), findings(t));
    }

    @Test
    void unknownIncompatibleBitCarriesTheNames() {
        TestImage t = new TestImage();
        t.incompatibleFeatures = 1L << 5;
        List<Finding> out = new ArrayList<>();
        HeaderRules.check(t.decodeHeader(), ": my-feature", out);
        assertEquals(1, out.size(), out::toString);
        assertEquals(Rule.HEADER_INCOMPATIBLE_UNKNOWN, out.get(0).rule());
        assertEquals(72, out.get(0).offset());
        assertTrue(out.get(0).message().contains("0x20") && out.get(0).message().endsWith(": my-feature"),
                out.get(0).message());
    }

    @Test
    void dirtyAndCorruptBits() {
        only(Rule.HEADER_DIRTY, 72, t -> t.incompatibleFeatures = 1);
        only(Rule.HEADER_CORRUPT, 72, t -> t.incompatibleFeatures = 2);
    }

    @Test
    void reservedCompatibleAndAutoclearBits() {
        only(Rule.HEADER_COMPATIBLE_RESERVED, 80, t -> t.compatibleFeatures = 1L << 1);
        only(Rule.HEADER_AUTOCLEAR_RESERVED, 88, t -> t.autoclearFeatures = 1L << 2);
    }

    @Test
    void rawExternalDataWithoutExternalDataFile() {
        only(Rule.HEADER_AUTOCLEAR_RAW_WITHOUT_DATA_FILE, 88, t -> t.autoclearFeatures = 1L << 1);
    }

    @Test
    void refcountOrderAbove6() {
        only(Rule.HEADER_REFCOUNT_ORDER_MAX, 96, t -> t.refcountOrder = 7);
    }

    @Test
    void unknownCompressionType() {
        only(Rule.HEADER_COMPRESSION_TYPE_KNOWN, 104, t -> {
            t.compressionType(2);
            t.incompatibleFeatures = 1L << 3;
        });
    }

    @Test
    void compressionTypeAndItsFeatureBitDisagree() {
        only(Rule.HEADER_COMPRESSION_TYPE_BIT, 104, t -> t.compressionType(1));
        // bit 3 set while the field is absent (header_length 104)
        only(Rule.HEADER_COMPRESSION_TYPE_BIT, 104, t -> t.incompatibleFeatures = 1L << 3);
    }

    @Test
    void requireUsableRefusesWhatLeavesNothingReadable() {
        record Case(Rule rule, Consumer<TestImage> change) {
        }
        List<Case> cases = List.of(
                new Case(Rule.HEADER_LENGTH_MIN, t -> t.headerLength = 96),
                new Case(Rule.HEADER_CLUSTER_BITS_MIN, t -> t.clusterBits = 8),
                new Case(Rule.LIMIT_CLUSTER_BITS, t -> t.clusterBits = 25),
                new Case(Rule.HEADER_INCOMPATIBLE_UNKNOWN, t -> t.incompatibleFeatures = 1L << 63),
                new Case(Rule.HEADER_REFCOUNT_ORDER_MAX, t -> t.refcountOrder = 7),
                new Case(Rule.HEADER_CRYPT_METHOD_KNOWN, t -> t.cryptMethod = 3),
                new Case(Rule.HEADER_COMPRESSION_TYPE_KNOWN, t -> t.compressionType(2)));
        for (Case c : cases) {
            TestImage t = new TestImage();
            c.change().accept(t);
            Header h = t.decodeHeader();
            ImageException e = assertThrows(ImageException.class, () -> HeaderRules.requireUsable(h, Limits.DEFAULT),
                    c.rule().id());
            assertEquals(c.rule(), e.rule());
        }
        HeaderRules.requireUsable(new TestImage().decodeHeader(), Limits.DEFAULT);
    }
}
