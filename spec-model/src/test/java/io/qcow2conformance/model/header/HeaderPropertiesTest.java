package io.qcow2conformance.model.header;

import io.qcow2conformance.model.extensions.ExtensionRules;
import io.qcow2conformance.model.extensions.ExtensionsDecoder;
import io.qcow2conformance.model.extensions.HeaderExtensions;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.ImageException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Properties of the header and extension decoders over generated input. */
class HeaderPropertiesTest {
    private static final long U32 = 0xffffffffL;

    @Property(tries = 100)
    void anyVersion3HeaderRoundTrips(
            @ForAll @IntRange(min = 9, max = 21) int clusterBits,
            @ForAll @IntRange(min = 13, max = 64) int headerWords,
            @ForAll long backingFileOffset,
            @ForAll @LongRange(max = U32) long backingFileSize,
            @ForAll long size,
            @ForAll @LongRange(max = U32) long cryptMethod,
            @ForAll @LongRange(max = U32) long l1Size,
            @ForAll long l1TableOffset,
            @ForAll long refcountTableOffset,
            @ForAll @LongRange(max = U32) long refcountTableClusters,
            @ForAll @LongRange(max = U32) long nbSnapshots,
            @ForAll long snapshotsOffset,
            @ForAll long incompatible,
            @ForAll long compatible,
            @ForAll long autoclear,
            @ForAll @LongRange(max = U32) long refcountOrder,
            @ForAll @Size(512) byte[] additionalBytes) {
        TestImage t = new TestImage();
        t.clusterBits = clusterBits;
        // header_length: a multiple of 8 from 104, within the first cluster
        t.headerLength = Math.min(8L * headerWords, 1L << clusterBits);
        t.backingFileOffset = backingFileOffset;
        t.backingFileSize = backingFileSize;
        t.size = size;
        t.cryptMethod = cryptMethod;
        t.l1Size = l1Size;
        t.l1TableOffset = l1TableOffset;
        t.refcountTableOffset = refcountTableOffset;
        t.refcountTableClusters = refcountTableClusters;
        t.nbSnapshots = nbSnapshots;
        t.snapshotsOffset = snapshotsOffset;
        t.incompatibleFeatures = incompatible;
        t.compatibleFeatures = compatible;
        t.autoclearFeatures = autoclear;
        t.refcountOrder = refcountOrder;
        t.additional = Arrays.copyOf(additionalBytes, (int) (t.headerLength - 104));
        t.fileSize = t.headerLength;

        Header h = t.decodeHeader();
        assertEquals(Header.MAGIC, h.magic());
        assertEquals(3, h.version());
        assertEquals(backingFileOffset, h.backingFileOffset());
        assertEquals(backingFileSize, h.backingFileSize());
        assertEquals(clusterBits, h.clusterBits());
        assertEquals(size, h.size());
        assertEquals(cryptMethod, h.cryptMethod());
        assertEquals(l1Size, h.l1Size());
        assertEquals(l1TableOffset, h.l1TableOffset());
        assertEquals(refcountTableOffset, h.refcountTableOffset());
        assertEquals(refcountTableClusters, h.refcountTableClusters());
        assertEquals(nbSnapshots, h.nbSnapshots());
        assertEquals(snapshotsOffset, h.snapshotsOffset());
        assertEquals(incompatible, h.incompatibleFeatures());
        assertEquals(compatible, h.compatibleFeatures());
        assertEquals(autoclear, h.autoclearFeatures());
        assertEquals(refcountOrder, h.refcountOrder());
        assertEquals(t.headerLength, h.headerLength());
        if (t.headerLength > 104) {
            // spec: Additional fields — compression_type is byte 104, the rest is kept as read
            assertEquals(t.additional[0] & 0xff, h.compressionType());
            assertArrayEquals(Arrays.copyOfRange(t.additional, 1, t.additional.length), h.additionalFields());
        } else {
            assertEquals(0, h.compressionType());
            assertEquals(0, h.additionalFields().length);
        }
    }

    /**
     * Any bytes yield a header and extensions (and findings) or an {@link ImageException},
     * never another exception. Magic, version and cluster_bits are optionally made valid so
     * that the bytes reach past the first checks.
     */
    @Property(tries = 200)
    void anyBytesDecodeOrFailWithAnImageException(
            @ForAll @Size(max = 1100) byte[] bytes,
            @ForAll boolean validMagic,
            @ForAll @IntRange(min = 2, max = 3) int version,
            @ForAll @IntRange(min = 0, max = 12) int clusterBits,
            @ForAll @IntRange(min = 0, max = 3) int backingShape) {
        byte[] b = bytes;
        if (validMagic && b.length >= 24) {
            b = bytes.clone();
            TestImage.put32(b, 0, Header.MAGIC);
            TestImage.put32(b, 4, version);
            TestImage.put32(b, 20, clusterBits);
            if (b.length >= 20 && backingShape > 0) {
                // a small backing name somewhere in the first KiB, or none at all
                TestImage.put64(b, 8, backingShape == 1 ? 0 : bytes[0] & 0x3ff);
                TestImage.put32(b, 16, backingShape == 3 ? bytes[1] & 0xff : 0);
            }
        }
        TestImage.withSource(b, b.length, src -> {
            try {
                Header h = HeaderDecoder.decode(src);
                List<Finding> out = new ArrayList<>();
                HeaderExtensions ext = ExtensionsDecoder.decode(src, h);
                HeaderRules.check(h, ExtensionRules.unknownIncompatibleNames(h, ext), out);
                ExtensionRules.check(h, ext, src.size(), out);
                ExtensionsDecoder.backingFileName(src, h);
                HeaderRules.requireUsable(h, Limits.DEFAULT);
            } catch (ImageException expected) {
                // a one-line refusal naming the rule is the other allowed outcome
                assertEquals(expected.getMessage().lines().count(), 1L);
            }
            return null;
        });
    }
}
