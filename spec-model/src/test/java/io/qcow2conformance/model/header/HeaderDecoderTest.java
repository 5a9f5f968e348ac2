package io.qcow2conformance.model.header;

import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link HeaderDecoder} against headers encoded from the spec's offsets (spec: Header). */
class HeaderDecoderTest {

    private static TestImage distinctFields(long version) {
        TestImage t = new TestImage();
        t.version = version;
        t.backingFileOffset = 0x1122334455667788L;
        t.backingFileSize = 0x11223344L;
        t.clusterBits = 16;
        t.size = 0x0102030405060708L;
        t.cryptMethod = 1;
        t.l1Size = 0x0a0b0c0dL;
        t.l1TableOffset = 0x30000;
        t.refcountTableOffset = 0x10000;
        t.refcountTableClusters = 7;
        t.nbSnapshots = 0xfffffffeL;
        t.snapshotsOffset = 0x50000;
        t.incompatibleFeatures = 0x8000000000000001L;
        t.compatibleFeatures = 0x4000000000000001L;
        t.autoclearFeatures = 0x2000000000000003L;
        t.refcountOrder = 5;
        return t;
    }

    private static void assertCommonFields(Header h) {
        assertEquals(Header.MAGIC, h.magic());
        assertEquals(0x1122334455667788L, h.backingFileOffset());
        assertEquals(0x11223344L, h.backingFileSize());
        assertEquals(16, h.clusterBits());
        assertEquals(0x0102030405060708L, h.size());
        assertEquals(1, h.cryptMethod());
        assertEquals(0x0a0b0c0dL, h.l1Size());
        assertEquals(0x30000, h.l1TableOffset());
        assertEquals(0x10000, h.refcountTableOffset());
        assertEquals(7, h.refcountTableClusters());
        assertEquals(0xfffffffeL, h.nbSnapshots());
        assertEquals(0x50000, h.snapshotsOffset());
    }

    @Test
    void version2HeaderIs72BytesWithTheAssumedVersion3Values() {
        TestImage t = distinctFields(2);
        Header h = t.decodeHeader();
        assertCommonFields(h);
        // spec: Header — version 2 assumes refcount_order 4 and a 72-byte header; it has no feature bits
        assertFieldsFrom72(h, 2, 0, 0, 0, 4, 72);
    }

    @Test
    void version3HeaderOf104Bytes() {
        TestImage t = distinctFields(3);
        Header h = t.decodeHeader();
        assertCommonFields(h);
        // spec: Additional fields — compression_type is absent when header_length <= 104, which means 0 (zlib)
        assertFieldsFrom72(h, 3, 0x8000000000000001L, 0x4000000000000001L, 0x2000000000000003L, 5, 104);
    }

    /** The version, the fields from byte 72 on, and no additional fields. */
    private static void assertFieldsFrom72(Header h, long version, long incompatible, long compatible, long autoclear,
                                           long refcountOrder, long headerLength) {
        assertEquals(version, h.version());
        assertEquals(incompatible, h.incompatibleFeatures());
        assertEquals(compatible, h.compatibleFeatures());
        assertEquals(autoclear, h.autoclearFeatures());
        assertEquals(refcountOrder, h.refcountOrder());
        assertEquals(headerLength, h.headerLength());
        assertEquals(0, h.compressionType());
        assertEquals(0, h.additionalFields().length);
    }

    @Test
    void version3HeaderOf112BytesCarriesCompressionType() {
        TestImage t = distinctFields(3).compressionType(1);
        Header h = t.decodeHeader();
        assertEquals(112, h.headerLength());
        assertEquals(1, h.compressionType());
        assertArrayEquals(new byte[7], h.additionalFields(), "bytes 105..111 are padding");
    }

    @Test
    void version3HeaderOf120BytesKeepsTheUnknownField() {
        TestImage t = distinctFields(3);
        t.headerLength = 120;
        t.additional = new byte[16];
        byte[] unknownField = {1, 2, 3, 4, 5, 6, 7, 8};
        System.arraycopy(unknownField, 0, t.additional, 8, 8); // bytes 112..119
        Header h = t.decodeHeader();
        assertEquals(120, h.headerLength());
        byte[] kept = h.additionalFields(); // bytes 105..119
        assertEquals(15, kept.length);
        byte[] expected = new byte[15];
        System.arraycopy(unknownField, 0, expected, 7, 8);
        assertArrayEquals(expected, kept);
    }

    @Test
    void badMagicNamesTheMagicRule() {
        TestImage t = new TestImage();
        t.magic = 0x514649fcL;
        ImageException e = assertThrows(ImageException.class, t::decodeHeader);
        assertEquals(Rule.HEADER_MAGIC, e.rule());
        assertEquals(0, e.offset());
    }

    @Test
    void versionOtherThan2Or3NamesTheVersionRule() {
        for (long v : new long[] {0, 1, 4, 0xffffffffL}) {
            TestImage t = new TestImage();
            t.version = v;
            ImageException e = assertThrows(ImageException.class, t::decodeHeader, "version " + v);
            assertEquals(Rule.HEADER_VERSION, e.rule());
            assertEquals(4, e.offset());
        }
    }

    @Test
    void fileShorterThanMagicAndVersion() {
        byte[] b = new TestImage().headerBytes();
        ImageException e = assertThrows(ImageException.class,
                () -> TestImage.withSource(b, 7, HeaderDecoder::decode));
        assertEquals(Rule.HEADER_MAGIC, e.rule());
    }

    @Test
    void fileEndingInsideTheFixedHeader() {
        for (long version : new long[] {2, 3}) {
            TestImage t = new TestImage();
            t.version = version;
            long cut = version == 2 ? 71 : 103;
            ImageException e = assertThrows(ImageException.class,
                    () -> TestImage.withSource(t.headerBytes(), cut, HeaderDecoder::decode));
            assertEquals(Rule.FILE_STRUCTURE_IN_BOUNDS, e.rule());
        }
    }

    @Test
    void fileEndingInsideTheAdditionalFields() {
        TestImage t = new TestImage().compressionType(0);
        ImageException e = assertThrows(ImageException.class,
                () -> TestImage.withSource(t.headerBytes(), 108, HeaderDecoder::decode));
        assertEquals(Rule.FILE_STRUCTURE_IN_BOUNDS, e.rule());
        assertEquals("header_length", e.field());
        assertEquals(100, e.offset());
    }

    @Test
    void headerLongerThanTheFirstCluster() {
        TestImage t = new TestImage();
        t.headerLength = 520; // clusters of 512 bytes
        ImageException e = assertThrows(ImageException.class, t::decodeHeader);
        assertEquals(Rule.HEADER_IN_FIRST_CLUSTER, e.rule());
        assertEquals(100, e.offset());
    }
}
