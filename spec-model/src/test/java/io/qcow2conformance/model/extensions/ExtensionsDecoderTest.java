package io.qcow2conformance.model.extensions;

import io.qcow2conformance.model.extensions.HeaderExtension.BackingFormat;
import io.qcow2conformance.model.extensions.HeaderExtension.Bitmaps;
import io.qcow2conformance.model.extensions.HeaderExtension.ExternalDataFile;
import io.qcow2conformance.model.extensions.HeaderExtension.FeatureName;
import io.qcow2conformance.model.extensions.HeaderExtension.FeatureNameTable;
import io.qcow2conformance.model.extensions.HeaderExtension.FullDiskEncryption;
import io.qcow2conformance.model.extensions.HeaderExtension.Unknown;
import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.header.TestImage;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.qcow2conformance.model.extensions.ExtData.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ExtensionsDecoder} against extension areas encoded from the spec (spec: Header extensions). */
class ExtensionsDecoderTest {

    @Test
    void eachKnownTypeDecodesItsFields() {
        TestImage t = new TestImage()
                .ext(BACKING_FORMAT, string("qcow2"))
                .ext(EXTERNAL_DATA_FILE, string("data.raw"))
                .ext(FEATURE_NAME_TABLE, concat(featureEntry(0, 0, "dirty bit"), featureEntry(2, 1, "raw external data")))
                .ext(BITMAPS, bitmaps(3, 0, 96, 0x10000))
                .ext(FULL_DISK_ENCRYPTION, fde(0x20000, 2048))
                .end();
        HeaderExtensions x = decode(t);
        List<HeaderExtension> e = x.entries();
        assertEquals(5, e.size());
        // offsets: 104 (header), then 8 + data padded to 8 per extension
        assertEquals(new BackingFormat(104, 5, "qcow2"), e.get(0));
        assertEquals(new ExternalDataFile(120, 8, "data.raw"), e.get(1));
        assertEquals(new FeatureNameTable(136, 96, List.of(new FeatureName(0, 0, "dirty bit"),
                new FeatureName(2, 1, "raw external data"))), e.get(2));
        assertEquals(new Bitmaps(240, 24, 3, 0, 96, 0x10000), e.get(3));
        assertEquals(new FullDiskEncryption(272, 16, 0x20000, 2048), e.get(4));
        assertEquals(296, x.endMarkerOffset());
        assertEquals(104, x.areaStart());
        assertEquals(512, x.areaEnd());
    }

    @Test
    void featureNameOfFull46BytesNeedsNoTerminator() {
        String name = "n".repeat(46);
        HeaderExtensions x = decode(new TestImage().ext(FEATURE_NAME_TABLE, featureEntry(1, 63, name)).end());
        FeatureNameTable t = assertInstanceOf(FeatureNameTable.class, x.entries().get(0));
        assertEquals(List.of(new FeatureName(1, 63, name)), t.entries());
    }

    @Test
    void unknownTypesAreKeptAsOpaqueBytes() {
        byte[] data = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1};
        HeaderExtensions x = decode(new TestImage().ext(0x12345678L, data).end());
        Unknown u = assertInstanceOf(Unknown.class, x.entries().get(0));
        assertEquals(0x12345678L, u.type());
        assertEquals(104, u.offset());
        assertEquals(11, u.length());
        assertArrayEquals(data, u.data());
        assertEquals(104 + 8 + 16, x.endMarkerOffset());
    }

    @Test
    void repeatedAndReorderedExtensionsAreKeptInFileOrderAndTheLastWins() {
        TestImage t = new TestImage()
                .ext(FEATURE_NAME_TABLE, featureEntry(0, 9, "first"))
                .ext(BACKING_FORMAT, string("raw"))
                .ext(FEATURE_NAME_TABLE, featureEntry(0, 9, "second"))
                .ext(BACKING_FORMAT, string("qcow2"))
                .end();
        HeaderExtensions x = decode(t);
        assertEquals(List.of("feature-name-table", "backing-format", "feature-name-table", "backing-format"),
                x.entries().stream().map(HeaderExtension::kind).toList());
        assertEquals("qcow2", x.last(BackingFormat.class).orElseThrow().name());
        assertEquals("second", x.last(FeatureNameTable.class).orElseThrow().entries().get(0).name());
    }

    @Test
    void eachExtensionIsPaddedToAMultipleOf8() {
        for (int len = 0; len <= 16; len++) {
            HeaderExtensions x = decode(new TestImage().ext(0x77L, new byte[len]).ext(BACKING_FORMAT, string("raw")).end());
            long expected = 104 + 8 + ((len + 7) / 8) * 8L;
            assertEquals(expected, x.entries().get(1).offset(), "data length " + len);
        }
    }

    @Test
    void anExtensionOverrunningTheAreaIsAnError() {
        // 512-byte clusters: the area is 104..512, so at most 400 data bytes fit after the prefix
        TestImage t = new TestImage().rawExt(0x77L, 401, new byte[0]);
        ImageException e = assertThrows(ImageException.class, () -> decode(t));
        assertEquals(Rule.EXTENSIONS_IN_FIRST_CLUSTER, e.rule());
        assertEquals(104 + 4, e.offset());
        // exactly filling the area is fine
        HeaderExtensions x = decode(new TestImage().ext(0x77L, new byte[400]));
        assertEquals(1, x.entries().size());
        assertEquals(-1, x.endMarkerOffset());
    }

    @Test
    void theBackingFileNameEndsTheArea() {
        TestImage t = new TestImage().ext(BACKING_FORMAT, string("qcow2")).end().backing(128, "base.qcow2");
        HeaderExtensions x = decode(t);
        assertEquals(128, x.areaEnd());
        TestImage over = new TestImage().rawExt(0x77L, 17, new byte[24]).backing(128, "base.qcow2");
        assertEquals(Rule.EXTENSIONS_IN_FIRST_CLUSTER, assertThrows(ImageException.class, () -> decode(over)).rule());
    }

    @Test
    void backingNameEndingExactlyAtTheFirstClusterEndIsAccepted() {
        TestImage t = new TestImage().end().backing(512 - 10, "base.qcow2");
        String name = t.withSource(src -> ExtensionsDecoder.backingFileName(src, HeaderDecoder.decode(src)));
        assertEquals("base.qcow2", name);
        assertTrue(ExtensionRulesTest.findings(t).isEmpty(), () -> ExtensionRulesTest.findings(t).toString());
    }

    @Test
    void backingNameRightAfterAVersion2HeaderLeavesNoExtensionArea() {
        TestImage t = new TestImage();
        t.version = 2;
        t.backing(72, "base.img");
        HeaderExtensions x = decode(t);
        assertEquals(List.of(), x.entries());
        assertEquals(72, x.areaEnd());
        assertTrue(ExtensionRulesTest.findings(t).isEmpty(), () -> ExtensionRulesTest.findings(t).toString());
    }

    @Test
    void backingNameLongerThan1023IsRefused() {
        TestImage t = new TestImage().end();
        t.backingFileOffset = 200;
        t.backingFileSize = 1024;
        ImageException e = assertThrows(ImageException.class,
                () -> t.withSource(src -> ExtensionsDecoder.backingFileName(src, HeaderDecoder.decode(src))));
        assertEquals(Rule.HEADER_BACKING_FILE_SIZE_MAX, e.rule());
        assertEquals(16, e.offset());
    }

    @Test
    void areaCutShortByTheEndOfTheFile() {
        TestImage t = new TestImage().ext(BACKING_FORMAT, string("qcow2"));
        t.fileSize = 104 + 16;
        HeaderExtensions x = decode(t);
        assertEquals(1, x.entries().size());
        assertEquals(-1, x.endMarkerOffset());
    }
}
