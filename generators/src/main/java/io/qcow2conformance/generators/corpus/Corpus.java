package io.qcow2conformance.generators.corpus;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qcow2conformance.generators.image.ExpectedGuest;
import io.qcow2conformance.generators.image.ImageFiles;
import io.qcow2conformance.generators.image.ImageRecipe;
import io.qcow2conformance.generators.image.ImageWriter;
import io.qcow2conformance.generators.scenario.Claim;
import io.qcow2conformance.generators.scenario.CompiledScenario;
import io.qcow2conformance.generators.scenario.ScenarioCase;
import io.qcow2conformance.model.rules.Rule;
import io.qcow2conformance.model.write.Gzip;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The golden corpus as files: one image per scenario case (plus backing files) and
 * {@code manifest.json} (golden-images/manifest.schema.json, version 1). The generator owns
 * {@code manifest.json} and every sub-folder of the corpus folder; other top-level files
 * (the schema, README.md, divergences.json) are written by hand and left alone.
 */
public final class Corpus {
    public static final String MANIFEST = "manifest.json";
    public static final String KIT = "qcow2-conformance generators, manifest version 1";
    public static final String SPEC_TEXT = "qcow2 image format specification, docs/interop/qcow2.txt of QEMU 7.2";
    public static final String SPEC_SOURCE = "https://gitlab.com/qemu-project/qemu/-/blob/v7.2.0/docs/interop/qcow2.txt";

    /** How guest bytes are derived (io.qcow2conformance.model.write.GuestPattern), for the manifest. */
    public static final String GUEST_PATTERN = "Every aligned 8-byte word of the guest disk at guest offset o written by "
            + "layer L holds, big-endian: byte 0 = 0x51, byte 1 = L, bytes 2-7 = o / 8. Layer 0 is the image itself, "
            + "layer 1 its backing file, layer 2 + k what is written after the image's snapshot k (from 0). Zero "
            + "clusters, and unallocated clusters without a backing file, read as zero bytes; a preallocated host "
            + "cluster under a zero cluster holds the layer's pattern, which a reader must not return.";

    /**
     * Files larger than this are stored gzip-compressed: images of large clusters and LUKS key
     * material areas are mostly zeros, and the corpus folder stays small (golden-images/README.md).
     */
    public static final int GZIP_ABOVE = 512 * 1024;
    /** The manifest's name for gzip storage. */
    public static final String GZIP = "gzip";

    private final ImageWriter writer;

    public Corpus(ImageWriter writer) {
        this.writer = writer;
    }

    /** Every file of the corpus, by path relative to the corpus folder ('/' separated), sorted. */
    public SortedMap<String, byte[]> generate(List<ScenarioCase> cases) {
        SortedMap<String, byte[]> files = new TreeMap<>();
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = json.createObjectNode();
        manifest.put("manifestVersion", 1);
        manifest.put("kit", KIT);
        ObjectNode spec = manifest.putObject("spec");
        spec.put("text", SPEC_TEXT);
        spec.put("source", SPEC_SOURCE);
        manifest.put("guestPattern", GUEST_PATTERN);
        ArrayNode images = manifest.putArray("images");
        for (ScenarioCase c : cases) {
            CompiledScenario s = CompiledScenario.compile(c);
            String file = c.imagePath();
            String leaf = file.substring(file.lastIndexOf('/') + 1, file.length() - ".qcow2".length());
            String dir = file.substring(0, file.lastIndexOf('/') + 1);
            ImageFiles w = ImageFiles.write(writer, s.recipe(), leaf);
            ObjectNode img = images.addObject();
            img.put("id", c.id());
            store(files, img, "file", file, w.bytes());
            w.backing().ifPresent(b -> companion(files, img, dir + b.name(), b.bytes(), "backing"));
            w.dataFile().ifPresent(f -> companion(files, img, dir + f.name(), f.bytes(), "data-file"));
            w.passphrase().ifPresent(p -> companion(files, img, dir + p.name(), p.bytes(), "passphrase"));
            ObjectNode scenario = img.putObject("scenario");
            scenario.put("feature", c.feature());
            scenario.put("name", c.name());
            img.put("area", c.area());
            img.put("profile", s.profile());
            ArrayNode proposals = img.putArray("proposals");
            c.proposals().forEach(proposals::add);
            ArrayNode rules = img.putArray("rules");
            c.rules().stream().map(Rule::id).forEach(rules::add);
            img.put("level", c.level().id());
            img.put("description", c.description().isEmpty() ? c.name() : c.name() + ". " + c.description());
            img.put("outcome", s.outcome());
            expect(img.putObject("expect"), s);
        }
        files.put(MANIFEST, json(json, manifest));
        return files;
    }

    /** A file the image needs (backing file, passphrase), written next to it and listed in its {@code files}. */
    private static void companion(SortedMap<String, byte[]> files, ObjectNode img, String path, byte[] bytes, String role) {
        ArrayNode list = img.has("files") ? (ArrayNode) img.get("files") : img.putArray("files");
        ObjectNode f = list.addObject();
        store(files, f, "path", path, bytes);
        f.put("role", role);
    }

    /**
     * Adds a file to the corpus and names it in {@code entry}: its path, the SHA-256 of its
     * bytes and, for a file over {@link #GZIP_ABOVE} bytes, {@code "encoding": "gzip"}: it is
     * then stored gzip-compressed under its path plus ".gz" (the SHA-256 stays that of the
     * file itself, as implementations open it).
     */
    private static void store(SortedMap<String, byte[]> files, ObjectNode entry, String pathField, String path, byte[] bytes) {
        boolean gzip = bytes.length > GZIP_ABOVE;
        String stored = gzip ? path + Gzip.SUFFIX : path;
        files.put(stored, gzip ? Gzip.encode(bytes) : bytes);
        entry.put(pathField, stored);
        entry.put("sha256", ExpectedGuest.sha256(bytes));
        if (gzip) {
            entry.put("encoding", GZIP);
        }
    }

    private static void expect(ObjectNode e, CompiledScenario s) {
        ImageRecipe r = s.recipe();
        Claim v = s.verdict();
        if (v instanceof Claim.Valid || v instanceof Claim.Open) {
            e.put("virtualSize", r.virtualSize());
            e.put("guestSha256", ExpectedGuest.sha256(r));
            snapshots(e, r, v instanceof Claim.Valid ? null : s.claims().stream()
                    .filter(Claim.SnapshotContent.class::isInstance).map(c -> ((Claim.SnapshotContent) c).name()).toList());
        }
        ArrayNode bitmaps = null;
        for (Claim c : s.claims()) {
            if (c instanceof Claim.BitmapContent bc) {
                ImageRecipe.Bitmap b = r.bitmaps().get(r.bitmapIndex(bc.name()));
                bitmaps = bitmaps != null ? bitmaps : e.putArray("bitmaps");
                ObjectNode n = bitmaps.addObject();
                n.put("name", b.name());
                n.put("granularity", 1L << b.granularityBits());
                ArrayNode ranges = n.putArray("ranges");
                b.description().ranges(r.virtualSize())
                        .forEach(x -> ranges.addObject().put("offset", x.start()).put("length", x.length()));
            } else if (c instanceof Claim.BitmapUnusable bu) {
                bitmaps = bitmaps != null ? bitmaps : e.putArray("bitmaps");
                bitmaps.addObject().put("name", bu.name()).put("usable", false);
            }
        }
        if (v instanceof Claim.Valid valid) {
            ObjectNode check = e.putObject("check");
            check.put("exitCode", valid.leaks() > 0 ? 3 : 0);
            check.put("corruptions", 0);
            check.put("leaks", valid.leaks());
        } else if (v instanceof Claim.Open o) {
            e.putArray("allowed").add("accept").add("reject");
            e.put("never", o.never());
        } else {
            e.put("brokenRule", s.brokenRule().orElseThrow().id());
            e.put("phase", s.phase().orElseThrow());
            if (v instanceof Claim.RejectRead rr) {
                ObjectNode range = e.putObject("readRange");
                range.put("offset", rr.guestCluster() * r.clusterSize());
                range.put("length", Math.min(r.clusterSize(), r.virtualSize() - rr.guestCluster() * r.clusterSize()));
            }
            if (v instanceof Claim.CheckCorruption) {
                e.putObject("check").put("exitCode", 2);
            }
        }
    }

    /**
     * Each snapshot's ID, name, virtual size and the SHA-256 of the guest content it captured
     * (spec: Snapshots): every snapshot of an accepted image ({@code named} null), else only
     * those {@code named} by a content step (an image at an implementation limit may hold
     * 65537 snapshots, or one whose own disk is 128 GiB, that no reader is asked to read).
     */
    private static void snapshots(ObjectNode e, ImageRecipe r, List<String> named) {
        List<ImageRecipe.Snapshot> all = r.snapshots();
        if (all.isEmpty() || named != null && named.isEmpty()) {
            return;
        }
        ArrayNode out = e.putArray("snapshots");
        for (int i = 0; i < all.size(); i++) {
            if (named != null && !named.contains(all.get(i).name())) {
                continue;
            }
            ObjectNode n = out.addObject();
            n.put("id", all.get(i).id());
            n.put("name", all.get(i).name());
            n.put("virtualSize", ExpectedGuest.snapshotVirtualSize(r, i));
            n.put("guestSha256", ExpectedGuest.snapshotSha256(r, i));
        }
    }

    private static byte[] json(ObjectMapper json, ObjectNode node) {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return (json.writer(pp).writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code files} as the corpus in {@code dir}: everything goes to a temporary
     * sibling folder first (with the hand-written top-level files copied over), which then
     * replaces {@code dir}, so a failure never leaves half a corpus.
     */
    public static void write(SortedMap<String, byte[]> files, Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".new-");
        Path old = parent.resolve("." + abs.getFileName() + ".old-" + tmp.getFileName().toString().replaceAll(".*-", ""));
        try {
            if (Files.isDirectory(abs)) {
                for (Path p : handWritten(abs)) {
                    Files.copy(p, tmp.resolve(p.getFileName()));
                }
            }
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Path target = tmp.resolve(f.getKey());
                Files.createDirectories(target.getParent());
                Files.write(target, f.getValue());
            }
            if (Files.exists(abs)) {
                Files.move(abs, old);
            }
            Files.move(tmp, abs);
        } finally {
            deleteTree(tmp);
            deleteTree(old);
        }
    }

    /**
     * The differences between {@code files} and the generated part of corpus folder
     * {@code dir}: paths that are missing, extra or different. Empty when they agree.
     */
    public static List<String> diff(SortedMap<String, byte[]> files, Path dir) throws IOException {
        SortedMap<String, byte[]> onDisk = generatedPart(dir);
        List<String> out = new ArrayList<>();
        for (String p : new TreeSet<>(union(files.keySet(), onDisk.keySet()))) {
            byte[] want = files.get(p);
            byte[] have = onDisk.get(p);
            if (have == null) {
                out.add("missing: " + p);
            } else if (want == null) {
                out.add("not generated: " + p);
            } else if (!Arrays.equals(want, have)) {
                out.add("differs: " + p);
            }
        }
        return out;
    }

    /** manifest.json and every file under a sub-folder of {@code dir}. */
    public static SortedMap<String, byte[]> generatedPart(Path dir) throws IOException {
        SortedMap<String, byte[]> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                if (rel.contains("/") || rel.equals(MANIFEST)) {
                    out.put(rel, Files.readAllBytes(p));
                }
            }
        }
        return out;
    }

    private static List<Path> handWritten(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals(MANIFEST)).sorted().toList();
        }
    }

    private static <T> List<T> union(java.util.Set<T> a, java.util.Set<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return Collections.unmodifiableList(out);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
