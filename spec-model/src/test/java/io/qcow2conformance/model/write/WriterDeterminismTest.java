package io.qcow2conformance.model.write;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WriterDeterminismTest {
    @TempDir
    Path dir;

    private static ImageDescription describe(int layer) {
        return WriterRoundTripTest.allStates(12).layer(layer).compression(Compression.ZSTD).packCompressed(true)
                .extension(Extension.backingFormat("qcow2")).build();
    }

    private static byte[] sha256(Path p) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
    }

    @Test
    void sameDescriptionGivesSameBytes() throws Exception {
        Layout a = Qcow2Writer.write(describe(4), dir.resolve("a.qcow2"));
        Layout b = Qcow2Writer.write(describe(4), dir.resolve("b.qcow2"));
        assertArrayEquals(sha256(dir.resolve("a.qcow2")), sha256(dir.resolve("b.qcow2")));
        assertEquals(a.regions(), b.regions());
        assertArrayEquals(GuestContent.of(describe(4)).sha256(), GuestContent.of(describe(4)).sha256());
    }

    @Test
    void anotherLayerGivesOtherBytesAndContent() throws Exception {
        Qcow2Writer.write(describe(4), dir.resolve("a.qcow2"));
        Qcow2Writer.write(describe(5), dir.resolve("b.qcow2"));
        assertFalse(MessageDigest.isEqual(sha256(dir.resolve("a.qcow2")), sha256(dir.resolve("b.qcow2"))));
        assertFalse(MessageDigest.isEqual(GuestContent.of(describe(4)).sha256(), GuestContent.of(describe(5)).sha256()));
    }

    @Test
    void rewritingReplacesTheFile() throws Exception {
        Path p = dir.resolve("a.qcow2");
        Files.write(p, new byte[1 << 20]);
        Layout l = Qcow2Writer.write(describe(4), p);
        assertEquals(l.fileSize(), Files.size(p));
    }

    @Test
    void descriptionsNoValidImageCanHaveAreRefused() {
        long cs = 4096;
        assertThrows(IllegalArgumentException.class, () -> ImageDescription.builder().version(2).zero(0, cs, false).build());
        assertThrows(IllegalArgumentException.class, () -> ImageDescription.builder().version(2).refcountOrder(6).build());
        assertThrows(IllegalArgumentException.class,
                () -> ImageDescription.builder().headerLength(104).compression(Compression.ZSTD).build());
        assertThrows(IllegalArgumentException.class, () -> ImageDescription.builder().clusterBits(12).zero(100, cs, false).build());
        assertThrows(IllegalArgumentException.class, () -> ImageDescription.builder().virtualSize(cs).write(0, cs + 1).build());
        // refcount 2 does not fit in 1-bit refcounts
        ImageDescription shared = ImageDescription.builder().clusterBits(12).refcountOrder(0).write(0, cs).share(1, 0).build();
        assertThrows(IllegalArgumentException.class, () -> Qcow2Writer.write(shared, dir.resolve("x.qcow2")));
    }
}
