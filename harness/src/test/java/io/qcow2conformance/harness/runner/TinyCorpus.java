package io.qcow2conformance.harness.runner;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qcow2conformance.harness.adapter.TestImages;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.testkit.Qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A corpus of a few images written by the test: images made by qemu-img/qemu-io, damaged at
 * spec-fixed offsets, with expected guest digests taken from {@code qemu-img convert} output
 * (an independent source) and one deliberately wrong digest.
 */
public final class TinyCorpus {
    public static final String PLAIN_V3 = "plain-v3";
    public static final String PLAIN_V2 = "plain-v2";
    public static final String WRONG_DIGEST = "plain-v3-wrong-digest";
    public static final String UNKNOWN_BIT = "unknown-incompatible-bit";
    public static final String BAD_MAGIC = "bad-magic";
    public static final String L1_RESERVED = "l1-reserved-bit";
    public static final String ACCEPT_ONLY = "unknown-bit-accept-only";
    /** The L1-reserved-bit image claimed clean: qemu-img check disagrees (exit 2). */
    public static final String CLAIMED_CLEAN = "l1-reserved-bit-claimed-clean";
    public static final String V2_ZERO_FLAG = "v2-zero-flag";
    public static final String MISSING_BACKING = "missing-backing";
    public static final String SNAPSHOT = "snapshot";
    public static final String SNAPSHOT_WRONG_DIGEST = "snapshot-wrong-digest";
    public static final String GZIP_STORED = "gzip-stored";
    public static final String GZIP_BACKING = "gzip-stored-backing";
    public static final String GZIP_TRUNCATED = "gzip-truncated";
    public static final String GZIP_WRONG_DIGEST = "gzip-wrong-digest";
    public static final List<String> ALL = List.of(PLAIN_V3, PLAIN_V2, WRONG_DIGEST, UNKNOWN_BIT, BAD_MAGIC,
            L1_RESERVED, ACCEPT_ONLY, CLAIMED_CLEAN, V2_ZERO_FLAG);
    public static final String UNKNOWN_BIT_RULE = "header.incompatible_features.unknown";

    private TinyCorpus() {
    }

    /** Writes the images and {@code manifest.json} into {@code dir}; returns {@code dir}. */
    public static Path write(Path dir) throws IOException {
        Qemu.require("qemu-img");
        Qemu.require("qemu-io");
        Path work = Files.createDirectories(dir.resolve("work"));
        Path v3 = TestImages.patterned(dir, "plain-v3.qcow2", true, 0x5a);
        Path v2 = TestImages.patterned(dir, "plain-v2.qcow2", false, 0x5a);
        Path bit = TestImages.withIncompatibleBit(v3, dir.resolve("unknown-bit.qcow2"), 5);
        Path magic = TestImages.withBadMagic(v3, dir.resolve("bad-magic.qcow2"));
        Path l1 = TestImages.withL1ReservedBit(v3, dir.resolve("l1-reserved.qcow2"));
        Path v2Zero = TestImages.withV2ZeroFlag(v2, dir.resolve("v2-zero-flag.qcow2"));
        String v3Guest = TestImages.qemuGuestSha256(v3, work);
        String v2Guest = TestImages.qemuGuestSha256(v2, work);
        String wrong = TestImages.sha256(new byte[] {1});

        ObjectNode root = Json.object();
        root.put("manifestVersion", 1);
        root.put("kit", "test corpus");
        root.putObject("spec").put("text", "qcow2.txt").put("source", "test");
        ArrayNode images = root.putArray("images");
        accept(images.addObject(), PLAIN_V3, v3, "v3", v3Guest, dir);
        accept(images.addObject(), PLAIN_V2, v2, "v2", v2Guest, dir);
        accept(images.addObject(), WRONG_DIGEST, v3, "v3", wrong, dir);
        reject(images.addObject(), UNKNOWN_BIT, bit, "header", UNKNOWN_BIT_RULE, "open", dir);
        reject(images.addObject(), BAD_MAGIC, magic, "header", "header.magic", "open", dir);
        ObjectNode l1Entry = reject(images.addObject(), L1_RESERVED, l1, "mapping", "mapping.l1.entry.reserved", "check", dir);
        ((ObjectNode) l1Entry.get("expect")).putObject("check").put("exitCode", 2);
        ObjectNode acceptOnly = base(images.addObject(), ACCEPT_ONLY, bit, "header", "v3", dir);
        acceptOnly.put("outcome", "implementation-defined");
        acceptOnly.putArray("rules").add(UNKNOWN_BIT_RULE);
        ObjectNode expect = acceptOnly.putObject("expect");
        expect.putArray("allowed").add("accept");
        expect.put("never", "returning other guest data than the pattern");
        expect.put("guestSha256", v3Guest);
        accept(images.addObject(), CLAIMED_CLEAN, l1, "v3", v3Guest, dir);
        ObjectNode zero = reject(images.addObject(), V2_ZERO_FLAG, v2Zero, "mapping", "mapping.l2.zero-flag.version-2", "read", dir);
        zero.put("profile", "v2");
        Files.writeString(dir.resolve(Manifest.FILE), Json.write(root));
        return dir;
    }

    /** A one-image corpus in {@code dir}: an image naming a backing file that does not exist. */
    public static Path writeMissingBacking(Path dir) throws IOException {
        Qemu.require("qemu-img");
        Path image = dir.resolve("missing-backing.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-u", "-b", "nowhere.qcow2", "-F", "qcow2", image.toString(), "1M");
        ObjectNode root = Json.object();
        root.put("manifestVersion", 1);
        root.put("kit", "test corpus");
        root.putObject("spec").put("text", "qcow2.txt").put("source", "test");
        reject(root.putArray("images").addObject(), MISSING_BACKING, image, "backing", "backing.file.readable", "open", dir);
        Files.writeString(dir.resolve(Manifest.FILE), Json.write(root));
        return dir;
    }

    /**
     * A corpus in {@code dir} of one image with one internal snapshot, made by qemu-img and
     * qemu-io, listed twice: with the snapshot's digest from {@code qemu-img snapshot -a} on a
     * copy, then {@code convert} (an independent source), and with a wrong snapshot digest.
     */
    public static Path writeSnapshot(Path dir) throws IOException {
        Path v3 = TestImages.patterned(dir, "snapshot.qcow2", true, 0x5a);
        Qemu.img("snapshot", "-c", "s1", v3.toString());
        Qemu.io("-c", "write -P 0x66 0 64k", v3.toString());
        Path work = Files.createDirectories(dir.resolve("work"));
        Path applied = Files.copy(v3, work.resolve("applied.qcow2"));
        Qemu.img("snapshot", "-a", "s1", applied.toString());
        String snapshotGuest = TestImages.qemuGuestSha256(applied, work);
        ObjectNode root = Json.object();
        root.put("manifestVersion", 1);
        root.put("kit", "test corpus");
        root.putObject("spec").put("text", "qcow2.txt").put("source", "test");
        ArrayNode images = root.putArray("images");
        for (String id : List.of(SNAPSHOT, SNAPSHOT_WRONG_DIGEST)) {
            ObjectNode n = images.addObject();
            accept(n, id, v3, "v3", TestImages.qemuGuestSha256(v3, work), dir);
            ((ObjectNode) n.get("expect")).putArray("snapshots").addObject().put("id", "1").put("name", "s1")
                    .put("virtualSize", TestImages.VIRTUAL_SIZE)
                    .put("guestSha256", id.equals(SNAPSHOT) ? snapshotGuest : TestImages.sha256(new byte[] {1}));
        }
        Files.writeString(dir.resolve(Manifest.FILE), Json.write(root));
        return dir;
    }

    /**
     * A corpus in {@code dir} of images stored gzip-compressed (manifest "encoding": "gzip"),
     * compressed with the JDK's gzip writer, not the kit's: an image; an overlay stored as it
     * is over a gzip-stored backing file it names; a gzip file cut short; and a gzip file whose
     * content is not the manifest's SHA-256.
     */
    public static Path writeGzipStored(Path dir) throws IOException {
        Path work = Files.createDirectories(dir.resolve("work"));
        Path v3 = TestImages.patterned(work, "plain.qcow2", true, 0x5a);
        String guest = TestImages.qemuGuestSha256(v3, work);
        Files.createDirectories(dir.resolve("sub"));
        Path base = TestImages.patterned(work, "base.qcow2", true, 0x33);
        Path overlay = dir.resolve("sub/overlay.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "qcow2", overlay.toString());
        Qemu.img("rebase", "-q", "-u", "-b", "base.qcow2", "-F", "qcow2", overlay.toString());
        Files.copy(base, dir.resolve("sub/base.qcow2"));
        String overlayGuest = TestImages.qemuGuestSha256(overlay, work);
        Files.delete(dir.resolve("sub/base.qcow2"));

        ObjectNode root = Json.object();
        root.put("manifestVersion", 1);
        root.put("kit", "test corpus");
        root.putObject("spec").put("text", "qcow2.txt").put("source", "test");
        ArrayNode images = root.putArray("images");
        byte[] gz = gzip(Files.readAllBytes(v3));
        Path stored = Files.write(dir.resolve("plain.qcow2.gz"), gz);
        gzipEntry(images.addObject(), GZIP_STORED, stored, v3, guest, dir);
        Path cut = Files.write(dir.resolve("cut.qcow2.gz"), java.util.Arrays.copyOf(gz, gz.length / 2));
        gzipEntry(images.addObject(), GZIP_TRUNCATED, cut, v3, guest, dir);
        Path other = Files.write(dir.resolve("other.qcow2.gz"), gzip(Files.readAllBytes(base)));
        gzipEntry(images.addObject(), GZIP_WRONG_DIGEST, other, v3, guest, dir);
        ObjectNode withBacking = images.addObject();
        accept(withBacking, GZIP_BACKING, overlay, "v3", overlayGuest, dir);
        withBacking.putArray("files").addObject().put("path", "sub/base.qcow2.gz").put("sha256", TestImages.sha256(base))
                .put("role", "backing").put("encoding", "gzip");
        Files.write(dir.resolve("sub/base.qcow2.gz"), gzip(Files.readAllBytes(base)));
        Files.writeString(dir.resolve(Manifest.FILE), Json.write(root));
        return dir;
    }

    private static void gzipEntry(ObjectNode n, String id, Path stored, Path image, String guest, Path dir) {
        accept(n, id, stored, "v3", guest, dir);
        n.put("sha256", TestImages.sha256(image));
        n.put("encoding", "gzip");
    }

    static byte[] gunzip(Path gz) throws IOException {
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(out)) {
            z.write(bytes);
        }
        return out.toByteArray();
    }

    private static ObjectNode base(ObjectNode n, String id, Path file, String area, String profile, Path dir) {
        n.put("id", id);
        n.put("file", dir.relativize(file).toString());
        n.put("sha256", TestImages.sha256(file));
        n.putObject("scenario").put("feature", "features/" + area + ".feature").put("name", id);
        n.put("area", area);
        n.put("profile", profile);
        n.putArray("proposals");
        n.put("description", "test image " + id);
        return n;
    }

    private static void accept(ObjectNode n, String id, Path file, String profile, String guest, Path dir) {
        base(n, id, file, "mapping", profile, dir);
        n.putArray("rules");
        n.put("outcome", "accept");
        ObjectNode expect = n.putObject("expect");
        expect.put("virtualSize", TestImages.VIRTUAL_SIZE);
        expect.put("guestSha256", guest);
        expect.putObject("check").put("exitCode", 0);
    }

    private static ObjectNode reject(ObjectNode n, String id, Path file, String area, String rule, String phase, Path dir) {
        base(n, id, file, area, "v3", dir);
        n.putArray("rules").add(rule);
        n.put("outcome", "reject");
        n.putObject("expect").put("brokenRule", rule).put("phase", phase);
        return n;
    }
}
