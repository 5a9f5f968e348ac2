package io.qcow2conformance.model.write;

import io.qcow2conformance.model.header.HeaderField;

import io.airlift.compress.zstd.ZstdInputStream;
import io.qcow2conformance.model.extensions.ExtensionsDecoder;
import io.qcow2conformance.model.extensions.HeaderExtension.FeatureName;
import io.qcow2conformance.model.extensions.HeaderExtension;
import io.qcow2conformance.model.extensions.HeaderExtensions;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.mapping.ClusterType;
import io.qcow2conformance.model.mapping.L1Entry;
import io.qcow2conformance.model.mapping.L2Entry;
import io.qcow2conformance.model.mapping.MappingDecoder;
import io.qcow2conformance.model.refcount.RefcountDecoder;
import io.qcow2conformance.model.write.ImageDescription.BackingPlacement;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every image the writer produces is read back through the model's own decoders, and what
 * they find must match both the description (header values, extension order, each L2 state)
 * and the layout map (every offset). Refcounts are recounted from the decoded metadata as
 * the spec defines them (spec: Host cluster management) and must equal the stored ones.
 */
class WriterRoundTripTest {
    @TempDir
    Path dir;

    static ImageDescription.Builder allStates(int clusterBits) {
        long cs = 1L << clusterBits;
        return ImageDescription.builder().clusterBits(clusterBits).virtualSize(10 * cs - 100)
                .write(0, cs)
                .write(cs + 3, 10)
                .writeCompressed(2 * cs, 2 * cs)
                .zero(4 * cs, cs, false)
                .zero(5 * cs, cs, true)
                .write(6 * cs, cs).discard(6 * cs, cs)
                .share(7, 0)
                .write(9 * cs, 50);
    }

    static Stream<Named<ImageDescription>> images() {
        Stream.Builder<Named<ImageDescription>> s = Stream.builder();
        for (int bits : new int[] {9, 12, 16}) {
            s.add(Named.of("cluster_bits " + bits, allStates(bits).build()));
        }
        for (int order = 1; order <= 6; order++) {
            s.add(Named.of("refcount_order " + order, allStates(12).refcountOrder(order).packCompressed(true).build()));
        }
        s.add(Named.of("refcount_order 0", allStates(12).refcountOrder(0).write(7 * 4096, 4096).build()));
        s.add(Named.of("version 2", ImageDescription.builder().version(2).clusterBits(12).virtualSize(40000)
                .write(5000, 9000).writeCompressed(16384, 4096).extension(Extension.backingFormat("qcow2"))
                .backingFileName("base.img").build()));
        s.add(Named.of("header_length 104", allStates(12).headerLength(104).build()));
        s.add(Named.of("header_length 120, zstd, extensions, backing at cluster end", allStates(12).headerLength(120)
                .additionalFields(new byte[15]).compression(Compression.ZSTD).packCompressed(true)
                .truncateCompressedTail(true)
                .extension(Extension.featureNameTable(List.of(new FeatureName(0, 1, "corrupt bit"))))
                .extension(Extension.raw(0xabcdef01L, new byte[] {9, 9, 9, 9, 9}))
                .extension(Extension.backingFormat("raw"))
                .extension(Extension.raw(0xabcdef01L, new byte[0]))
                .backingFileName("base.raw").backingPlacement(BackingPlacement.END_OF_FIRST_CLUSTER)
                .incompatibleFeatures(1L << 40).compatibleFeatures(1L << 3).autoclearFeatures(1L << 7)
                .lazyRefcounts(true).dirty(true).build()));
        return s.build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void decodersFindWhatTheDescriptionAndLayoutSay(ImageDescription d) throws Exception {
        Path file = dir.resolve("image.qcow2");
        Layout layout = Qcow2Writer.write(d, file);
        GuestContent content = GuestContent.of(d);
        try (ImageSource src = ImageSource.open(file)) {
            assertEquals(layout.fileSize(), src.size());
            Header h = HeaderDecoder.decode(src);
            assertHeader(d, layout, h);
            assertExtensions(d, layout, src, h);
            long[] l1 = MappingDecoder.readL1(src, h.l1TableOffset(), h.l1Size(), Limits.DEFAULT, "active");
            long[] refcounts = storedRefcounts(src, h, layout);
            long[] references = new long[refcounts.length];
            countMetadata(h, layout, src, references);
            for (int i = 0; i < l1.length; i++) {
                assertEquals(layout.region(Layout.l1Entry(i)).offset(), h.l1TableOffset() + 8L * i);
                if (L1Entry.l2Offset(l1[i]) == 0) {
                    assertTrue(layout.find(Layout.l2Table(i)).isEmpty());
                    continue;
                }
                long l2Offset = L1Entry.l2Offset(l1[i]);
                assertEquals(layout.region(Layout.l2Table(i)).offset(), l2Offset);
                assertTrue(L1Entry.copied(l1[i]));
                assertEquals(0, L1Entry.reservedBits(l1[i]));
                references[(int) (l2Offset >>> d.clusterBits())]++;
                long[] l2 = MappingDecoder.readL2(src, l2Offset, h);
                for (int j = 0; j < l2.length; j++) {
                    long c = (long) i * l2.length + j;
                    if (c >= d.guestClusters()) {
                        assertEquals(0, l2[j]);
                        continue;
                    }
                    assertEquals(layout.region(Layout.l2Entry(c)).offset(), l2Offset + 8L * j);
                    assertL2Entry(d, layout, content, src, h, c, l2[j], references);
                }
            }
            for (int i = 0; i < refcounts.length; i++) {
                assertEquals(references[i], refcounts[i], "refcount of host cluster " + i);
                assertEquals(layout.refcount(i), refcounts[i]);
            }
        }
    }

    private static void assertHeader(ImageDescription d, Layout layout, Header h) {
        assertEquals(d.version(), h.version());
        assertEquals(d.clusterBits(), h.clusterBits());
        assertEquals(d.virtualSize(), h.size());
        assertEquals(d.refcountOrder(), h.refcountOrder());
        assertEquals(d.headerLength(), h.headerLength());
        assertEquals(d.l1Size(), h.l1Size());
        assertEquals(h.l1EntriesNeeded(), h.l1Size());
        assertEquals(0, h.cryptMethod());
        assertEquals(0, h.nbSnapshots());
        if (d.version() == 3) {
            assertEquals(d.incompatibleFeatures(), h.incompatibleFeatures()
                    & ~(Header.INCOMPAT_DIRTY | Header.INCOMPAT_COMPRESSION));
            assertEquals(d.dirty(), h.hasIncompatible(Header.INCOMPAT_DIRTY));
            assertEquals(d.compression() == Compression.ZSTD, h.hasIncompatible(Header.INCOMPAT_COMPRESSION));
            assertEquals(d.compression().headerValue(), h.compressionType());
            assertEquals(d.compatibleFeatures() | (d.lazyRefcounts() ? Header.COMPAT_LAZY_REFCOUNTS : 0),
                    h.compatibleFeatures());
            assertEquals(d.autoclearFeatures(), h.autoclearFeatures());
            assertArrayEquals(d.additionalFields(), h.additionalFields());
        }
        assertEquals(h.l1TableOffset(), layout.region(Layout.L1_TABLE).offset());
        assertEquals(h.refcountTableOffset(), layout.region(Layout.REFCOUNT_TABLE).offset());
        assertEquals(h.refcountTableClusters() * h.clusterSize(), layout.region(Layout.REFCOUNT_TABLE).length());
        assertEquals(40, layout.headerField(HeaderField.L1_TABLE_OFFSET).offset());
        assertEquals(d.version() == 3 && d.headerLength() > 104, layout.find("header.compression_type").isPresent());
    }

    private static void assertExtensions(ImageDescription d, Layout layout, ImageSource src, Header h) {
        HeaderExtensions ext = ExtensionsDecoder.decode(src, h);
        assertEquals(d.extensions().size(), ext.entries().size());
        for (int i = 0; i < ext.entries().size(); i++) {
            HeaderExtension e = ext.entries().get(i);
            Extension want = d.extensions().get(i);
            assertEquals(want.type(), e.type());
            assertEquals(want.data().length, e.length());
            assertEquals(layout.region(Layout.extension(i)).offset(), e.offset());
            if (want instanceof Extension.FeatureNameTable t) {
                assertEquals(t.entries(), ((HeaderExtension.FeatureNameTable) e).entries());
            } else if (e instanceof HeaderExtension.Unknown u) {
                assertArrayEquals(want.data(), u.data());
            }
        }
        assertEquals(layout.region(Layout.EXTENSIONS_END).offset(), ext.endMarkerOffset());
        assertEquals(d.backingFileName(), ExtensionsDecoder.backingFileName(src, h));
        if (d.backingFileName() != null) {
            Layout.Region name = layout.region(Layout.BACKING_FILE_NAME);
            assertEquals(name.offset(), h.backingFileOffset());
            assertEquals(name.length(), h.backingFileSize());
            if (d.backingPlacement() == BackingPlacement.END_OF_FIRST_CLUSTER) {
                assertEquals(h.clusterSize(), name.end());
            } else {
                assertEquals(ext.usedEnd(), name.offset());
            }
        }
    }

    /** The refcounts as stored, for every host cluster the file (rounded up to clusters) spans. */
    private static long[] storedRefcounts(ImageSource src, Header h, Layout layout) {
        long[] table = RefcountDecoder.readTable(src, h, Limits.DEFAULT);
        long perBlock = RefcountDecoder.entriesPerBlock(h);
        long clusters = (src.size() + h.clusterSize() - 1) / h.clusterSize();
        long[] out = new long[(int) clusters];
        long[] block = new long[(int) perBlock];
        for (int i = 0; i < table.length; i++) {
            long off = table[i] & RefcountDecoder.TABLE_OFFSET_MASK;
            if (off == 0) {
                continue;
            }
            assertEquals(layout.region(Layout.refcountBlock(i)).offset(), off);
            ByteBuffer b = src.read(off, (int) h.clusterSize(), null, "refcount block");
            byte[] raw = new byte[b.remaining()];
            b.get(raw);
            RefcountDecoder.decodeBlock(raw, (int) h.refcountOrder(), block);
            for (int j = 0; j < perBlock; j++) {
                long c = i * perBlock + j;
                if (c < clusters) {
                    out[(int) c] = block[j];
                } else {
                    assertEquals(0, block[j], "refcount beyond the end of the file");
                }
            }
        }
        return out;
    }

    /** Header cluster, refcount table and blocks, L1 table: one reference per cluster. */
    private static void countMetadata(Header h, Layout layout, ImageSource src, long[] references) {
        long cs = h.clusterSize();
        references[0]++;
        for (long c = 0; c < h.refcountTableClusters(); c++) {
            references[(int) (h.refcountTableOffset() / cs + c)]++;
        }
        for (long e : RefcountDecoder.readTable(src, h, Limits.DEFAULT)) {
            if (e != 0) {
                references[(int) ((e & RefcountDecoder.TABLE_OFFSET_MASK) / cs)]++;
            }
        }
        for (long c = 0; c < Math.max(1, (h.l1Size() * 8 + cs - 1) / cs); c++) {
            references[(int) (h.l1TableOffset() / cs + c)]++;
        }
    }

    private static void assertL2Entry(ImageDescription d, Layout layout, GuestContent content, ImageSource src, Header h,
                                      long c, long entry, long[] references) throws DataFormatException, IOException {
        ClusterState state = content.clusters().get(c);
        ClusterType type = L2Entry.type(entry, h.isV3());
        int cs = (int) h.clusterSize();
        byte[] want = new byte[cs];
        content.cluster(c, want);
        if (state == null) {
            assertEquals(ClusterType.UNALLOCATED, type);
            assertEquals(0, entry);
        } else if (state instanceof ClusterState.Zero z) {
            assertEquals(z.preallocated() ? ClusterType.ZERO_ALLOCATED : ClusterType.ZERO_PLAIN, type);
        } else if (state instanceof ClusterState.Compressed) {
            assertEquals(ClusterType.COMPRESSED, type);
            assertTrue(!L2Entry.copied(entry));
            long off = L2Entry.compressedOffset(entry, h.clusterBits());
            Layout.Region r = layout.region(Layout.compressed(c));
            assertEquals(r.offset(), off);
            long len = L2Entry.compressedLength(entry, h.clusterBits());
            assertTrue(len >= r.length() && len - r.length() < 512, "sector count covers the data and no more");
            if (d.packCompressed()) {
                assertEquals(1, off & 1, "packed compressed data starts at an odd offset");
            }
            long lastCompressed = content.clusters().entrySet().stream()
                    .filter(e -> e.getValue() instanceof ClusterState.Compressed).mapToLong(e -> e.getKey()).max().orElseThrow();
            if (d.truncateCompressedTail() && c == lastCompressed) {
                assertTrue(off + len > src.size(), "the last compressed cluster's last sector reaches past the end of the file");
                assertEquals(r.end(), src.size());
            }
            for (long hc = off / cs; hc <= (off + len - 1) / cs; hc++) {
                references[(int) hc]++;
            }
            int avail = (int) Math.min(len, src.size() - off);
            ByteBuffer b = src.read(off, avail, null, "compressed");
            byte[] z = new byte[avail];
            b.get(z);
            assertArrayEquals(want, decompress(d.compression(), z, cs));
        } else {
            assertEquals(ClusterType.NORMAL, type);
            assertEquals(0, L2Entry.reservedBits(entry));
        }
        if (type == ClusterType.NORMAL || type == ClusterType.ZERO_ALLOCATED) {
            long host = L2Entry.hostOffset(entry);
            long source = state instanceof ClusterState.Shared sh ? sh.source() : c;
            assertEquals(layout.region(Layout.data(source)).offset(), host);
            references[(int) (host / cs)]++;
            ByteBuffer b = src.read(host, cs, null, "data");
            byte[] got = new byte[cs];
            b.get(got);
            if (type == ClusterType.NORMAL) {
                assertArrayEquals(want, got, "data of guest cluster " + c);
            } else {
                byte[] stale = new byte[cs];
                GuestPattern.fill(c * cs, d.layer(), stale, 0, cs);
                assertArrayEquals(stale, got, "a preallocated zero cluster holds the pattern, not zeros");
            }
            assertEquals(layout.refcount(host / cs) == 1, L2Entry.copied(entry), "copied flag of guest cluster " + c);
        }
    }

    static byte[] decompress(Compression c, byte[] z, int clusterSize) throws DataFormatException, IOException {
        byte[] out = new byte[clusterSize];
        if (c == Compression.DEFLATE) {
            Inflater inf = new Inflater(true);
            inf.setInput(z);
            int n = inf.inflate(out);
            inf.end();
            assertEquals(clusterSize, n);
        } else {
            // a stream decoder, as QEMU uses: it stops after one cluster, whatever follows the frame
            try (ZstdInputStream in = new ZstdInputStream(new ByteArrayInputStream(z))) {
                out = in.readNBytes(clusterSize);
            }
        }
        return Arrays.copyOf(out, clusterSize);
    }
}
