package io.qcow2conformance.model.robust;

import io.qcow2conformance.model.bitmap.BitmapDirectoryEntry;
import io.qcow2conformance.model.bitmap.PersistentBitmaps;
import io.qcow2conformance.model.bitmap.StoredBitmap;
import io.qcow2conformance.model.extensions.ExtensionsDecoder;
import io.qcow2conformance.model.extensions.HeaderExtension;
import io.qcow2conformance.model.extensions.HeaderExtensions;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.mapping.L1Entry;
import io.qcow2conformance.model.mapping.MappingDecoder;
import io.qcow2conformance.model.refcount.RefcountDecoder;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.snapshot.Snapshot;
import io.qcow2conformance.model.snapshot.SnapshotDecoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The fuzz seeds: every image of the golden corpus ({@code golden-images/**}{@code /*.qcow2}, and
 * {@code *.qcow2.gz} decoded, up to 1 MiB)
 * plus, when qemu-img and qemu-io are installed, one image with an internal snapshot and a
 * persistent bitmap (the corpus has none). Each seed carries its mutation targets: the
 * header fields (spec: Header) and the table entries the model's own decoders find (L1, L2,
 * refcount table, snapshot table entries, bitmap directory and table entries, extension
 * headers).
 */
final class Seeds {
    /** A field of {@code width} bytes at {@code offset}. */
    record Target(long offset, int width) {
    }

    /** A seed image: its name, bytes, cluster size (as decoded, 512 when undecodable) and targets. */
    record Seed(String name, byte[] bytes, int clusterSize, List<Target> targets, Path folder, boolean hasSnapshots,
                boolean hasBitmaps) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Header fields by offset and width (spec: Header). */
    static final List<Target> HEADER_FIELDS = List.of(
            new Target(0, 4), new Target(4, 4), new Target(8, 8), new Target(16, 4), new Target(20, 4),
            new Target(24, 8), new Target(32, 4), new Target(36, 4), new Target(40, 8), new Target(48, 8),
            new Target(56, 4), new Target(60, 4), new Target(64, 8), new Target(72, 8), new Target(80, 8),
            new Target(88, 8), new Target(96, 4), new Target(100, 4), new Target(104, 1));

    /** Bytes that truncation keeps: magic and version (spec: Header). */
    static final int HEADER_BYTES = 8;

    private static final int MAX_TABLE_TARGETS = 64;

    private Seeds() {
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("golden-images"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("golden-images/ not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /** Loads every seed; {@code work} receives copies of the corpus folders (backing files) and the qemu-made seed. */
    static List<Seed> load(Path work) throws IOException {
        Path golden = repoRoot().resolve("golden-images");
        List<Path> files;
        try (Stream<Path> s = Files.walk(golden)) {
            files = s.filter(p -> p.toString().endsWith(".qcow2") || p.toString().endsWith(".qcow2.gz")).sorted().toList();
        }
        List<Seed> seeds = new ArrayList<>();
        for (Path f : files) {
            byte[] bytes = bytes(f);
            if (bytes == null) {
                continue;
            }
            Path folder = work.resolve(golden.relativize(f.getParent()).toString());
            if (!Files.isDirectory(folder)) {
                Files.createDirectories(folder);
                try (Stream<Path> siblings = Files.list(f.getParent())) {
                    for (Path sib : siblings.filter(Files::isRegularFile).toList()) {
                        Files.copy(sib, folder.resolve(sib.getFileName().toString()));
                    }
                }
            }
            seeds.add(seed(golden.relativize(f).toString(), bytes, folder));
        }
        Path made = qemuMade(work.resolve("qemu"));
        if (made != null) {
            seeds.add(seed("qemu/snapshot-bitmap.qcow2", Files.readAllBytes(made), made.getParent()));
        }
        return seeds;
    }

    /** Largest gzip-stored image taken as a seed: the large-cluster images would only slow the fuzzer down. */
    static final int MAX_GZIP_SEED = 1 << 20;

    /** The seed's bytes: a gzip-stored image (golden-images/README.md) decoded, or null when it is too large to be a seed. */
    private static byte[] bytes(Path f) throws IOException {
        if (!f.toString().endsWith(".gz")) {
            return Files.readAllBytes(f);
        }
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(f))) {
            byte[] b = in.readNBytes(MAX_GZIP_SEED + 1);
            return b.length > MAX_GZIP_SEED ? null : b;
        }
    }

    /** An image with a snapshot, a persistent bitmap and data before and after the snapshot; null without QEMU. */
    private static Path qemuMade(Path folder) throws IOException {
        Files.createDirectories(folder);
        Path img = folder.resolve("snapshot-bitmap.qcow2");
        String f = img.toString();
        boolean ok = run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=512", f, "64K")
                && run("qemu-io", "-c", "write -P 0x51 0 4k", "-c", "write -c -P 0x52 8k 1k", f)
                && run("qemu-img", "snapshot", "-c", "s1", f)
                && run("qemu-img", "bitmap", "--add", f, "b0")
                && run("qemu-io", "-c", "write -P 0x53 2k 3k", "-c", "write -z 16k 1k", f);
        return ok ? img : null;
    }

    private static boolean run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false; // not installed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Seed seed(String name, byte[] bytes, Path folder) throws IOException {
        Path tmp = Files.createTempFile(folder, "seed", ".qcow2");
        try {
            Files.write(tmp, bytes);
            List<Target> targets = new ArrayList<>(HEADER_FIELDS);
            int clusterSize = 512;
            boolean snapshots = false;
            boolean bitmaps = false;
            try (ImageSource src = ImageSource.open(tmp)) {
                Header h = HeaderDecoder.decode(src);
                if (h.clusterBits() >= 9 && h.clusterBits() <= 21) {
                    clusterSize = 1 << h.clusterBits();
                }
                snapshots = h.nbSnapshots() > 0;
                bitmaps = h.hasAutoclear(Header.AUTOCLEAR_BITMAPS);
                decoded(src, h, targets);
            } catch (ImageException | UncheckedIOException e) {
                // a seed that breaks a rule early: its header fields remain targets
            }
            return new Seed(name, bytes, clusterSize, List.copyOf(targets), folder, snapshots, bitmaps);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Adds the targets the decoders reach; each part stops at its first ImageException. */
    private static void decoded(ImageSource src, Header h, List<Target> out) {
        Limits limits = Limits.DEFAULT;
        quietly(() -> {
            HeaderExtensions ext = ExtensionsDecoder.decode(src, h);
            for (HeaderExtension e : ext.entries()) {
                out.add(new Target(e.offset(), 4));
                out.add(new Target(e.offset() + 4, 4));
                out.add(new Target(e.offset() + 8, 8));
            }
            PersistentBitmaps.load(src, h, ext, limits).ifPresent(b -> {
                for (StoredBitmap sb : b.bitmaps()) {
                    BitmapDirectoryEntry e = sb.entry();
                    for (int o = 0; o < BitmapDirectoryEntry.FIXED_SIZE; o += 4) {
                        out.add(new Target(e.entryOffset() + o, o < 8 ? 8 : 4));
                    }
                    if (sb.table() != null) {
                        entries(out, sb.table().offset(), sb.table().size());
                    }
                }
            });
        });
        quietly(() -> {
            long[] l1 = MappingDecoder.readL1(src, h.l1TableOffset(), h.l1Size(), limits, "active");
            entries(out, h.l1TableOffset(), l1.length);
            int l2s = 0;
            for (long e : l1) {
                long l2 = L1Entry.l2Offset(e);
                if (l2 != 0 && l2s++ < 4) {
                    entries(out, l2, (int) Math.min(MAX_TABLE_TARGETS, (1L << h.clusterBits()) / 8));
                }
            }
        });
        quietly(() -> {
            long[] table = RefcountDecoder.readTable(src, h, limits);
            entries(out, h.refcountTableOffset(), table.length);
            for (int i = 0; i < Math.min(2, table.length); i++) {
                long block = table[i] & RefcountDecoder.TABLE_OFFSET_MASK;
                if (block != 0) {
                    for (int o = 0; o < 16; o++) {
                        out.add(new Target(block + o * 2L, 2));
                    }
                }
            }
        });
        quietly(() -> {
            for (Snapshot s : SnapshotDecoder.decode(src, h, limits).entries()) {
                for (int o = 0; o < Snapshot.FIXED_LENGTH; o += 4) {
                    out.add(new Target(s.entryOffset() + o, o == 0 ? 8 : 4));
                }
                entries(out, s.l1TableOffset(), (int) Math.min(s.l1Size(), MAX_TABLE_TARGETS));
            }
        });
    }

    private static void entries(List<Target> out, long offset, int count) {
        for (int i = 0; i < Math.min(count, MAX_TABLE_TARGETS); i++) {
            out.add(new Target(offset + 8L * i, 8));
        }
    }

    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (ImageException | UncheckedIOException e) {
            // the targets found so far stay
        }
    }
}
