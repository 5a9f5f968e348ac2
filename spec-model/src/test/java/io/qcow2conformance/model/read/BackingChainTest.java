package io.qcow2conformance.model.read;

import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.image.Qcow2Image;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.qcow2conformance.model.read.TinyImage.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opening backing chains: name resolution, formats, loops, depth and folder rules. */
class BackingChainTest {
    @TempDir
    Path dir;

    private Path image(Path folder, String name, String backing, String format) throws IOException {
        TinyImage t = new TinyImage(9, 1024);
        t.backingName = backing;
        t.backingFormat = format;
        return t.write(folder, name);
    }

    private static void fails(Rule rule, Path top, Limits limits) {
        ImageException e = assertThrows(ImageException.class, () -> BackingChain.open(top, limits).close());
        assertEquals(rule, e.rule(), e.getMessage());
        assertTrue(e.getMessage().startsWith(rule.id() + ": "), e.getMessage());
    }

    @Test
    void relativeNamesResolveAgainstTheNamingImagesFolder() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        TinyImage base = new TinyImage(9, 1024);
        base.data(1, pattern(512, 4));
        base.write(sub, "base.qcow2");
        image(sub, "mid.qcow2", "base.qcow2", "qcow2");
        Path top = image(dir, "top.qcow2", "sub/mid.qcow2", "qcow2");
        try (Qcow2Disk d = BackingChain.open(top, Limits.DEFAULT)) {
            assertArrayEquals(pattern(512, 4), Qcow2DiskTest.read(d, 512, 512));
            assertNull(((Qcow2Disk) ((Qcow2Disk) d.backing()).backing()).backing());
        }
    }

    @Test
    void loopsAreRefused() throws IOException {
        image(dir, "a.qcow2", "b.qcow2", "qcow2");
        Path b = image(dir, "b.qcow2", "a.qcow2", "qcow2");
        fails(Rule.BACKING_LOOP, b, Limits.DEFAULT);
        Path self = image(dir, "self.qcow2", "./self.qcow2", null);
        fails(Rule.BACKING_LOOP, self, Limits.DEFAULT);
    }

    @Test
    void chainsDeeperThanTheLimitAreRefused() throws IOException {
        image(dir, "l0.qcow2", null, null);
        for (int i = 1; i <= 3; i++) {
            image(dir, "l" + i + ".qcow2", "l" + (i - 1) + ".qcow2", "qcow2");
        }
        Path top = dir.resolve("l3.qcow2");
        Limits two = new Limits(32L << 20, 8L << 20, 24, 2, 1L << 30, false);
        fails(Rule.LIMIT_BACKING_DEPTH, top, two);
        Limits three = new Limits(32L << 20, 8L << 20, 24, 3, 1L << 30, false);
        BackingChain.open(top, three).close();
    }

    @Test
    void missingFilesUnknownFormatsAndFoldersAreRefused() throws IOException {
        fails(Rule.BACKING_MISSING, image(dir, "m.qcow2", "nowhere.qcow2", "qcow2"), Limits.DEFAULT);
        Files.createDirectories(dir.resolve("folder"));
        fails(Rule.BACKING_MISSING, image(dir, "d.qcow2", "folder", "raw"), Limits.DEFAULT);
        Files.write(dir.resolve("x.vmdk"), new byte[512]);
        fails(Rule.BACKING_FORMAT_KNOWN, image(dir, "f.qcow2", "x.vmdk", "vmdk"), Limits.DEFAULT);
    }

    @Test
    void namesLeavingTheImageFolderAreRefusedUnlessAllowed() throws IOException {
        Path inner = Files.createDirectories(dir.resolve("inner"));
        Path outsideBase = image(dir, "outside.qcow2", null, null);
        Path dotdot = image(inner, "dotdot.qcow2", "../outside.qcow2", "qcow2");
        fails(Rule.PATH_OUTSIDE_IMAGE_FOLDER, dotdot, Limits.DEFAULT);
        Path absolute = image(inner, "abs.qcow2", outsideBase.toAbsolutePath().toString(), "qcow2");
        fails(Rule.PATH_OUTSIDE_IMAGE_FOLDER, absolute, Limits.DEFAULT);
        Files.createSymbolicLink(inner.resolve("link.qcow2"), outsideBase.toAbsolutePath());
        Path viaLink = image(inner, "link-user.qcow2", "link.qcow2", "qcow2");
        fails(Rule.PATH_OUTSIDE_IMAGE_FOLDER, viaLink, Limits.DEFAULT);
        Limits allow = Limits.DEFAULT.withAllowOutsidePaths(true);
        for (Path p : new Path[] {dotdot, absolute, viaLink}) {
            BackingChain.open(p, allow).close();
        }
        // A name with .. that stays inside the folder is fine.
        Path fine = image(inner, "fine.qcow2", "../inner/link-user.qcow2", null);
        fails(Rule.PATH_OUTSIDE_IMAGE_FOLDER, fine, Limits.DEFAULT); // link-user's own backing leaves
        Path ok = image(inner, "ok.qcow2", "./sub/../fine-base.qcow2", "qcow2");
        Files.createDirectories(inner.resolve("sub"));
        image(inner, "fine-base.qcow2", null, null);
        BackingChain.open(ok, Limits.DEFAULT).close();
    }

    @Test
    void deviceFilesAreNeverOpenedEvenWhenOutsidePathsAreAllowed() throws IOException {
        Path dev = Path.of("/dev/zero");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(dev), "no /dev/zero on this system");
        Path top = image(dir, "dev.qcow2", dev.toString(), "raw");
        fails(Rule.BACKING_MISSING, top, Limits.DEFAULT.withAllowOutsidePaths(true));
        Files.createSymbolicLink(dir.resolve("zero-link"), dev);
        fails(Rule.PATH_OUTSIDE_IMAGE_FOLDER, image(dir, "devlink.qcow2", "zero-link", "raw"), Limits.DEFAULT);
    }

    @Test
    void openBackingLeavesTheImageToTheCaller() throws IOException {
        Files.write(dir.resolve("r.raw"), pattern(700, 1));
        Path top = image(dir, "t.qcow2", "r.raw", "raw");
        try (Qcow2Image img = Qcow2Image.open(top, Limits.DEFAULT); GuestDisk b = BackingChain.openBacking(img)) {
            assertEquals(700, b.size());
            assertArrayEquals(pattern(700, 1), Qcow2DiskTest.read(b, 0, 700));
        }
    }
}
