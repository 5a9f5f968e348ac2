package io.qcow2conformance.harness.write;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.harness.testkit.Cli;
import io.qcow2conformance.harness.testkit.Qemu;
import io.qcow2conformance.model.crypto.CipherSpec;
import io.qcow2conformance.model.crypto.LuksHash;
import io.qcow2conformance.model.write.Encryption;
import io.qcow2conformance.model.write.GuestContent;
import io.qcow2conformance.model.write.ImageDescription;
import io.qcow2conformance.model.write.Qcow2Writer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The writer's encrypted images (spec: Data encryption; Full disk encryption header pointer)
 * opened by the real QEMU with the passphrase: {@code qemu-img check} finds nothing,
 * {@code qemu-img convert} decrypts exactly the content the description implies
 * ({@link GuestContent}), and {@code qemu-img info} describes the LUKS header QEMU itself
 * creates by default (aes-256 xts-plain64, sha256, 4000 stripes, key slot 0 active). The
 * model's own {@code convert --passphrase} must agree. A wrong passphrase must not open them.
 */
class EncryptedWriterDifferentialTest {
    private static final String PASSPHRASE = "qcow2 conformance";

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        Qemu.require("qemu-img");
    }

    /** Data, a partial write, zero clusters (one preallocated) and a compressed cluster, stored unencrypted as QEMU does. */
    private static ImageDescription.Builder mixed(int clusterBits, Encryption e) {
        long cs = 1L << clusterBits;
        return ImageDescription.builder().clusterBits(clusterBits).virtualSize(8 * cs).encryption(e)
                .write(0, 2 * cs).write(2 * cs + 512, cs / 2).zero(3 * cs, cs, false).zero(4 * cs, cs, true)
                .writeCompressed(5 * cs, cs).write(7 * cs, cs);
    }

    static Stream<Named<ImageDescription>> images() {
        return Stream.of(
                Named.of("LUKS, 4 KiB clusters", mixed(12, Encryption.luks(PASSPHRASE)).build()),
                Named.of("LUKS, 512 B clusters, 2 L2 tables", mixed(9, Encryption.luks(PASSPHRASE))
                        .virtualSize(80 * 512).write(70 * 512, 4096).build()),
                Named.of("LUKS, 64 KiB clusters, refcount_order 0", mixed(16, Encryption.luks(PASSPHRASE))
                        .refcountOrder(0).build()),
                Named.of("LUKS aes-128 cbc-essiv:sha256", mixed(12, Encryption.luks(PASSPHRASE)
                        .withCipher("cbc-essiv:sha256", 16)).build()),
                // not aes-192 in CBC: 24 * 4000 bytes of key material is no whole number of sectors, and
                // qemu-img 7.2 fails an assertion on it (even when creating such an image itself)
                Named.of("LUKS aes-256 cbc-plain64", mixed(12, Encryption.luks(PASSPHRASE)
                        .withCipher("cbc-plain64", 32)).build()),
                Named.of("LUKS aes-192 xts-plain64", mixed(12, Encryption.luks(PASSPHRASE)
                        .withCipher("xts-plain64", 48)).build()),
                Named.of("LUKS aes-128 xts-plain", mixed(9, Encryption.luks(PASSPHRASE).withCipher("xts-plain", 32))
                        .virtualSize(80 * 512).write(70 * 512, 4096).build()),
                Named.of("LUKS serpent-128 cbc-essiv:sha256", mixed(12, Encryption.luks(PASSPHRASE)
                        .withCipher(CipherSpec.Algorithm.SERPENT, "cbc-essiv:sha256", 16)).build()),
                Named.of("LUKS serpent-256 xts-plain64", mixed(12, Encryption.luks(PASSPHRASE)
                        .withCipher(CipherSpec.Algorithm.SERPENT, "xts-plain64", 64)).build()),
                Named.of("LUKS aes-128 cbc-essiv:md5, hash md5", mixed(12, Encryption.luks(PASSPHRASE)
                        .withCipher("cbc-essiv:md5", 16).withHash(LuksHash.MD5)).build()),
                Named.of("LUKS aes-128 cbc-essiv:sha256, hash ripemd160", mixed(12, Encryption.luks(PASSPHRASE)
                        .withCipher("cbc-essiv:sha256", 16).withHash(LuksHash.RIPEMD160)).build()),
                Named.of("LUKS in a version 2 image", ImageDescription.builder().version(2).clusterBits(12)
                        .virtualSize(8 * 4096).encryption(Encryption.luks(PASSPHRASE)).write(0, 3 * 4096 - 100)
                        .writeCompressed(4 * 4096, 4096).build()),
                Named.of("legacy AES, 4 KiB clusters", mixed(12, Encryption.aes(PASSPHRASE)).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void qemuDecryptsTheDescribedContent(ImageDescription d) throws IOException {
        Path image = dir.resolve("image.qcow2");
        Qcow2Writer.write(d, image);
        ProcessRunner.Result check = Qemu.run("qemu-img", "check", "--output=json", "--object", secret(PASSPHRASE),
                "--image-opts", imageOpts(image));
        JsonNode j = Json.MAPPER.readTree(check.out().isBlank() ? "{}" : check.out());
        String what = "exit " + check.exitCode() + " " + check.out() + check.err();
        assertEquals(0, check.exitCode(), what);
        assertEquals(0, j.path("corruptions").asInt(0), what);
        assertEquals(0, j.path("leaks").asInt(0), what);
        assertEquals(0, j.path("check-errors").asInt(-1), what);

        Path qemuRaw = dir.resolve("qemu.raw");
        Qemu.img("convert", "--object", secret(PASSPHRASE), "--image-opts", imageOpts(image), "-O", "raw",
                qemuRaw.toString());
        byte[] expected;
        try (InputStream in = GuestContent.of(d).stream()) {
            expected = in.readAllBytes();
        }
        assertArrayEquals(expected, Files.readAllBytes(qemuRaw), "qemu-img convert must decrypt to the description");

        Path ours = dir.resolve("ours.raw");
        Cli.Result r = Cli.run("convert", "--passphrase=" + PASSPHRASE, image.toString(), ours.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertArrayEquals(expected, Files.readAllBytes(ours), "the model must decrypt to the description");
    }

    @Test
    void qemuSeesTheLuksHeaderQemuCreatesByDefault() throws IOException {
        Path image = dir.resolve("image.qcow2");
        Qcow2Writer.write(mixed(12, Encryption.luks(PASSPHRASE)).build(), image);
        JsonNode info = Json.MAPPER.readTree(Qemu.img("info", "--output=json", image.toString()).out());
        assertTrue(info.path("encrypted").asBoolean(), info.toString());
        JsonNode e = info.path("format-specific").path("data").path("encrypt");
        assertEquals("luks", e.path("format").asText(), e.toString());
        assertEquals("aes-256", e.path("cipher-alg").asText());
        assertEquals("xts", e.path("cipher-mode").asText());
        assertEquals("plain64", e.path("ivgen-alg").asText());
        assertEquals("sha256", e.path("hash-alg").asText());
        JsonNode slots = e.path("slots");
        assertEquals(8, slots.size());
        for (int i = 0; i < slots.size(); i++) {
            assertEquals(i == 0, slots.get(i).path("active").asBoolean(), "slot " + i);
        }
        assertEquals(4000, slots.get(0).path("stripes").asInt());
        // QEMU's own layout: key material at 4 KiB, each slot's material (64 * 4000 bytes) rounded to 4 KiB
        assertEquals(4096, slots.get(0).path("key-offset").asLong());
        assertEquals(4096 + 258048, slots.get(1).path("key-offset").asLong());
        assertEquals(4096 + 8 * 258048, e.path("payload-offset").asLong());
    }

    /** qemu-img names the cipher and hash the description asks for: the header fields are what QEMU expects. */
    @Test
    void qemuSeesTheCipherAndHashOfTheDescription() throws IOException {
        Path image = dir.resolve("image.qcow2");
        Qcow2Writer.write(mixed(12, Encryption.luks(PASSPHRASE).withCipher(CipherSpec.Algorithm.SERPENT, "cbc-essiv:md5", 24)
                .withHash(LuksHash.MD5)).build(), image);
        JsonNode e = Json.MAPPER.readTree(Qemu.img("info", "--output=json", image.toString()).out())
                .path("format-specific").path("data").path("encrypt");
        assertEquals("serpent-192", e.path("cipher-alg").asText(), e.toString());
        assertEquals("cbc", e.path("cipher-mode").asText());
        assertEquals("essiv", e.path("ivgen-alg").asText());
        assertEquals("md5", e.path("ivgen-hash-alg").asText());
        assertEquals("md5", e.path("hash-alg").asText());
    }

    @Test
    void aWrongPassphraseDoesNotOpenTheImage() throws IOException {
        Path image = dir.resolve("image.qcow2");
        Qcow2Writer.write(mixed(12, Encryption.luks(PASSPHRASE)).build(), image);
        assertNotEquals(0, Qemu.run("qemu-img", "convert", "--object", secret("wrong"), "--image-opts", imageOpts(image),
                "-O", "raw", dir.resolve("q.raw").toString()).exitCode());
    }

    private static String secret(String passphrase) {
        return "secret,id=sec0,data=" + passphrase;
    }

    private static String imageOpts(Path img) {
        return "driver=qcow2,file.filename=" + img + ",encrypt.key-secret=sec0";
    }
}
