package io.qcow2conformance.model.write;

import io.qcow2conformance.model.check.CheckReport;
import io.qcow2conformance.model.check.ImageChecker;
import io.qcow2conformance.model.crypto.LuksField;
import io.qcow2conformance.model.crypto.LuksHeader;
import io.qcow2conformance.model.crypto.Secret;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.read.BackingChain;
import io.qcow2conformance.model.read.OpenOptions;
import io.qcow2conformance.model.read.Qcow2Disk;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Encrypted images from the writer, read back through the model: the guest decrypts to the
 * description's content with the passphrase, the check finds nothing, the stored data
 * clusters are not the plaintext, and the LUKS fields sit where the layout says and hold
 * what the LUKS1 format prescribes (its magic, version 1). QEMU's view of the same images
 * is in harness/write/EncryptedWriterDifferentialTest.
 */
class EncryptedWriterRoundTripTest {
    private static final String PASSPHRASE = "round trip";

    @TempDir
    Path dir;

    private static ImageDescription describe(Encryption.Method method) {
        long cs = 512;
        return ImageDescription.builder().clusterBits(9).virtualSize(16 * cs)
                .encryption(Encryption.of(method, PASSPHRASE))
                .write(0, 3 * cs).write(5 * cs + 100, 200).zero(7 * cs, cs, true).writeCompressed(8 * cs, cs)
                .build();
    }

    @ParameterizedTest
    @EnumSource(Encryption.Method.class)
    void decryptsToTheDescriptionAndChecksClean(Encryption.Method method) throws IOException {
        ImageDescription d = describe(method);
        Path file = dir.resolve("image.qcow2");
        Layout layout = Qcow2Writer.write(d, file);
        byte[] expected;
        try (InputStream in = GuestContent.of(d).stream()) {
            expected = in.readAllBytes();
        }
        ByteBuffer got = ByteBuffer.allocate(expected.length);
        try (Qcow2Disk disk = BackingChain.open(file, withPassphrase(PASSPHRASE))) {
            disk.read(0, got);
        }
        assertArrayEquals(expected, got.array());

        CheckReport r = new ImageChecker(Limits.DEFAULT).check(file);
        assertEquals(CheckReport.Verdict.CLEAN, r.verdict(), r.findings().toString());

        byte[] stored = Arrays.copyOfRange(Files.readAllBytes(file), (int) layout.region(Layout.data(0)).offset(),
                (int) layout.region(Layout.data(0)).end());
        assertFalse(Arrays.equals(Arrays.copyOf(expected, stored.length), stored), "data clusters are stored encrypted");
        assertEquals(method.cryptMethod(), BigEndian.u32(Files.readAllBytes(file), 32), "crypt_method (spec: Header)");
    }

    @Test
    void luksFieldsAreWhereTheLayoutSays() throws IOException {
        Path file = dir.resolve("image.qcow2");
        Layout layout = Qcow2Writer.write(describe(Encryption.Method.LUKS), file);
        byte[] img = Files.readAllBytes(file);
        Layout.Region area = layout.region(Layout.LUKS_AREA);
        assertEquals(0, area.offset() % layout.clusterSize(), "the area starts on a cluster");
        Layout.Region magic = layout.region(Layout.luksField("magic"));
        assertEquals(area.offset(), magic.offset());
        assertArrayEquals(new byte[] {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe},
                Arrays.copyOfRange(img, (int) magic.offset(), (int) magic.end()));
        assertEquals(1, BigEndian.u16(img, (int) layout.region(Layout.luksField("version")).offset()));
        assertEquals(0x00ac71f3L, BigEndian.u32(img, (int) layout.region(Layout.luksKeySlotField(0, "active")).offset()));
        assertEquals(0x0000deadL, BigEndian.u32(img, (int) layout.region(Layout.luksKeySlotField(7, "active")).offset()));
        Layout.Region material = layout.region(Layout.luksKeyMaterial(0));
        assertTrue(material.offset() >= magic.offset() + LuksHeader.LENGTH && material.end() <= area.end());
        // the header encodes back to what it decodes from
        byte[] header = Arrays.copyOfRange(img, (int) area.offset(), (int) area.offset() + LuksHeader.LENGTH);
        assertArrayEquals(header, LuksHeader.decode(area.offset(), header).encode());
        assertEquals(LuksField.headerFields().size() + 8 * LuksField.keySlotFields().size(),
                layout.regions().stream().filter(x -> x.name().startsWith("luks.")).count());
    }

    /** No random source and no clock: salts, master key, filler and UUID are fixed, so the bytes are too. */
    @ParameterizedTest
    @EnumSource(Encryption.Method.class)
    void theSameDescriptionGivesTheSameBytes(Encryption.Method method) throws IOException {
        Qcow2Writer.write(describe(method), dir.resolve("a.qcow2"));
        Qcow2Writer.write(describe(method), dir.resolve("b.qcow2"));
        assertArrayEquals(Files.readAllBytes(dir.resolve("a.qcow2")), Files.readAllBytes(dir.resolve("b.qcow2")));
    }

    @Test
    void onlyCiphersTheKitCanReadAreAccepted() {
        assertThrows(IllegalArgumentException.class, () -> Encryption.luks("p").withCipher("xts-plain64", 16));
        assertThrows(IllegalArgumentException.class, () -> Encryption.luks("p").withCipher("ecb", 16));
        assertEquals(16, Encryption.luks("p").withCipher("cbc-essiv:sha256", 16).keyBytes());
    }

    @Test
    void aWrongPassphraseOpensNoKeySlot() throws IOException {
        Path file = dir.resolve("image.qcow2");
        Qcow2Writer.write(describe(Encryption.Method.LUKS), file);
        ImageException e = assertThrows(ImageException.class,
                () -> BackingChain.open(file, withPassphrase("wrong")).close());
        assertEquals(Rule.ENCRYPTION_PASSPHRASE_OPENS_KEY, e.rule());
    }

    @Test
    void aLuksAreaCutShortByTheEndOfTheFileIsReportedOnce() throws IOException {
        Path file = dir.resolve("image.qcow2");
        Layout layout = Qcow2Writer.write(describe(Encryption.Method.LUKS), file);
        Layout.Region area = layout.region(Layout.LUKS_AREA);
        try (var f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(area.offset() + area.length() / 2);
        }
        CheckReport r = new ImageChecker(Limits.DEFAULT).check(file);
        assertEquals(1, r.findings().stream().filter(f -> f.rule() == Rule.FILE_STRUCTURE_IN_BOUNDS
                && f.message().contains("encryption header")).count(), r.findings().toString());
    }

    private static OpenOptions withPassphrase(String passphrase) {
        return OpenOptions.of(Limits.DEFAULT).withSecret(Secret.ofText(passphrase));
    }
}
