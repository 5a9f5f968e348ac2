package io.qcow2conformance.harness.adapter;

import io.qcow2conformance.harness.testkit.Qemu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command adapter and its protocol, driven by real processes: a qcow2 reader written in
 * Python (src/test/resources/protocol/mini_qcow2.py), qemu-img check behind a shell script,
 * and shell scripts that crash by SIGSEGV or never answer.
 */
class CommandAdapterTest {
    static final String PYTHON = "/usr/bin/python3";
    @TempDir
    Path dir;

    static CommandAdapter python() {
        TestImages.require(PYTHON, "python3");
        return CommandAdapter.parse("command:mini=" + PYTHON + " " + TestImages.protocolFixture("mini_qcow2.py"),
                Duration.ofSeconds(60));
    }

    static CommandAdapter shell(String name, String script, Duration timeout) {
        TestImages.require("/bin/sh", "dash");
        return CommandAdapter.parse("command:" + name + "=/bin/sh " + TestImages.protocolFixture(script), timeout);
    }

    @Test
    void aPythonReaderSpeaksTheProtocol() {
        Qemu.require("qemu-io");
        CommandAdapter mini = python();
        assertEquals("command:mini", mini.name());
        assertEquals(Optional.empty(), mini.unavailableReason());
        assertEquals(Optional.of("mini_qcow2.py 1"), mini.version());
        assertEquals(EnumSet.of(Capability.OPEN, Capability.READ_GUEST), mini.capabilities());
        TestImages.assertReadsPatternedImages(mini, dir);
    }

    @Test
    void exitOneIsACleanRefusalWithItsReason() {
        Qemu.require("qemu-io");
        CommandAdapter mini = python();
        Path good = TestImages.patterned(dir, "a.qcow2", true, 0x5a);
        Implementation.Result bit = mini.open(TestImages.withIncompatibleBit(good, dir.resolve("bit5.qcow2"), 5));
        assertEquals(Status.REJECTED, bit.status());
        assertEquals("unknown incompatible feature bits 0x20 at offset 72", bit.detail());
        Implementation.Result magic = mini.readGuest(TestImages.withBadMagic(good, dir.resolve("m.qcow2")),
                Optional.empty(), dir.resolve("m.raw"));
        assertEquals(Status.REJECTED, magic.status());
        assertEquals(1, magic.exitCode());
    }

    @Test
    void exit69IsUnsupported() {
        Qemu.require("qemu-io");
        Path image = TestImages.patterned(dir, "a.qcow2", true, 0x5a);
        Implementation.Result r = python().check(image);
        assertEquals(Status.UNSUPPORTED, r.status());
        assertTrue(r.detail().contains("check is not supported"), r.detail());
    }

    @Test
    void aSignalIsACrashNeverARefusal() {
        CommandAdapter segv = shell("segv", "segv.sh", Duration.ofSeconds(60));
        Implementation.Result r = segv.open(dir.resolve("any.qcow2"));
        assertEquals(Status.CRASH, r.status());
        assertEquals(128 + 11, r.exitCode());
        assertTrue(r.detail().contains("SIGSEGV"), r.detail());
        assertEquals(Status.CRASH, segv.check(dir.resolve("any.qcow2")).status());
    }

    @Test
    void noAnswerWithinTheTimeoutIsATimeout() {
        CommandAdapter sleeper = shell("sleep", "sleep.sh", Duration.ofSeconds(1));
        Implementation.Result r = sleeper.open(dir.resolve("any.qcow2"));
        assertEquals(Status.TIMEOUT, r.status());
    }

    @Test
    void checkAnswersCarryTheExitCodeInJson() {
        Qemu.require("qemu-io");
        CommandAdapter check = shell("qcheck", "qemu_check.sh", Duration.ofSeconds(60));
        assertEquals(EnumSet.of(Capability.CHECK), check.capabilities());
        Path good = TestImages.patterned(dir, "a.qcow2", true, 0x5a);
        Implementation.Result clean = check.check(good);
        assertEquals(Status.OK, clean.status());
        assertEquals(0, clean.exitCode());
        Implementation.Result corrupt = check.check(TestImages.withL1ReservedBit(good, dir.resolve("l1.qcow2")));
        assertEquals(Status.OK, corrupt.status());
        assertEquals(2, corrupt.exitCode());
    }

    @Test
    void aProgramThatCannotStateItsCapabilitiesIsUnavailable() {
        CommandAdapter missing = CommandAdapter.parse("command:gone=/nonexistent/reader", Duration.ofSeconds(5));
        assertTrue(missing.unavailableReason().orElseThrow().contains("not found"));
        // /bin/sh running a script that prints no JSON list for 'capabilities'
        CommandAdapter garbled = new CommandAdapter("garbled", List.of("/bin/echo"), Duration.ofSeconds(5));
        assertTrue(garbled.unavailableReason().orElseThrow().contains("capabilities"), garbled.unavailableReason().get());
    }

    @Test
    void theCommandSpecificationIsParsedStrictly() {
        CommandAdapter c = CommandAdapter.parse("command:x.y-1=/usr/bin/prog --flag  arg", Duration.ofSeconds(1));
        assertEquals("command:x.y-1", c.name());
        assertEquals("/usr/bin/prog", c.mainProgram());
        for (String bad : List.of("command:=prog", "command:name", "command:na me=prog", "command:n= ", "qemu=prog")) {
            assertThrows(IllegalArgumentException.class, () -> CommandAdapter.parse(bad, Duration.ofSeconds(1)), bad);
        }
    }
}
