package io.qcow2conformance.model.extensions;

import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.header.TestImage;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static io.qcow2conformance.model.extensions.ExtData.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One test per extension rule: an extension area that breaks exactly that rule gives
 * exactly that finding, at the byte offset of the field concerned. The default image has
 * 512-byte clusters, a 104-byte header (so the first extension is at 104, its length
 * field at 108 and its data at 112) and is 2048 bytes long.
 */
class ExtensionRulesTest {
    private static final long FIRST = 104;
    private static final long FIRST_LENGTH = FIRST + 4;
    private static final long FIRST_DATA = FIRST + 8;

    static List<Finding> findings(TestImage t) {
        return t.withSource(src -> {
            Header h = HeaderDecoder.decode(src);
            List<Finding> out = new ArrayList<>();
            ExtensionRules.check(h, ExtensionsDecoder.decode(src, h), src.size(), out);
            return out;
        });
    }

    static Finding only(Rule rule, long offset, Consumer<TestImage> change) {
        return TestImage.assertOnly(rule, offset, change, ExtensionRulesTest::findings);
    }

    @Test
    void validExtensionAreasHaveNoFindings() {
        TestImage all = new TestImage()
                .ext(BACKING_FORMAT, string("qcow2"))
                .ext(FEATURE_NAME_TABLE, concat(featureEntry(0, 0, "dirty bit"), featureEntry(2, 0, "bitmaps")))
                .ext(BITMAPS, bitmaps(1, 0, 24, 1024))
                .ext(EXTERNAL_DATA_FILE, string("data.raw"))
                .ext(0x77L, new byte[3])
                .end()
                .backing(400, "base.qcow2");
        all.autoclearFeatures = Header.AUTOCLEAR_BITMAPS;
        all.incompatibleFeatures = Header.INCOMPAT_DATA_FILE;
        assertEquals(List.of(), findings(all));

        TestImage luks = new TestImage().ext(FULL_DISK_ENCRYPTION, fde(1024, 512)).end();
        luks.cryptMethod = 2;
        assertEquals(List.of(), findings(luks));

        assertEquals(List.of(), findings(new TestImage()));
    }

    @Test
    void extensionPaddingRunningIntoTheBackingFileName() {
        // area 104..117: 8 + 5 data bytes fit, the 3 padding bytes do not (and no end marker does)
        TestImage t = new TestImage().ext(BACKING_FORMAT, string("qcow2")).backing(117, "base");
        List<Finding> f = findings(t);
        assertEquals(List.of(Rule.EXTENSIONS_IN_FIRST_CLUSTER, Rule.EXTENSIONS_END_MARKER),
                f.stream().map(Finding::rule).toList(), f::toString);
        assertEquals(FIRST_LENGTH, f.get(0).offset());
        assertEquals(117, f.get(1).offset());
    }

    @Test
    void noEndMarker() {
        only(Rule.EXTENSIONS_END_MARKER, 512, t -> t.ext(0x77L, new byte[512 - 104 - 8]));
    }

    @Test
    void knownTypeTwice() {
        Finding f = only(Rule.EXTENSIONS_AT_MOST_ONCE, FIRST + 16, t -> t
                .ext(BACKING_FORMAT, string("qcow2"))
                .ext(BACKING_FORMAT, string("raw"))
                .end());
        assertTrue(f.message().contains("0xe2792aca") && f.message().contains("2 times"), f.message());
    }

    @Test
    void unknownTypesMayRepeat() {
        assertEquals(List.of(), findings(new TestImage().ext(0x77L, new byte[1]).ext(0x77L, new byte[1]).end()));
    }

    @Test
    void backingFormatNameOf16BytesIsBeyondQemu() {
        only(Rule.EXTENSIONS_BACKING_FORMAT_QEMU_LENGTH, FIRST_LENGTH,
                t -> t.ext(BACKING_FORMAT, string("f".repeat(16))).end());
        assertEquals(List.of(), findings(new TestImage().ext(BACKING_FORMAT, string("f".repeat(15))).end()));
    }

    @Test
    void featureNameTableLengthNotAMultipleOf48() {
        only(Rule.EXTENSIONS_FEATURE_TABLE_LENGTH, FIRST_LENGTH,
                t -> t.ext(FEATURE_NAME_TABLE, concat(featureEntry(0, 0, "dirty bit"), new byte[2])).end());
    }

    @Test
    void featureNameTableEntryType() {
        only(Rule.EXTENSIONS_FEATURE_TABLE_TYPE, FIRST_DATA + 48, t -> t.ext(FEATURE_NAME_TABLE,
                concat(featureEntry(0, 0, "dirty bit"), featureEntry(3, 0, "no such bitmap"))).end());
    }

    @Test
    void featureNameTableEntryBit() {
        only(Rule.EXTENSIONS_FEATURE_TABLE_BIT, FIRST_DATA + 1,
                t -> t.ext(FEATURE_NAME_TABLE, featureEntry(1, 64, "bit 64")).end());
    }

    private static Consumer<TestImage> bitmapsExt(byte[] data) {
        return t -> {
            t.autoclearFeatures = Header.AUTOCLEAR_BITMAPS;
            t.ext(BITMAPS, data).end();
        };
    }

    @Test
    void bitmapsExtensionLength() {
        only(Rule.EXTENSIONS_BITMAPS_LENGTH, FIRST_LENGTH, bitmapsExt(new byte[16]));
    }

    @Test
    void bitmapsExtensionWithoutBitmaps() {
        only(Rule.EXTENSIONS_BITMAPS_COUNT_MIN, FIRST_DATA, bitmapsExt(bitmaps(0, 0, 0, 1024)));
    }

    @Test
    void moreBitmapsThanQemuSupports() {
        only(Rule.EXTENSIONS_BITMAPS_COUNT_QEMU_MAX, FIRST_DATA, bitmapsExt(bitmaps(65536, 0, 65536 * 24, 1024))
                .andThen(t -> t.fileSize = 2 << 20));
    }

    @Test
    void bitmapsReservedField() {
        only(Rule.EXTENSIONS_BITMAPS_RESERVED, FIRST_DATA + 4, bitmapsExt(bitmaps(1, 0x80, 24, 1024)));
    }

    @Test
    void bitmapDirectoryTooSmallForItsEntries() {
        only(Rule.EXTENSIONS_BITMAPS_DIRECTORY_SIZE_MIN, FIRST_DATA + 8, bitmapsExt(bitmaps(2, 0, 47, 1024)));
    }

    @Test
    void bitmapDirectoryLargerThanQemuAccepts() {
        only(Rule.EXTENSIONS_BITMAPS_DIRECTORY_SIZE_QEMU_MAX, FIRST_DATA + 8,
                bitmapsExt(bitmaps(1, 0, 1024L * 65535 + 8, 1024)).andThen(t -> t.fileSize = 80L << 20));
    }

    @Test
    void bitmapDirectoryUnaligned() {
        only(Rule.EXTENSIONS_BITMAPS_DIRECTORY_ALIGNED, FIRST_DATA + 16, bitmapsExt(bitmaps(1, 0, 24, 1024 + 8)));
    }

    @Test
    void bitmapDirectoryPastTheEndOfTheFile() {
        only(Rule.FILE_STRUCTURE_IN_BOUNDS, FIRST_DATA + 16, bitmapsExt(bitmaps(1, 0, 24, 2048)));
    }

    @Test
    void bitmapsExtensionWithAutoclearBitClear() {
        only(Rule.EXTENSIONS_BITMAPS_AUTOCLEAR_CLEAR, FIRST, t -> t.ext(BITMAPS, bitmaps(1, 0, 24, 1024)).end());
    }

    @Test
    void bitmapsAutoclearBitWithoutExtension() {
        only(Rule.HEADER_AUTOCLEAR_BITMAPS_WITHOUT_EXTENSION, 88, t -> t.autoclearFeatures = Header.AUTOCLEAR_BITMAPS);
    }

    @Test
    void luksWithoutEncryptionHeaderPointer() {
        Finding f = only(Rule.EXTENSIONS_FDE_PRESENCE, 32, t -> t.cryptMethod = 2);
        assertTrue(f.message().contains("absent"), f.message());
    }

    @Test
    void encryptionHeaderPointerWithoutLuks() {
        for (long method : new long[] {0, 1}) {
            Finding f = only(Rule.EXTENSIONS_FDE_PRESENCE, FIRST, t -> {
                t.cryptMethod = method;
                t.ext(FULL_DISK_ENCRYPTION, fde(1024, 512)).end();
            });
            assertTrue(f.message().contains("present"), f.message());
        }
    }

    private static Consumer<TestImage> luks(byte[] data) {
        return t -> {
            t.cryptMethod = 2;
            t.ext(FULL_DISK_ENCRYPTION, data).end();
        };
    }

    @Test
    void encryptionHeaderPointerLength() {
        only(Rule.EXTENSIONS_FDE_LENGTH, FIRST_LENGTH, luks(new byte[8]));
    }

    @Test
    void encryptionHeaderUnaligned() {
        only(Rule.EXTENSIONS_FDE_OFFSET_ALIGNED, FIRST_DATA, luks(fde(1024 + 100, 256)));
    }

    @Test
    void encryptionHeaderPastTheEndOfTheFile() {
        only(Rule.FILE_STRUCTURE_IN_BOUNDS, FIRST_DATA, luks(fde(1536, 1024)));
    }

    @Test
    void dataFileNameWithoutTheExternalDataFileBit() {
        only(Rule.EXTENSIONS_DATA_FILE_WITHOUT_BIT, FIRST, t -> t.ext(EXTERNAL_DATA_FILE, string("data.raw")).end());
    }

    @Test
    void backingFileNameCrossingTheEndOfTheFirstCluster() {
        only(Rule.HEADER_BACKING_FILE_IN_FIRST_CLUSTER, 8, t -> t.end().backing(505, "base.qcow2"));
    }

    @Test
    void backingFileNameInsideTheHeader() {
        only(Rule.HEADER_BACKING_FILE_IN_FIRST_CLUSTER, 8, t -> t.backing(64, "name"));
    }

    @Test
    void unknownIncompatibleBitsAreNamedFromTheFeatureNameTable() {
        TestImage t = new TestImage()
                .ext(FEATURE_NAME_TABLE, concat(featureEntry(0, 5, "fancy feature"), featureEntry(1, 9, "compatible 9")))
                .end();
        t.incompatibleFeatures = (1L << 5) | (1L << 9) | Header.INCOMPAT_DIRTY;
        String names = unknownNames(t);
        // bit 9 is named only as a compatible feature, so it stays unnamed; bit 0 is known
        assertEquals(": fancy feature, unnamed bits 0x200", names);

        TestImage none = new TestImage();
        none.incompatibleFeatures = Header.INCOMPAT_KNOWN;
        assertEquals("", unknownNames(none));
    }

    private static String unknownNames(TestImage t) {
        return t.withSource(src -> {
            Header h = HeaderDecoder.decode(src);
            return ExtensionRules.unknownIncompatibleNames(h, ExtensionsDecoder.decode(src, h));
        });
    }
}
