package io.qcow2conformance.harness.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.harness.testkit.Cli;
import io.qcow2conformance.harness.testkit.Qemu;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Encrypted images (spec: Data encryption; Full disk encryption header pointer) made by the
 * real qemu-img and written by qemu-io with a secret: our {@code convert --passphrase} must
 * equal {@code qemu-img convert} with the same secret byte for byte, {@code info} must show
 * the {@code encrypt} object qemu-img shows, and {@code check} must pass where qemu-img
 * check passes. Key derivation is kept fast with {@code encrypt.iter-time=10}; even so
 * qemu-img create spends about a second benchmarking PBKDF2, so each kind of image is
 * created once and every test works on its own copy.
 */
class EncryptedImageDifferentialTest {
    private static final String PASSPHRASE = "correct horse";
    private static final String SECRET = "secret,id=sec0,data=" + PASSPHRASE;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LUKS = "encrypt.format=luks";
    private static final String ESSIV =
            "encrypt.format=luks,encrypt.cipher-mode=cbc,encrypt.ivgen-alg=essiv,encrypt.ivgen-hash-alg=sha256";

    /** Pristine images by their encryption options, created once. */
    private static final Map<String, Path> CREATED = new HashMap<>();

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        Qemu.require("qemu-img");
        Qemu.require("qemu-io");
    }

    /**
     * Encryption options of qemu-img create: the LUKS defaults and the other ciphers and hashes
     * the kit reads; legacy AES. QEMU's Serpent (from nettle or gcrypt) is the independent
     * reference for ours in every mode, its PBKDF2 and AF splitter with md5 and ripemd160 for ours.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            LUKS,
            "encrypt.format=luks,encrypt.cipher-alg=aes-128,encrypt.ivgen-alg=plain",
            ESSIV,
            "encrypt.format=luks,encrypt.hash-alg=sha1", // a digest shorter than the key: AF diffusion's partial last piece
            "encrypt.format=aes",
            "encrypt.format=luks,encrypt.cipher-alg=serpent-256",
            "encrypt.format=luks,encrypt.cipher-alg=serpent-192",
            "encrypt.format=luks,encrypt.cipher-alg=serpent-128,encrypt.cipher-mode=cbc,encrypt.ivgen-alg=plain64",
            // ESSIV keys Serpent-256 with the sha256 of a 16-byte key
            "encrypt.format=luks,encrypt.cipher-alg=serpent-128,encrypt.cipher-mode=cbc,encrypt.ivgen-alg=essiv,"
                    + "encrypt.ivgen-hash-alg=sha256",
            "encrypt.format=luks,encrypt.hash-alg=md5",
            "encrypt.format=luks,encrypt.hash-alg=ripemd160", // RIPEMD-160: not in the JDK, our own digest and HMAC
            // md5 everywhere: PBKDF2, AF diffusion and ESSIV (an AES-128 key from the 16-byte digest)
            "encrypt.format=luks,encrypt.cipher-alg=aes-256,encrypt.cipher-mode=cbc,encrypt.ivgen-alg=essiv,"
                    + "encrypt.ivgen-hash-alg=md5,encrypt.hash-alg=md5",
    })
    void guestDataInfoAndCheckMatchQemu(String encryption) throws IOException {
        Path img = copy(encryption);
        // QEMU 7.2 stores compressed clusters of encrypted images unencrypted and reads them so.
        write(img, "write -P 0x5a 0 64k", "write -P 0xa5 100k 3000", "write -z 300k 8k", "write -P 0x33 1020k 4k",
                "write -c -P 0x42 512k 4k");
        assertConvertSameAsQemu(img, "--passphrase=" + PASSPHRASE);
        Path file = dir.resolve("pass");
        Files.write(file, PASSPHRASE.getBytes(StandardCharsets.US_ASCII));
        assertConvertSameAsQemu(img, "--passphrase-file=" + file);

        JsonNode qemu = JSON.readTree(Qemu.img("info", "--output=json", img.toString()).out());
        Cli.Result info = Cli.run("info", "--output=json", img.toString());
        assertEquals(0, info.exitCode(), info.err());
        JsonNode ours = JSON.readTree(info.out());
        assertEquals(qemu.at("/format-specific/data/encrypt"), ours.at("/format-specific/data/encrypt"));
        assertEquals(qemu.get("encrypted"), ours.get("encrypted"));
        String qemuHuman = Qemu.img("info", img.toString()).out();
        Cli.Result human = Cli.run("info", img.toString());
        assertEquals(encryptBlock(qemuHuman), encryptBlock(human.out()));
        assertTrue(human.out().contains("\nencrypted: yes\n"), human.out());

        // The encryption header clusters are referenced: no leaks, and the same counters as qemu-img check.
        JsonNode qemuCheck = JSON.readTree(Qemu.img("check", "--output=json", "--object", SECRET,
                "--image-opts", imageOpts(img)).out());
        Cli.Result check = Cli.run("check", "--output=json", "--passphrase=" + PASSPHRASE, img.toString());
        assertEquals(0, check.exitCode(), check.out() + check.err());
        JsonNode ourCheck = JSON.readTree(check.out());
        for (String counter : List.of("image-end-offset", "total-clusters", "allocated-clusters", "check-errors")) {
            assertEquals(qemuCheck.get(counter), ourCheck.get(counter), counter);
        }
        Cli.Result checkWithout = Cli.run("check", img.toString());
        assertEquals(0, checkWithout.exitCode(), "metadata checks need no passphrase: " + checkWithout.out());
    }

    @Test
    void encryptedOverlayOnAPlainBackingFileMatchesQemu() throws IOException {
        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", base.toString(), "1M");
        Qemu.io("-c", "write -P 0x77 0 1M", base.toString());
        Path img = dir.resolve("enc.qcow2");
        create("-b", "base.qcow2", "-F", "qcow2", "-o",
                "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10,cluster_size=4096", img.toString());
        write(img, "write -P 0x5a 8k 4k", "write -P 0x6b 70000 100");
        assertConvertSameAsQemu(img, "--passphrase=" + PASSPHRASE);
    }

    /**
     * A plain overlay on an encrypted backing file: like qemu-img check, our check opens the
     * backing chain, so it needs the passphrase for the backing image (exit 1 without it or
     * with a wrong one) and passes with it.
     */
    @Test
    void checkOpensAnEncryptedBackingFileWithThePassphraseLikeQemu() throws IOException {
        Path base = dir.resolve("base.qcow2");
        Files.copy(copy(LUKS), base);
        Path top = dir.resolve("top.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "-o", "cluster_size=4096",
                top.toString(), "1M");
        String backingOpts = "driver=qcow2,file.filename=" + top + ",backing.encrypt.key-secret=sec0";
        for (String passphrase : new String[] {null, "wrong", PASSPHRASE}) {
            List<String> qemu = new ArrayList<>(List.of("check", "--output=json"));
            qemu.addAll(passphrase == null ? List.of(top.toString())
                    : List.of("--object", "secret,id=sec0,data=" + passphrase, "--image-opts", backingOpts));
            ProcessRunner.Result theirs = Qemu.run("qemu-img", qemu.toArray(String[]::new));
            List<String> args = new ArrayList<>(List.of("check", "--output=json"));
            if (passphrase != null) {
                args.add("--passphrase=" + passphrase);
            }
            args.add(top.toString());
            Cli.Result ours = Cli.run(args.toArray(String[]::new));
            assertEquals(theirs.exitCode(), ours.exitCode(), passphrase + ": " + theirs.err() + " / " + ours.err());
            if (theirs.exitCode() == 0) {
                JsonNode q = JSON.readTree(theirs.out());
                JsonNode o = JSON.readTree(ours.out());
                for (String counter : List.of("image-end-offset", "total-clusters", "check-errors")) {
                    assertEquals(q.get(counter), o.get(counter), counter);
                }
            } else {
                assertEquals(1, ours.err().strip().lines().count(), ours.err());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {LUKS, ESSIV})
    void wrongPassphraseIsOneLineAndExit1LikeQemu(String encryption) throws IOException {
        Path img = copy(encryption);
        write(img, "write -P 0x5a 0 4k");
        ProcessRunner.Result qemu = Qemu.run("qemu-img", "convert", "--object", "secret,id=sec0,data=wrong",
                "--image-opts", imageOpts(img), "-O", "raw", dir.resolve("q.raw").toString());
        assertNotEquals(0, qemu.exitCode());
        Path out = dir.resolve("out.raw");
        for (String command : List.of("convert", "check")) {
            List<String> args = new ArrayList<>(List.of(command, "--passphrase=wrong", img.toString()));
            if (command.equals("convert")) {
                args.add(out.toString());
            }
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(1, r.exitCode(), command + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains("encryption.passphrase.opens-key"), r.err());
        }
        assertFalse(Files.exists(out));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {LUKS, "encrypt.format=aes"})
    void withoutPassphraseMetadataWorksButGuestReadsAreRefused(String encryption) throws IOException {
        Path img = copy(encryption);
        write(img, "write -P 0x5a 0 4k");
        assertEquals(0, Cli.run("info", img.toString()).exitCode());
        assertEquals(0, Cli.run("check", img.toString()).exitCode());
        Path out = dir.resolve("out.raw");
        Cli.Result r = Cli.run("convert", img.toString(), out.toString());
        assertEquals(1, r.exitCode(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("encryption.passphrase.required"), r.err());
        assertFalse(Files.exists(out), "no ciphertext is ever written as guest data");
    }

    @Test
    void brokenLuksMagicIsACorruptionAndQemuCannotOpenItEither() throws IOException {
        Path img = copy(LUKS);
        long luks = indexOf(Files.readAllBytes(img), "LUKS\u00ba\u00be".getBytes(StandardCharsets.ISO_8859_1));
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(luks);
            f.write('X');
        }
        assertNotEquals(0, Qemu.run("qemu-img", "check", "--object", SECRET, "--image-opts", imageOpts(img)).exitCode());
        Cli.Result check = Cli.run("check", "--output=json", img.toString());
        assertEquals(2, check.exitCode(), check.out() + check.err());
        assertTrue(check.out().contains("encryption.luks.magic"), check.out());
        Cli.Result convert = Cli.run("convert", "--passphrase=" + PASSPHRASE, img.toString(), dir.resolve("o.raw").toString());
        assertEquals(1, convert.exitCode());
        assertTrue(convert.err().contains("encryption.luks.magic"), convert.err());
    }

    /** A fresh copy of a 1 MiB image with 4 KiB clusters and the encryption options given. */
    private Path copy(String encryption) throws IOException {
        Path pristine;
        synchronized (CREATED) {
            pristine = CREATED.get(encryption);
            if (pristine == null) {
                pristine = shared.resolve("img" + CREATED.size() + ".qcow2");
                String opts = encryption + ",encrypt.key-secret=sec0,cluster_size=4096"
                        + (encryption.contains("luks") ? ",encrypt.iter-time=10" : "");
                create("-o", opts, pristine.toString(), "1M");
                CREATED.put(encryption, pristine);
            }
        }
        Path img = dir.resolve("img.qcow2");
        Files.copy(pristine, img);
        return img;
    }

    /** qemu-img create with the secret (Qemu.img repeats QEMU's occasional key-timing failure). */
    private static void create(String... args) {
        List<String> all = new ArrayList<>(List.of("create", "-q", "-f", "qcow2", "--object", SECRET));
        all.addAll(List.of(args));
        Qemu.img(all.toArray(String[]::new));
    }

    private static String imageOpts(Path img) {
        return "driver=qcow2,file.filename=" + img + ",encrypt.key-secret=sec0";
    }

    private static void write(Path img, String... commands) {
        List<String> args = new ArrayList<>(List.of("--object", SECRET, "--image-opts", imageOpts(img)));
        for (String c : commands) {
            args.add("-c");
            args.add(c);
        }
        Qemu.io(args.toArray(String[]::new));
    }

    private void assertConvertSameAsQemu(Path img, String passphraseOption) throws IOException {
        Path expected = dir.resolve("qemu.raw");
        Qemu.img("convert", "--object", SECRET, "--image-opts", imageOpts(img), "-O", "raw", expected.toString());
        Path actual = dir.resolve("ours.raw");
        Cli.Result r = Cli.run("convert", passphraseOption, img.toString(), actual.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertArrayEquals(Files.readAllBytes(expected), Files.readAllBytes(actual));
    }

    /** The lines of the "encrypt:" block of human info output, down to the next line as little indented. */
    private static List<String> encryptBlock(String info) {
        List<String> lines = info.lines().toList();
        int start = lines.indexOf("    encrypt:");
        assertTrue(start >= 0, info);
        int end = start + 1;
        while (end < lines.size() && lines.get(end).startsWith("        ")) {
            end++;
        }
        return lines.subList(start, end);
    }

    private static long indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("no LUKS magic in the image");
    }
}
