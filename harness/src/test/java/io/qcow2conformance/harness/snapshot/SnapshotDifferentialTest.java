package io.qcow2conformance.harness.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.harness.testkit.Cli;
import io.qcow2conformance.harness.testkit.Qemu;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Internal snapshots against the real QEMU: images with one to three snapshots made by
 * {@code qemu-img snapshot -c} between {@code qemu-io} writes and {@code qemu-img resize}s
 * must check clean like {@code qemu-img check} (same counters), list the same snapshots as
 * {@code qemu-img info}, and give each snapshot's guest content byte for byte as QEMU does.
 * Copies with one snapshot field poked (offsets from the header's snapshots_offset and the
 * spec's entry layout) give the exit code class of {@code qemu-img check} and our finding
 * names the rule.
 *
 * <p>QEMU's view of a snapshot's guest content is {@code qemu-img snapshot -a} on a copy,
 * then {@code convert}: applying a snapshot gives it its own virtual size. {@code qemu-img
 * convert -l snapshot.name=...} reads the same clusters but keeps the active image's size
 * (see {@code SnapshotDisk}), so it is compared up to the shorter of the two sizes, and
 * must read zeros past the snapshot's end.
 */
class SnapshotDifferentialTest {
    /** Snapshot info keys compared with qemu-img info (block/qapi.c, SnapshotInfo). */
    static final List<String> SNAPSHOT_KEYS = List.of("id", "name", "vm-state-size", "date-sec", "date-nsec",
            "vm-clock-sec", "vm-clock-nsec", "icount");

    @TempDir
    Path dir;

    @BeforeEach
    void requireQemu() {
        Qemu.require("qemu-img");
        Qemu.require("qemu-io");
    }

    private static void io(Path image, String... commands) {
        List<String> args = new ArrayList<>();
        for (String c : commands) {
            args.add("-c");
            args.add(c);
        }
        args.add(image.toString());
        Qemu.io(args.toArray(String[]::new));
    }

    /**
     * Snapshots s1 (1 MiB), s2 (2 MiB) and, when {@code snapshots} is 3, s3 (2 MiB); the
     * active image ends at 1.5 MiB. Writes between them overlap, so that clusters are shared.
     * QEMU cannot resize a version 2 image with snapshots: those stay at 2 MiB throughout.
     */
    private Path image(String options, int snapshots) {
        Path p = dir.resolve("s.qcow2");
        boolean resize = !options.contains("compat=0.10");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", options, p.toString(), resize ? "1M" : "2M");
        io(p, "write -P 0x11 0 64k", "write -P 0x12 900k 8k");
        Qemu.img("snapshot", "-c", "s1", p.toString());
        if (snapshots >= 2) {
            if (resize) {
                Qemu.img("resize", "-q", p.toString(), "2M");
            }
            io(p, "write -P 0x21 32k 64k", "write -P 0x22 1500k 4k", "write -z 900k 4k");
            Qemu.img("snapshot", "-c", "s2", p.toString());
        }
        if (snapshots >= 3) {
            io(p, "write -P 0x31 0 4k", "discard 1500k 4k");
            Qemu.img("snapshot", "-c", "s3", p.toString());
            if (resize) {
                Qemu.img("resize", "-q", "--shrink", p.toString(), "1536k");
            }
        }
        io(p, "write -P 0x41 100k 4k");
        return p;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cluster_size=512,refcount_bits=4", "cluster_size=4096,refcount_bits=8",
        "cluster_size=65536", "compat=0.10,cluster_size=1024", "cluster_size=2048,refcount_bits=64",
        "extended_l2=on,cluster_size=65536"})
    void threeSnapshotsAgreeWithQemu(String options) throws IOException {
        Path p = image(options, 3);
        assertCleanLikeQemu(p);
        assertInfoLikeQemu(p, 3);
        for (String name : List.of("s1", "s2", "s3")) {
            assertContentLikeQemu(p, name);
        }
    }

    @Test
    void oneSnapshotAgreesWithQemu() throws IOException {
        Path p = image("cluster_size=4096", 1);
        assertCleanLikeQemu(p);
        assertInfoLikeQemu(p, 1);
        assertContentLikeQemu(p, "s1");
    }

    @Test
    void snapshotsAreFoundByIdFirstThenByName() throws IOException {
        Path p = image("cluster_size=4096", 2);
        // a snapshot named "1": "1" still means the snapshot with ID 1, as for qemu-img snapshot -a
        Qemu.img("snapshot", "-c", "1", p.toString());
        Path byId = convert(p, "1");
        Path qemu = Qemu.convertToRaw(p, dir.resolve("qemu-id.raw"), "-l", "snapshot.id=1");
        assertSamePrefixThenZeros(byId, qemu, "ID 1 vs convert -l snapshot.id=1");
        assertEquals(-1, Files.mismatch(byId, convert(p, "s1")), "ID 1 is s1");
        assertEquals(-1, Files.mismatch(convert(p, "s2"), convert(p, "2")));
    }

    @Test
    void anUnknownSnapshotIsAOneLineErrorAndWritesNothing() {
        Path p = image("cluster_size=4096", 1);
        Path out = dir.resolve("none.raw");
        Cli.Result r = Cli.run("convert", "--snapshot=nope", p.toString(), out.toString());
        assertEquals(1, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("'nope'"), r.err());
        assertFalse(Files.exists(out));
        // qemu-img agrees that there is no such snapshot
        assertEquals(1, Qemu.run("qemu-img", "convert", "-l", "snapshot.name=nope", "-O", "raw", p.toString(),
                dir.resolve("q.raw").toString()).exitCode());
    }

    @Test
    void unalignedSnapshotL1OffsetIsACorruptionForBoth() {
        Path p = image("cluster_size=65536", 2);
        long entry = snapshotsOffset(p);
        putLong(p, entry, readLong(p, entry) + 0x200); // spec: entry bytes 0-7, L1 table offset
        assertSameCheckClass(p, 2, Rule.SNAPSHOT_L1_OFFSET_ALIGNED);
        Cli.Result r = Cli.run("convert", "--snapshot=s1", p.toString(), dir.resolve("x.raw").toString());
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains(Rule.SNAPSHOT_L1_OFFSET_ALIGNED.id()), r.err());
        assertEquals(1, Qemu.run("qemu-img", "convert", "-l", "snapshot.name=s1", "-O", "raw", p.toString(),
                dir.resolve("q.raw").toString()).exitCode(), "qemu-img refuses to read it too");
    }

    /**
     * qemu-behaviour.md §4, iotest 080: a snapshot l1_size of 0x10000000 (2 GiB of L1 table).
     * Both refuse to read the snapshot and neither walks its tables, so its clusters leak.
     * Divergence: QEMU's check counts the entry as a corruption (exit 2); here it is an
     * implementation limit (QEMU's 32 MiB L1 limit, not a spec rule), so only the leaks count (exit 3).
     */
    @Test
    void snapshotL1BeyondQemusLimitIsRefusedByBoth() {
        Path p = image("cluster_size=65536", 1);
        putInt(p, snapshotsOffset(p) + 8, 0x10000000); // spec: entry bytes 8-11, L1 table size
        ProcessRunner.Result q = Qemu.run("qemu-img", "check", p.toString());
        assertEquals(2, q.exitCode(), q.err());
        assertTrue(q.err().contains("L1 table is too large"), q.err());
        Cli.Result o = Cli.run("check", "--output=json", p.toString());
        assertEquals(3, o.exitCode(), o.out());
        Set<String> rules = new TreeSet<>();
        parse(o.out()).path("findings").forEach(f -> rules.add(f.get("rule").asText()));
        assertEquals(Set.of(Rule.SNAPSHOT_L1_SIZE_MAX.id(), Rule.REFCOUNT_TOO_HIGH.id()), rules);
        assertEquals(1, Qemu.run("qemu-img", "convert", "-l", "snapshot.name=s1", "-O", "raw", p.toString(),
                dir.resolve("q.raw").toString()).exitCode());
        Cli.Result r = Cli.run("convert", "--snapshot=s1", p.toString(), dir.resolve("x.raw").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains(Rule.SNAPSHOT_L1_SIZE_MAX.id()), r.err());
    }

    @Test
    void version3EntryWithoutExtraDataIsACorruptionForBoth() {
        // qemu-behaviour.md §4, iotest 261: extra_data_size 0 in a version 3 image; one
        // snapshot, so that no later entry moves
        Path p = image("cluster_size=65536", 1);
        long entry = snapshotsOffset(p);
        putInt(p, entry + 36, 0); // spec: entry bytes 36-39, extra data size
        ProcessRunner.Result q = Qemu.run("qemu-img", "check", p.toString());
        assertTrue(q.err().contains("is incomplete"), q.err());
        assertSameCheckClass(p, 2, Rule.SNAPSHOT_EXTRA_DATA_V3);
    }

    private void assertSameCheckClass(Path p, int expectedExit, Rule rule) {
        ProcessRunner.Result q = Qemu.run("qemu-img", "check", "--output=json", p.toString());
        Cli.Result o = Cli.run("check", "--output=json", p.toString());
        assertEquals(expectedExit, q.exitCode(), "qemu-img check: " + q.err());
        assertEquals(q.exitCode(), o.exitCode(), o.out() + o.err());
        Set<String> rules = new TreeSet<>();
        parse(o.out()).path("findings").forEach(f -> rules.add(f.get("rule").asText()));
        assertTrue(rules.contains(rule.id()), rules::toString);
    }

    private void assertCleanLikeQemu(Path p) {
        ProcessRunner.Result q = Qemu.run("qemu-img", "check", "--output=json", p.toString());
        Cli.Result o = Cli.run("check", "--output=json", p.toString());
        assertEquals(0, q.exitCode(), q.err());
        assertEquals(0, o.exitCode(), o.out() + o.err());
        JsonNode qj = parse(q.out());
        JsonNode oj = parse(o.out());
        assertEquals(0, oj.get("findings").size(), oj.toString());
        // every counter we print is QEMU's (qemu-img leaves out those that are 0)
        oj.fields().forEachRemaining(e -> {
            if (e.getValue().isNumber()) {
                assertEquals(qj.path(e.getKey()).asLong(0), e.getValue().asLong(), e.getKey() + " (qemu-img: " + qj + ")");
            }
        });
    }

    private void assertInfoLikeQemu(Path p, int count) {
        JsonNode q = parse(Qemu.img("info", "--output=json", "-f", "qcow2", p.toString()).out()).get("snapshots");
        Cli.Result r = Cli.run("info", "--output=json", p.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = parse(r.out()).get("snapshots");
        assertEquals(count, q.size());
        assertEquals(q.size(), o.size(), o::toString);
        // the human form ends with qemu-img's snapshot list (dates in UTC)
        ProcessRunner.Result list = ProcessRunner.run(List.of("env", "TZ=UTC", "qemu-img", "snapshot", "-l",
                p.toString()), Qemu.TIMEOUT);
        assertEquals(0, list.exitCode(), list.err());
        String human = Cli.run("info", p.toString()).out();
        assertTrue(human.endsWith(list.out()), human + "\n---\n" + list.out());
        for (int i = 0; i < q.size(); i++) {
            for (String k : SNAPSHOT_KEYS) {
                assertEquals(q.get(i).has(k), o.get(i).has(k), k);
                if (q.get(i).has(k)) {
                    assertEquals(q.get(i).get(k).asText(), o.get(i).get(k).asText(), "snapshot " + i + " " + k);
                }
            }
        }
    }

    private void assertContentLikeQemu(Path p, String name) throws IOException {
        Path ours = convert(p, name);
        // QEMU's full view: apply the snapshot to a copy, which also restores its size
        Path copy = dir.resolve("applied-" + name + ".qcow2");
        Files.copy(p, copy);
        Qemu.img("snapshot", "-a", name, copy.toString());
        Path applied = Qemu.convertToRaw(copy, dir.resolve("applied-" + name + ".raw"));
        assertEquals(-1, Files.mismatch(ours, applied), "snapshot " + name + " differs from qemu-img snapshot -a");
        // qemu-img convert -l: the same clusters, with the active image's size
        Path byName = Qemu.convertToRaw(p, dir.resolve("l-" + name + ".raw"), "-l", "snapshot.name=" + name);
        assertSamePrefixThenZeros(ours, byName, "snapshot " + name + " vs convert -l snapshot.name");
    }

    /** Equal up to the shorter length; QEMU's output past our end (the active size is larger) reads zeros. */
    private static void assertSamePrefixThenZeros(Path ours, Path qemu, String what) throws IOException {
        byte[] o = Files.readAllBytes(ours);
        byte[] q = Files.readAllBytes(qemu);
        int common = Math.min(o.length, q.length);
        assertEquals(-1, Arrays.mismatch(o, 0, common, q, 0, common), what);
        for (int i = common; i < q.length; i++) {
            assertEquals(0, q[i], what + ": past the snapshot's size QEMU reads zeros");
        }
    }

    private Path convert(Path p, String snapshot) {
        Path out = dir.resolve("ours-" + snapshot + ".raw");
        Cli.Result r = Cli.run("convert", "--snapshot=" + snapshot, p.toString(), out.toString());
        assertEquals(0, r.exitCode(), r.err());
        return out;
    }

    private static JsonNode parse(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** snapshots_offset (spec: Header, bytes 64-71): the first entry of the table. */
    private static long snapshotsOffset(Path p) {
        return readLong(p, 64);
    }

    private static long readLong(Path p, long offset) {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
            f.seek(offset);
            return f.readLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void putLong(Path p, long offset, long value) {
        put(p, offset, ByteBuffer.allocate(8).putLong(value).array());
    }

    private static void putInt(Path p, long offset, int value) {
        put(p, offset, ByteBuffer.allocate(4).putInt(value).array());
    }

    private static void put(Path p, long offset, byte[] bytes) {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
