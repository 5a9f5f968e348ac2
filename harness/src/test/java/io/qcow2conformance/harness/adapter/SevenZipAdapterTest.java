package io.qcow2conformance.harness.adapter;

import io.qcow2conformance.harness.testkit.Qemu;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The 7-Zip adapter against the real 7zz on qemu-img images. */
class SevenZipAdapterTest {
    @TempDir
    Path dir;
    private final SevenZipAdapter sevenZip = new SevenZipAdapter(Duration.ofSeconds(60));

    @BeforeEach
    void needsPrograms() {
        Qemu.require("qemu-img");
        Qemu.require("qemu-io");
        TestImages.require(SevenZipAdapter.SEVEN_ZIP, "7zip");
    }

    @Test
    void opensAndReadsVersion2And3Images() {
        assertTrue(sevenZip.version().orElseThrow().matches("\\d+\\.\\d+.*"), sevenZip.version().get());
        TestImages.assertReadsPatternedImages(sevenZip, dir);
    }

    @Test
    void aBadMagicIsAFatalErrorThatCountsAsARefusal() {
        Path badMagic = TestImages.withBadMagic(TestImages.patterned(dir, "a.qcow2", true, 0x5a), dir.resolve("m.qcow2"));
        Implementation.Result open = sevenZip.open(badMagic);
        assertEquals(Status.REJECTED, open.status());
        assertEquals(2, open.exitCode());
        assertTrue(open.detail().contains("Cannot open the file as [QCOW] archive"), open.detail());
        assertEquals(Status.REJECTED, sevenZip.readGuest(badMagic, Optional.empty(), dir.resolve("m.raw")).status());
    }

    @Test
    void declaresNoCheck() {
        assertEquals(Status.UNSUPPORTED, sevenZip.check(dir.resolve("any.qcow2")).status());
        assertTrue(!sevenZip.capabilities().contains(Capability.CHECK));
    }
}
