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

/** The qemu adapter against the real qemu-img on images made by qemu-img/qemu-io. */
class QemuAdapterTest {
    @TempDir
    Path dir;
    private final QemuAdapter qemu = new QemuAdapter(Duration.ofSeconds(60));

    @BeforeEach
    void needsQemu() {
        Qemu.require("qemu-img");
        Qemu.require("qemu-io");
    }

    @Test
    void reportsItsVersionAndCapabilities() {
        assertEquals(Optional.empty(), qemu.unavailableReason());
        String version = qemu.version().orElseThrow();
        assertTrue(Qemu.run("qemu-img", "--version").out().contains(version), version);
        assertTrue(qemu.capabilities().contains(Capability.CHECK));
    }

    @Test
    void opensReadsAndChecksAValidImage() {
        Path image = TestImages.patterned(dir, "a.qcow2", true, 0x5a);
        assertEquals(Status.OK, qemu.open(image).status());
        Path raw = dir.resolve("a.raw");
        assertEquals(Status.OK, qemu.readGuest(image, Optional.empty(), raw).status());
        assertEquals(TestImages.patternSha256(0x5a), TestImages.sha256(raw));
        Implementation.Result check = qemu.check(image);
        assertEquals(Status.OK, check.status());
        assertEquals(0, check.exitCode());
    }

    @Test
    void readsAnInternalSnapshot() {
        Path image = TestImages.patterned(dir, "s.qcow2", true, 0x5a);
        Qemu.img("snapshot", "-c", "before", image.toString());
        Qemu.io("-c", "write -P 0xa5 0 64k", image.toString());
        Path raw = dir.resolve("s.raw");
        assertEquals(Status.OK, qemu.readGuest(image, Optional.of("before"), raw).status());
        assertEquals(TestImages.patternSha256(0x5a), TestImages.sha256(raw));
        assertEquals(Status.OK, qemu.readGuest(image, Optional.empty(), raw).status());
        assertEquals(TestImages.patternSha256(0xa5), TestImages.sha256(raw));
        assertEquals(Status.REJECTED, qemu.readGuest(image, Optional.of("no-such"), raw).status());
    }

    @Test
    void refusesAnUnknownIncompatibleBitEverywhere() {
        Path image = TestImages.withIncompatibleBit(TestImages.patterned(dir, "a.qcow2", true, 0x5a),
                dir.resolve("bit5.qcow2"), 5);
        Implementation.Result open = qemu.open(image);
        assertEquals(Status.REJECTED, open.status());
        assertEquals(1, open.exitCode());
        assertTrue(open.detail().contains("incompatible"), open.detail());
        assertEquals(Status.REJECTED, qemu.readGuest(image, Optional.empty(), dir.resolve("x.raw")).status());
        assertEquals(Status.REJECTED, qemu.check(image).status());
    }

    @Test
    void openFollowsTheBackingChain() {
        Path image = dir.resolve("top.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-u", "-b", "missing.qcow2", "-F", "qcow2", image.toString(), "1M");
        Implementation.Result open = qemu.open(image);
        assertEquals(Status.REJECTED, open.status(), open.detail());
        assertTrue(open.detail().contains("backing"), open.detail());
        Path base = TestImages.patterned(dir, "missing.qcow2", true, 0x5a);
        assertEquals(Status.OK, qemu.open(image).status(), base.toString());
    }

    @Test
    void aBackingChainThatNeverEndsIsATimeoutNotAnAcceptance() {
        Path image = dir.resolve("loop.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-u", "-b", "loop.qcow2", "-F", "qcow2", image.toString(), "1M");
        Implementation.Result open = new QemuAdapter(Duration.ofSeconds(2)).open(image);
        assertEquals(Status.TIMEOUT, open.status(), open.detail());
    }

    @Test
    void checkReportsACorruptionWithExitTwo() {
        Path image = TestImages.withL1ReservedBit(TestImages.patterned(dir, "a.qcow2", true, 0x5a),
                dir.resolve("l1.qcow2"));
        Implementation.Result check = qemu.check(image);
        assertEquals(Status.OK, check.status());
        assertEquals(2, check.exitCode());
        assertTrue(check.detail().startsWith("corruptions 1"), check.detail());
    }

    @Test
    void readsThePersistentBitmapQemuIoDirtied() {
        Qemu.require("qemu-nbd");
        TestImages.require(QemuAdapter.NBDINFO, "libnbd-bin");
        Path image = dir.resolve("bm.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", image.toString(), "1M");
        Qemu.img("bitmap", "--add", "--granularity", "4096", image.toString(), "b0");
        // two writes that touch the same 4 KiB granules run together; a third lies apart
        Qemu.io("-c", "write 64k 8k", "-c", "write 72k 4k", "-c", "write 512k 512", image.toString());
        Implementation.Result r = qemu.bitmap(image, "b0");
        assertEquals(Status.OK, r.status(), r.detail());
        assertEquals(2, r.ranges().size());
        assertEquals(java.util.List.of(64L << 10, 12L << 10), java.util.Arrays.stream(r.ranges().get(0)).boxed().toList());
        assertEquals(java.util.List.of(512L << 10, 4096L), java.util.Arrays.stream(r.ranges().get(1)).boxed().toList());
        assertEquals(Status.REJECTED, qemu.bitmap(image, "no-such").status());
    }

    @Test
    void aMissingProgramMakesTheAdapterUnavailable() {
        ProgramAdapter absent = new ProgramAdapter(Duration.ofSeconds(1)) {
            @Override
            protected String mainProgram() {
                return "/nonexistent/qemu-img";
            }

            @Override
            protected Optional<String> probeVersion() {
                return Optional.of("never asked");
            }

            @Override
            public String name() {
                return "absent";
            }

            @Override
            public java.util.Set<Capability> capabilities() {
                return java.util.Set.of(Capability.OPEN);
            }

            @Override
            public Result open(Path image) {
                return call(java.util.List.of(mainProgram(), image.toString()), java.util.Set.of(1), null);
            }

            @Override
            public Result readGuest(Path image, Optional<String> snapshot, Path rawOut) {
                return open(image);
            }

            @Override
            public Result check(Path image) {
                return open(image);
            }
        };
        assertTrue(absent.unavailableReason().orElseThrow().contains("not found"));
        assertEquals(Optional.empty(), absent.version());
        assertEquals(Status.ADAPTER_ERROR, absent.open(dir.resolve("x")).status());
    }
}
