package io.qcow2conformance.harness.write;

import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.harness.testkit.Qemu;
import io.qcow2conformance.model.header.HeaderField;
import io.qcow2conformance.model.write.ImageDescription;
import io.qcow2conformance.model.write.Layout;
import io.qcow2conformance.model.write.Mutation;
import io.qcow2conformance.model.write.Mutations;
import io.qcow2conformance.model.write.Qcow2Writer;
import io.qcow2conformance.model.write.Structure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutations hit the structure their layout names: real QEMU reports the fault at the host
 * cluster or offset that the {@link Layout} gives for that structure.
 */
class MutationDifferentialTest {
    @TempDir
    Path dir;

    private static final long CS = 4096;
    private static final ImageDescription IMAGE = ImageDescription.builder().clusterBits(12).virtualSize(8 * CS)
            .write(0, CS).write(CS + 1000, 500).writeCompressed(2 * CS, 2 * CS).zero(6 * CS, CS, false)
            .zero(7 * CS, CS, true).build();

    private ProcessRunner.Result mutateAndCheck(Mutation m, Layout[] layout) throws IOException {
        Path p = dir.resolve("m.qcow2");
        layout[0] = Qcow2Writer.write(IMAGE, p);
        Mutations.apply(p, layout[0], m);
        return Qemu.run("qemu-img", "check", p.toString());
    }

    @Test
    void refcountOfAnL2TableSetToZero() throws IOException {
        Layout[] l = new Layout[1];
        ProcessRunner.Result r = mutateAndCheck(new Mutation.Refcount(new Structure.L2Table(0), 0), l);
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("ERROR cluster " + l[0].hostClusterOf(Layout.l2Table(0)) + " refcount=0 reference=1"),
                r.err());
    }

    @Test
    void refcountOfTheL1TableRaisedLeaks() throws IOException {
        Layout[] l = new Layout[1];
        ProcessRunner.Result r = mutateAndCheck(new Mutation.Refcount(new Structure.L1Table(), 3), l);
        assertEquals(3, r.exitCode(), r.err());
        assertTrue(r.err().contains("Leaked cluster " + l[0].hostClusterOf(Layout.L1_TABLE) + " refcount=3 reference=1"),
                r.err());
    }

    @Test
    void copiedFlagClearedOnANormalCluster() throws IOException {
        Layout[] l = new Layout[1];
        ProcessRunner.Result r = mutateAndCheck(new Mutation.TableEntry(false, 0, Mutation.Op.CLEAR_BIT, 63), l);
        assertEquals(2, r.exitCode(), r.err());
        String entry = Long.toHexString(l[0].region(Layout.data(0)).offset());
        assertTrue(r.err().contains("ERROR OFLAG_COPIED data cluster: l2_entry=" + entry + " refcount=1"), r.err());
    }

    @Test
    void reservedBitInAnL2Entry() throws IOException {
        Layout[] l = new Layout[1];
        ProcessRunner.Result r = mutateAndCheck(new Mutation.TableEntry(false, 1, Mutation.Op.SET_BIT, 1), l);
        assertEquals(2, r.exitCode(), r.err());
        String entry = Long.toHexString((1L << 63) | l[0].region(Layout.data(1)).offset() | 2);
        assertTrue(r.err().contains("reserved bits set: " + entry), r.err());
    }

    @Test
    void fileTruncatedAtTheL2Table() throws IOException {
        Layout[] l = new Layout[1];
        ProcessRunner.Result r = mutateAndCheck(new Mutation.Truncate(Layout.l2Table(0), 0), l);
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("offset 0x" + Long.toHexString(l[0].region(Layout.l2Table(0)).offset())), r.err());
    }

    @Test
    void unknownIncompatibleBitIsRefused() throws IOException {
        Layout[] l = new Layout[1];
        ProcessRunner.Result r = mutateAndCheck(
                new Mutation.HeaderValue(HeaderField.INCOMPATIBLE_FEATURES, Mutation.Op.SET, 1L << 20), l);
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("Unknown incompatible feature: 100000"), r.err());
    }
}
