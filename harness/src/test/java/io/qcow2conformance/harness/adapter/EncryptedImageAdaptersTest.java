package io.qcow2conformance.harness.adapter;

import io.qcow2conformance.harness.testkit.Qemu;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The adapters that declare encryption support, given a passphrase file as the runner hands it
 * over (a manifest file of role passphrase): a LUKS image made by the real qemu-img and
 * written by qemu-io opens, reads as what qemu-io wrote and checks clean with the right
 * passphrase, and is refused with a wrong one or none.
 */
class EncryptedImageAdaptersTest {
    private static final String PASSPHRASE = "adapter, test";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    private static Path image;

    @BeforeAll
    static void luksImage() throws IOException {
        Qemu.require("qemu-img");
        Qemu.require("qemu-io");
        Path pass = write("right.pass", PASSPHRASE);
        image = dir.resolve("luks,image.qcow2"); // a comma, which QEMU's option syntax must see escaped
        String secret = "secret,id=s0,file=" + pass;
        Qemu.img("create", "-q", "-f", "qcow2", "--object", secret, "-o",
                "encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=10", image.toString(), "1M");
        Qemu.io("--object", secret, "--image-opts",
                "driver=qcow2,file.filename=" + image.toString().replace(",", ",,") + ",encrypt.key-secret=s0",
                "-c", "write -P 0x5a 0 64k");
    }

    private static Path write(String name, String text) throws IOException {
        return Files.write(dir.resolve(name), text.getBytes(StandardCharsets.UTF_8));
    }

    private static Implementation adapter(String name) {
        return name.equals("qemu") ? new QemuAdapter(TIMEOUT) : new ModelAdapter(TIMEOUT);
    }

    /** The command protocol hands the passphrase file to the program (here a qemu-io wrapper that opens with it). */
    @Test
    void theCommandProtocolPassesThePassphraseFile() throws IOException {
        CommandAdapter speaker = CommandAdapterTest.shell("enc", "qemu_encrypted.sh", TIMEOUT);
        assertTrue(speaker.capabilities().contains(Capability.ENCRYPTION));
        Implementation.Result right = speaker.withPassphraseFile(dir.resolve("right.pass")).open(image);
        assertEquals(Status.OK, right.status(), right.detail());
        Implementation.Result wrong = speaker.withPassphraseFile(write("wrong2.pass", "not it")).open(image);
        assertEquals(Status.REJECTED, wrong.status());
        assertTrue(wrong.detail().contains("Invalid password"), wrong.detail());
        assertEquals(Status.REJECTED, speaker.open(image).status(), "no passphrase file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"qemu", "model"})
    void opensReadsAndChecksWithThePassphrase(String name) throws IOException {
        Implementation impl = adapter(name);
        assertTrue(impl.capabilities().contains(Capability.ENCRYPTION));
        Implementation withKey = impl.withPassphraseFile(dir.resolve("right.pass"));
        Implementation.Result open = withKey.open(image);
        assertEquals(Status.OK, open.status(), open.detail());
        Path raw = dir.resolve(name + ".raw");
        Implementation.Result read = withKey.readGuest(image, Optional.empty(), raw);
        assertEquals(Status.OK, read.status(), read.detail());
        assertEquals(TestImages.patternSha256(0x5a), TestImages.sha256(raw));
        Implementation.Result check = withKey.check(image);
        assertEquals(0, check.exitCode(), check.detail());
    }

    @ParameterizedTest
    @ValueSource(strings = {"qemu", "model"})
    void refusesAWrongPassphraseOrNone(String name) throws IOException {
        Implementation impl = adapter(name);
        Path raw = dir.resolve(name + "-wrong.raw");
        Implementation wrong = impl.withPassphraseFile(write("wrong.pass", "not it"));
        Implementation.Result open = wrong.open(image);
        assertEquals(Status.REJECTED, open.status());
        if (name.equals("model")) {
            assertEquals(java.util.List.of("encryption.passphrase.opens-key"), open.findings(), open.detail());
        }
        assertEquals(Status.REJECTED, wrong.readGuest(image, Optional.empty(), raw).status());
        assertEquals(Status.REJECTED, impl.readGuest(image, Optional.empty(), raw).status());
    }
}
