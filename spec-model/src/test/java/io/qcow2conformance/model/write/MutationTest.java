package io.qcow2conformance.model.write;

import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.header.HeaderField;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.mapping.L2Entry;
import io.qcow2conformance.model.mapping.MappingDecoder;
import io.qcow2conformance.model.refcount.RefcountDecoder;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each mutation changes exactly the structure it names, as the decoders see it. */
class MutationTest {
    @TempDir
    Path dir;

    private Path write(ImageDescription d, Layout[] layout) throws Exception {
        Path p = dir.resolve("m.qcow2");
        layout[0] = Qcow2Writer.write(d, p);
        return p;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6})
    void setRefcountChangesOnlyThatClustersRefcount(int order) throws Exception {
        ImageDescription d = WriterRoundTripTest.allStates(12).refcountOrder(order).write(7 * 4096, 4096).build();
        Layout[] l = new Layout[1];
        Path p = write(d, l);
        long target = l[0].hostClusterOf(Layout.l2Table(0));
        Mutation m = Mutation.setRefcount(Rule.REFCOUNT_TOO_LOW, Layout.l2Table(0), 0);
        m.apply(p, l[0]);
        assertEquals("refcount.count.too-low", m.ruleId());
        try (ImageSource src = ImageSource.open(p)) {
            Header h = HeaderDecoder.decode(src);
            long[] table = RefcountDecoder.readTable(src, h, Limits.DEFAULT);
            ByteBuffer b = src.read(table[0] & RefcountDecoder.TABLE_OFFSET_MASK, (int) h.clusterSize(), null, "block");
            byte[] raw = new byte[b.remaining()];
            b.get(raw);
            long[] refs = new long[(int) RefcountDecoder.entriesPerBlock(h)];
            RefcountDecoder.decodeBlock(raw, order, refs);
            for (int c = 0; c < l[0].hostClusters(); c++) {
                assertEquals(c == target ? 0 : l[0].refcount(c), refs[c], "host cluster " + c);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 16})
    void headerFieldAndL2BitsLandWhereTheDecodersLook(int clusterBits) throws Exception {
        ImageDescription d = WriterRoundTripTest.allStates(clusterBits).build();
        Layout[] l = new Layout[1];
        Path p = write(d, l);
        Mutation.setHeaderField(Rule.HEADER_INCOMPATIBLE_UNKNOWN, HeaderField.INCOMPATIBLE_FEATURES, 1L << 20).apply(p, l[0]);
        Mutation.setHeaderField(Rule.HEADER_COMPRESSION_TYPE_KNOWN, HeaderField.COMPRESSION_TYPE, 7).apply(p, l[0]);
        Mutation.setL2EntryBits(Rule.MAPPING_L2_ENTRY_RESERVED, 1, 1L << 3).apply(p, l[0]);
        Mutation.clearEntryBits(Rule.MAPPING_COPIED_FLAG, Layout.l1Entry(0), 1L << 63).apply(p, l[0]);
        try (ImageSource src = ImageSource.open(p)) {
            Header h = HeaderDecoder.decode(src);
            assertEquals(1L << 20, h.incompatibleFeatures());
            assertEquals(7, h.compressionType());
            assertEquals(d.virtualSize(), h.size());
            long[] l1 = MappingDecoder.readL1(src, h.l1TableOffset(), h.l1Size(), Limits.DEFAULT, "active");
            assertEquals(0, l1[0] >>> 63);
            long[] l2 = MappingDecoder.readL2(src, l1[0] & ((1L << 56) - 1), h);
            assertEquals(1L << 3, L2Entry.reservedBits(l2[1]));
            assertEquals(0, L2Entry.reservedBits(l2[0]));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Layout.L1_TABLE, "l2_table[0]", "compressed[3]"})
    void truncateCutsAtTheStructure(String structure) throws Exception {
        Layout[] l = new Layout[1];
        Path p = write(WriterRoundTripTest.allStates(12).build(), l);
        Mutation.truncateAt(Rule.FILE_STRUCTURE_IN_BOUNDS, structure, 4).apply(p, l[0]);
        assertEquals(l[0].region(structure).offset() + 4, Files.size(p));
        assertTrue(Mutation.truncateAt(Rule.FILE_STRUCTURE_IN_BOUNDS, structure, 4).description().contains(structure));
    }
}
