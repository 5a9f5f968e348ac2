package io.qcow2conformance.harness.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qcow2conformance.model.bitmap.BitmapDirectoryEntry;
import io.qcow2conformance.model.bitmap.BitmapReader;
import io.qcow2conformance.model.bitmap.PersistentBitmaps;
import io.qcow2conformance.model.bitmap.Range;
import io.qcow2conformance.model.bitmap.StoredBitmap;
import io.qcow2conformance.model.check.Proposal;
import io.qcow2conformance.model.image.Qcow2Image;
import io.qcow2conformance.model.rules.Finding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code bitmap IMAGE --name=NAME}: one persistent bitmap's metadata and its set ranges in guest bytes. */
@Command(name = "bitmap", mixinStandardHelpOptions = true,
        description = {"Show a persistent bitmap of an image (spec: Bitmaps): its directory entry and the guest byte "
                + "ranges whose bits are set, merged, sorted and ending at the virtual size."},
        footer = {
            "",
            "Output: the bitmap's name, granularity, flags (in-use, auto, as qemu-img info names them), type, table "
                    + "offset and size, whether it is consistent, then its set ranges. With --output=json: "
                    + "{\"name\", \"granularity\", \"granularity-bits\", \"flags\", \"type\", \"bitmap-table-offset\", "
                    + "\"bitmap-table-size\", \"consistent\", \"ranges\": [{\"start\": S, \"length\": L}, ...], "
                    + "\"findings\": [...]}.",
            "",
            "A bitmap is never presented as trustworthy when it is not: when autoclear bit 0 is clear (every bitmap "
                    + "is then inconsistent), when it is marked in_use, when it has extra data without the "
                    + "extra_data_compatible flag, or when a corruption concerns it (its entry, its table, its data, "
                    + "the directory or the bitmaps extension), the output says \"consistent\": false with the "
                    + "reason and no ranges, and the command exits 1 (as QEMU refuses to export such a bitmap).",
            "",
            "Exit codes: 0 the ranges are printed; 1 the image cannot be read, has no bitmap of that name "
                    + "(one-line error), or the bitmap is inconsistent or corrupt; 64 usage error."})
final class BitmapCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ImageOptions args;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "The bitmap's name.")
    String name;

    @Override
    public Integer call() {
        Set<Proposal> applied = args.proposals.applied();
        ObjectNode n;
        Optional<Finding> distrust;
        try (Qcow2Image img = Qcow2Image.open(args.image, args.model.limits())) {
            PersistentBitmaps bitmaps = PersistentBitmaps.load(img.source(), img.header(), img.extensions(),
                    args.model.limits()).orElseThrow(() -> new Main.UserError("the image has no bitmaps extension"));
            StoredBitmap b = bitmaps.byName(name).orElseThrow(() -> new Main.UserError("no bitmap named '" + name
                    + "' in the image (bitmaps: " + String.join(", ", bitmaps.bitmaps().stream()
                    .map(StoredBitmap::name).toList()) + ")"));
            distrust = bitmaps.distrust(b, applied);
            n = describe(b);
            n.put("consistent", distrust.isEmpty());
            distrust.ifPresent(f -> n.put("reason", f.toString()));
            if (distrust.isEmpty()) {
                ArrayNode ranges = n.putArray("ranges");
                for (Range r : BitmapReader.ranges(img.source(), img.header(), b)) {
                    ranges.addObject().put("start", r.start()).put("length", r.length());
                }
            }
            ArrayNode findings = n.putArray("findings");
            Proposal.applicable(b.findings(), applied).forEach(f -> findings.add(f.toString()));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(args.json() ? Json.write(n) + "\n" : human(n));
        out.flush();
        if (distrust.isPresent()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("qcow2-conformance: error: bitmap '" + name + "' cannot be trusted: " + distrust.get());
            err.flush();
            return Main.EXIT_ERROR;
        }
        return Main.EXIT_OK;
    }

    /** The directory entry, with qemu-img info's names where it has them. */
    static ObjectNode describe(StoredBitmap b) {
        BitmapDirectoryEntry e = b.entry();
        ObjectNode n = Json.object();
        n.put("name", e.name());
        n.put("granularity", e.granularity());
        n.put("granularity-bits", e.granularityBits());
        ArrayNode flags = n.putArray("flags");
        qemuFlags(e).forEach(flags::add);
        n.put("type", e.type());
        n.put("bitmap-table-offset", e.bitmapTableOffset());
        n.put("bitmap-table-size", e.bitmapTableSize());
        return n;
    }

    /** The flags as qemu-img info lists them (qcow2-bitmap.c, get_bitmap_info_flags): in-use, then auto. */
    static List<String> qemuFlags(BitmapDirectoryEntry e) {
        return e.inUse() && e.auto() ? List.of("in-use", "auto") : e.inUse() ? List.of("in-use")
                : e.auto() ? List.of("auto") : List.of();
    }

    static String human(ObjectNode n) {
        StringBuilder s = new StringBuilder();
        s.append("bitmap: ").append(n.get("name").asText()).append('\n');
        s.append("granularity: ").append(n.get("granularity").asLong()).append('\n');
        s.append("flags:");
        n.get("flags").forEach(f -> s.append(' ').append(f.asText()));
        s.append('\n');
        s.append("type: ").append(n.get("type").asInt()).append('\n');
        s.append(String.format("bitmap table: offset 0x%x, %d entries%n", n.get("bitmap-table-offset").asLong(),
                n.get("bitmap-table-size").asLong()));
        s.append("consistent: ").append(n.get("consistent").asBoolean() ? "yes" : "no");
        if (n.has("reason")) {
            s.append(" (").append(n.get("reason").asText()).append(')');
        }
        s.append('\n');
        n.get("findings").forEach(f -> s.append("finding: ").append(f.asText()).append('\n'));
        if (n.has("ranges")) {
            s.append("set ranges:").append(n.get("ranges").isEmpty() ? " none" : "").append('\n');
            n.get("ranges").forEach(r -> s.append(String.format("    start %d length %d%n", r.get("start").asLong(),
                    r.get("length").asLong())));
        }
        return s.toString();
    }
}
