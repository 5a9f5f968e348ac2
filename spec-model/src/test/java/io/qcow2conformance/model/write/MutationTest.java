package io.qcow2conformance.model.write;

import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.header.HeaderField;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.mapping.L2Entry;
import io.qcow2conformance.model.mapping.MappingDecoder;
import io.qcow2conformance.model.refcount.RefcountDecoder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

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
        Mutations.apply(p, l[0], new Mutation.Refcount(new Structure.L2Table(0), 0));
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
        Mutations.apply(p, l[0], new Mutation.HeaderValue(HeaderField.INCOMPATIBLE_FEATURES, Mutation.Op.SET, 1L << 20));
        Mutations.apply(p, l[0], new Mutation.HeaderValue(HeaderField.COMPRESSION_TYPE, Mutation.Op.SET, 7));
        Mutations.apply(p, l[0], new Mutation.TableEntry(false, 1, Mutation.Op.SET_BIT, 3));
        Mutations.apply(p, l[0], new Mutation.TableEntry(true, 0, Mutation.Op.CLEAR_BIT, 63));
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
        Mutations.apply(p, l[0], new Mutation.Truncate(structure, 4));
        assertEquals(l[0].region(structure).offset() + 4, Files.size(p));
    }

    @ParameterizedTest
    @ValueSource(strings = {Layout.L1_TABLE, "l2_table[0]", "compressed[3]"})
    void overwriteChangesOnlyTheBytesAtTheStructure(String structure) throws Exception {
        Layout[] l = new Layout[1];
        Path p = write(WriterRoundTripTest.allStates(12).build(), l);
        byte[] before = Files.readAllBytes(p);
        Mutations.apply(p, l[0], new Mutation.Overwrite(structure, 2, new byte[] {(byte) 0xa5, 0x5a}));
        byte[] expected = before.clone();
        int at = (int) l[0].region(structure).offset() + 2;
        expected[at] = (byte) 0xa5;
        expected[at + 1] = 0x5a;
        assertArrayEquals(expected, Files.readAllBytes(p));
    }
}
