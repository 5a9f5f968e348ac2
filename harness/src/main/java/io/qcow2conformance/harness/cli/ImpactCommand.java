package io.qcow2conformance.harness.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qcow2conformance.harness.adapter.Implementation;
import io.qcow2conformance.harness.adapter.LibqcowAdapter;
import io.qcow2conformance.harness.adapter.ModelAdapter;
import io.qcow2conformance.harness.adapter.QemuAdapter;
import io.qcow2conformance.harness.adapter.SevenZipAdapter;
import io.qcow2conformance.harness.adapter.Status;
import io.qcow2conformance.harness.runner.Runner;
import io.qcow2conformance.model.bitmap.PersistentBitmaps;
import io.qcow2conformance.model.bitmap.Range;
import io.qcow2conformance.model.bitmap.StoredBitmap;
import io.qcow2conformance.model.check.Proposal;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.image.Qcow2Image;
import io.qcow2conformance.model.write.GuestContent;
import io.qcow2conformance.model.write.ImageDescription;
import io.qcow2conformance.model.write.PersistentBitmap;
import io.qcow2conformance.model.write.Qcow2Writer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code impact --proposal=NAME}: what the implementations on this machine do with images that
 * use a proposed spec change. The images are written by the kit's writer into a temporary
 * folder; each implementation found (the model as published and with the proposal, QEMU,
 * libqcow, 7-Zip) is asked to open each image, read its guest (compared with the written
 * pattern by SHA-256), report each bitmap and check it; for QEMU, a guest write
 * ({@code qemu-io -c "write 0 512"}) on a copy shows whether the bitmaps survive, read back
 * with the model. Output: a Markdown table, or {@code --output=json}.
 */
@Command(name = "impact", mixinStandardHelpOptions = true,
        description = {"Measure what the implementations on this machine do with images that use a proposed spec "
                + "change, and print a Markdown table (for a mailing-list reply) or JSON.",
                "Exit codes: 0 measured; 64 usage."})
public final class ImpactCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--proposal", required = true, paramLabel = "NAME",
            converter = ProposalOptions.ProposalConverter.class,
            description = "The proposed change. Known: ${COMPLETION-CANDIDATES}.",
            completionCandidates = ProposalOptions.KnownProposals.class)
    Proposal proposal;

    @Option(names = "--output", paramLabel = "FORMAT", description = "human (Markdown) or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output = OutputFormat.HUMAN;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Per call (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds = 60;

    /** One image of the measurement: what it is and what was written into it. */
    public record Case(String id, String description, ImageDescription image) {
    }

    /** What one implementation did with one image; every field is one table cell. */
    public record Outcome(String image, String implementation, String opens, String guest, String bitmaps,
                          String check, String afterWrite) {
    }

    /** The images that exercise {@code p}, written by the kit's writer. */
    public static List<Case> cases(Proposal p) {
        return switch (p) {
            case ZERO_BITMAP_TABLE_OFFSET -> zeroTableOffsetCases();
        };
    }

    /** A bitmap with bitmap_table_offset 0 and size 0, alone or next to a normal one, with autoclear bit 0 set or clear. */
    private static List<Case> zeroTableOffsetCases() {
        List<Case> out = new ArrayList<>();
        for (boolean other : new boolean[] {false, true}) {
            for (boolean autoclear : new boolean[] {true, false}) {
                ImageDescription.Builder b = ImageDescription.builder().clusterBits(16).virtualSize(4L << 20)
                        .write(0, 64 << 10).write(3L << 20, 8 << 10)
                        .bitmap(PersistentBitmap.of("no-table", 16, List.of()).withStorage(PersistentBitmap.Storage.NO_TABLE));
                if (other) {
                    b.bitmap(PersistentBitmap.of("normal", 16, List.of(new Range(0, 64 << 10), new Range(3L << 20, 8 << 10))));
                }
                b.bitmapsAutoclear(autoclear);
                out.add(new Case((other ? "with-normal" : "alone") + (autoclear ? "-autoclear-set" : "-autoclear-clear"),
                        "offset-0 bitmap" + (other ? " + normal bitmap" : "") + ", autoclear bit 0 "
                                + (autoclear ? "set" : "clear"), b.build()));
            }
        }
        return out;
    }

    @Override
    public Integer call() throws IOException {
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        Path dir = Files.createTempDirectory("qcow2-impact-");
        try {
            List<Outcome> rows = measure(proposal, dir, timeout);
            PrintWriter out = spec.commandLine().getOut();
            out.print(output == OutputFormat.JSON ? Json.write(json(rows)) + "\n" : markdown(proposal, rows));
            out.flush();
            return Main.EXIT_OK;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Writes the proposal's images into {@code dir} and asks every implementation about each. */
    public static List<Outcome> measure(Proposal p, Path dir, Duration timeout) throws IOException {
        QemuAdapter qemu = new QemuAdapter(timeout);
        Map<String, Implementation> impls = new LinkedHashMap<>();
        impls.put("model (published spec)", new ModelAdapter(timeout));
        impls.put("model (--proposal=" + p.id() + ")", new ModelAdapter(timeout, EnumSet.of(p)));
        impls.put("qemu", qemu);
        impls.put("libqcow", new LibqcowAdapter(timeout));
        impls.put("7zip", new SevenZipAdapter(timeout));
        List<Outcome> rows = new ArrayList<>();
        for (Case c : cases(p)) {
            Path image = dir.resolve(c.id() + ".qcow2");
            Qcow2Writer.write(c.image(), image);
            String digest = hex(GuestContent.of(c.image()).sha256());
            for (Map.Entry<String, Implementation> e : impls.entrySet()) {
                Implementation impl = e.getValue();
                Optional<String> missing = impl.unavailableReason();
                if (missing.isPresent()) {
                    String na = "not installed";
                    rows.add(new Outcome(c.id(), e.getKey(), na + ": " + missing.get(), na, na, na, ""));
                    continue;
                }
                rows.add(new Outcome(c.id(), e.getKey(), opens(impl.open(image)),
                        guest(impl, image, dir.resolve(c.id() + ".raw"), digest),
                        bitmaps(impl, image, c.image()), check(impl.check(image)),
                        impl == qemu ? afterWrite(qemu, image, dir.resolve(c.id() + "-written.qcow2")) : ""));
            }
        }
        return rows;
    }

    private static String opens(Implementation.Result r) {
        return switch (r.status()) {
            case OK -> "yes";
            case REJECTED -> "no: " + shorten(r.detail());
            default -> r.status().name().toLowerCase() + ": " + shorten(r.detail());
        };
    }

    private static String guest(Implementation impl, Path image, Path raw, String digest) {
        Implementation.Result r = impl.readGuest(image, Optional.empty(), raw);
        try {
            if (r.status() != Status.OK) {
                return "not read: " + shorten(r.detail());
            }
            return Runner.sha256(raw).equals(digest) ? "intact" : "DIFFERS from what was written";
        } finally {
            raw.toFile().delete();
        }
    }

    private static String bitmaps(Implementation impl, Path image, ImageDescription d) {
        List<String> cells = new ArrayList<>();
        for (PersistentBitmap b : d.bitmaps()) {
            Implementation.Result r = impl.bitmap(image, b.name());
            String what = switch (r.status()) {
                case OK -> r.ranges().isEmpty() ? "empty" : ranges(r.ranges());
                case REJECTED -> "refused";
                case UNSUPPORTED -> "n/a";
                default -> r.status().name().toLowerCase();
            };
            if (r.status() == Status.OK) {
                what += b.ranges(d.virtualSize()).equals(r.ranges().stream().map(a -> new Range(a[0], a[1])).toList())
                        ? " (as written)" : " (NOT as written)";
            }
            cells.add("`" + b.name() + "`: " + what);
        }
        return cells.stream().allMatch(s -> s.endsWith(": n/a")) ? "cannot report bitmaps" : String.join("; ", cells);
    }

    private static String ranges(List<long[]> ranges) {
        return ranges.stream().map(a -> a[0] + "+" + a[1]).collect(Collectors.joining(", "));
    }

    private static String check(Implementation.Result r) {
        if (r.status() != Status.OK) {
            return r.status().name().toLowerCase() + ": " + shorten(r.detail());
        }
        String verdict = switch (r.exitCode()) {
            case 0 -> "clean";
            case 2 -> "corruptions";
            case 3 -> "leaks";
            case 63 -> "no checks";
            default -> "exit " + r.exitCode();
        };
        return r.findings().isEmpty() ? verdict : verdict + ": " + String.join(", ", r.findings().stream().distinct().toList());
    }

    /** QEMU writes 512 bytes at guest offset 0 of a copy; the model then says what became of the bitmaps. */
    private static String afterWrite(QemuAdapter qemu, Path image, Path copy) {
        try {
            Files.copy(image, copy);
            Implementation.Result w = qemu.io(copy, "write 0 512");
            if (w.status() != Status.OK) {
                return "write refused: " + shorten(w.detail());
            }
            String warned = w.detail().isEmpty() ? "" : " (warned: " + shorten(w.detail()) + ")";
            try (Qcow2Image img = Qcow2Image.open(copy, Limits.DEFAULT)) {
                boolean consistent = img.header().hasAutoclear(Header.AUTOCLEAR_BITMAPS);
                Optional<PersistentBitmaps> pb = PersistentBitmaps.load(img.source(), img.header(), img.extensions(),
                        Limits.DEFAULT);
                if (pb.isEmpty()) {
                    return "written" + warned + "; bitmaps DESTROYED (no bitmaps extension left)";
                }
                String left = pb.get().bitmaps().stream().map(ImpactCommand::describe).collect(Collectors.joining(", "));
                return "written" + warned + "; bitmaps kept" + (consistent ? "" : " but inconsistent (autoclear bit 0 clear)")
                        + ": " + left;
            }
        } catch (IOException | RuntimeException e) {
            return "not measured: " + shorten(String.valueOf(e.getMessage()));
        } finally {
            copy.toFile().delete();
        }
    }

    private static String describe(StoredBitmap b) {
        return "`" + b.name() + "`" + (b.entry().bitmapTableOffset() == 0 ? " (table offset 0)" : "")
                + (b.entry().inUse() ? " (in use)" : "");
    }

    private static String shorten(String s) {
        String one = s == null ? "" : s.strip().lines().findFirst().orElse("").replace("|", "\\|")
                .replaceAll("/\\S*/qcow2-impact-[0-9]+/", "");
        return one.length() > 120 ? one.substring(0, 117) + "..." : one;
    }

    static String markdown(Proposal p, List<Outcome> rows) {
        StringBuilder b = new StringBuilder();
        b.append("Impact of proposal `").append(p.id()).append("` (images written by ")
                .append(ModelAdapter.kitVersion()).append(")\n\n");
        b.append("| image | implementation | opens | guest data | bitmaps reported | check | after a QEMU write |\n");
        b.append("|---|---|---|---|---|---|---|\n");
        for (Outcome o : rows) {
            b.append("| ").append(String.join(" | ", o.image(), o.implementation(), o.opens(), o.guest(), o.bitmaps(),
                    o.check(), o.afterWrite())).append(" |\n");
        }
        return b.toString();
    }

    static ObjectNode json(List<Outcome> rows) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        ArrayNode a = n.putArray("outcomes");
        for (Outcome o : rows) {
            ObjectNode r = a.addObject();
            r.put("image", o.image()).put("implementation", o.implementation()).put("opens", o.opens())
                    .put("guest", o.guest()).put("bitmaps", o.bitmaps()).put("check", o.check());
            if (!o.afterWrite().isEmpty()) {
                r.put("after-write", o.afterWrite());
            }
        }
        return n;
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }
}
