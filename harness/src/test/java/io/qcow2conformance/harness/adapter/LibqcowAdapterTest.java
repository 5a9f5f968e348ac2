package io.qcow2conformance.harness.adapter;

import io.qcow2conformance.harness.testkit.Qemu;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The libqcow adapter against the real qcowinfo and pyqcow on qemu-img images. */
class LibqcowAdapterTest {
    @TempDir
    Path dir;
    private final LibqcowAdapter libqcow = new LibqcowAdapter(Duration.ofSeconds(60));

    @BeforeEach
    void needsPrograms() {
        Qemu.require("qemu-img");
        Qemu.require("qemu-io");
        TestImages.require(LibqcowAdapter.QCOWINFO, "libqcow-utils");
    }

    private void needsBinding() {
        Assumptions.assumeTrue(libqcow.bindingMissing().isEmpty(), () -> libqcow.bindingMissing().get() + "; skipped");
    }

    @Test
    void reportsItsVersion() {
        assertEquals(Optional.empty(), libqcow.unavailableReason());
        assertTrue(libqcow.version().orElseThrow().matches("\\d{8}"), libqcow.version().get());
    }

    @Test
    void opensAndReadsVersion2And3Images() {
        needsBinding();
        TestImages.assertReadsPatternedImages(libqcow, dir);
    }

    @Test
    void refusesAnUnknownIncompatibleBitAndABadMagic() {
        Path good = TestImages.patterned(dir, "a.qcow2", true, 0x5a);
        Implementation.Result open = libqcow.open(TestImages.withIncompatibleBit(good, dir.resolve("bit5.qcow2"), 5));
        assertEquals(Status.REJECTED, open.status());
        assertTrue(open.detail().contains("incompatible"), open.detail());
        Path badMagic = TestImages.withBadMagic(good, dir.resolve("magic.qcow2"));
        assertEquals(Status.REJECTED, libqcow.open(badMagic).status());
        needsBinding();
        Implementation.Result read = libqcow.readGuest(badMagic, Optional.empty(), dir.resolve("m.raw"));
        assertEquals(Status.REJECTED, read.status());
        assertEquals(1, read.exitCode());
    }

    @Test
    void declaresNoCheckAndNoSnapshots() {
        Path image = TestImages.patterned(dir, "a.qcow2", true, 0x5a);
        assertEquals(Status.UNSUPPORTED, libqcow.check(image).status());
        assertEquals(Status.UNSUPPORTED, libqcow.readGuest(image, Optional.of("s"), dir.resolve("s.raw")).status());
        assertTrue(!libqcow.capabilities().contains(Capability.CHECK));
    }
}
