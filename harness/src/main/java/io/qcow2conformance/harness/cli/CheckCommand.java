package io.qcow2conformance.harness.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qcow2conformance.model.check.CheckReport;
import io.qcow2conformance.model.check.ImageChecker;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code check IMAGE}: the image checker, with the output and exit codes of {@code qemu-img check}. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {
            "Check an image against every rule of the catalogue: header, extensions, active L1/L2 tables and a full "
                    + "refcount cross-check (the references to every host cluster are recounted and compared with "
                    + "its stored refcount), like 'qemu-img check'."},
        footer = {
            "",
            "Output: one line per finding, then a summary as qemu-img check prints it. With --output=json: an "
                    + "object with qemu-img check's field names (filename, format, check-errors, image-end-offset, "
                    + "corruptions, leaks, total-clusters, allocated-clusters, fragmented-clusters, "
                    + "compressed-clusters) plus 'findings' (rule, severity, offset, message, section). Unlike "
                    + "qemu-img, every counter is printed, zero included. When the image cannot be checked the "
                    + "object has check-errors >= 1 and an 'error' field.",
            "",
            "Exit codes (as qemu-img check): 0 no corruptions or leaks (warnings and limit findings do not count); "
                    + "1 the image could not be checked (one-line error on stderr naming rule, field and offset); "
                    + "2 corruptions found; 3 leaked clusters only; 64 usage error."})
final class CheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ImageOptions args;

    @Override
    public Integer call() {
        // As qemu-img check with a key secret: a passphrase that opens no key slot leaves the image unchecked (exit 1).
        CheckReport report = new ImageChecker(args.model.openOptions()).withProposals(args.proposals.applied())
                .check(args.image);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (args.json()) {
            out.println(Json.write(json(report)));
        } else {
            printHuman(report, out);
        }
        out.flush();
        String error = error(report);
        if (error != null) {
            err.println("qcow2-conformance: error: " + error);
        }
        err.flush();
        return exitCode(report.verdict());
    }

    static int exitCode(CheckReport.Verdict verdict) {
        return switch (verdict) {
            case NOT_CHECKED -> Main.EXIT_ERROR;
            case CORRUPTIONS -> Main.EXIT_CORRUPTIONS;
            case LEAKS -> Main.EXIT_LEAKS;
            case CLEAN -> Main.EXIT_OK;
        };
    }

    /** Why the image could not be (fully) checked, in one line, or null. */
    static String error(CheckReport r) {
        if (r.fatal() != null) {
            return r.fatal().getMessage();
        }
        if (r.checkErrors() > 0) {
            String cause = r.findings().stream().filter(f -> f.rule() == Rule.REFCOUNT_TABLE_ENTRY_ALIGNED).findFirst()
                    .map(f -> String.format("%s: refcount table entry at offset 0x%x: %s", f.rule().id(), f.offset(),
                            f.message()))
                    .orElse("refcount blocks unreadable");
            return cause + "; the refcounts of " + r.checkErrors() + " clusters could not be read";
        }
        return null;
    }

    static ObjectNode json(CheckReport r) {
        ObjectNode o = Json.object();
        o.put("filename", r.filename());
        o.put("format", "qcow2");
        o.put("check-errors", r.checkErrors());
        o.put("image-end-offset", r.imageEndOffset());
        o.put("corruptions", r.corruptions());
        o.put("leaks", r.leaks());
        o.put("total-clusters", r.totalClusters());
        o.put("allocated-clusters", r.allocatedClusters());
        o.put("fragmented-clusters", r.fragmentedClusters());
        o.put("compressed-clusters", r.compressedClusters());
        ArrayNode findings = o.putArray("findings");
        for (Finding f : r.findings()) {
            ObjectNode n = findings.addObject();
            n.put("rule", f.rule().id());
            n.put("severity", f.severity().id());
            n.put("offset", f.offset());
            n.put("message", f.message());
            n.put("section", f.rule().clause().heading());
        }
        String error = error(r);
        if (error != null) {
            o.put("error", error);
        }
        if (r.fatal() != null) {
            o.put("error-rule", r.fatal().rule().id());
            o.put("error-offset", r.fatal().offset());
        }
        return o;
    }

    /** The findings, then qemu-img check's summary lines (qemu-img.c, img_check). */
    static void printHuman(CheckReport r, PrintWriter out) {
        r.findings().forEach(out::println);
        if (r.fatal() != null) {
            return;
        }
        if (r.corruptions() == 0 && r.leaks() == 0 && r.checkErrors() == 0) {
            out.println("No errors were found on the image.");
        }
        if (r.corruptions() > 0) {
            out.printf("%n%d errors were found on the image.%n"
                    + "Data may be corrupted, or further writes to the image may corrupt it.%n", r.corruptions());
        }
        if (r.leaks() > 0) {
            out.printf("%n%d leaked clusters were found on the image.%n"
                    + "This means waste of disk space, but no harm to data.%n", r.leaks());
        }
        if (r.checkErrors() > 0) {
            out.printf("%n%d internal errors have occurred during the check.%n", r.checkErrors());
        }
        if (r.totalClusters() != 0 && r.allocatedClusters() != 0) {
            out.printf("%d/%d = %.2f%% allocated, %.2f%% fragmented, %.2f%% compressed clusters%n",
                    r.allocatedClusters(), r.totalClusters(),
                    r.allocatedClusters() * 100.0 / r.totalClusters(),
                    r.fragmentedClusters() * 100.0 / r.allocatedClusters(),
                    r.compressedClusters() * 100.0 / r.allocatedClusters());
        }
        if (r.imageEndOffset() != 0) {
            out.printf("Image end offset: %d%n", r.imageEndOffset());
        }
    }
}
