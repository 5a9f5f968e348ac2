package io.qcow2conformance.harness.impact;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.harness.cli.ImpactCommand;
import io.qcow2conformance.harness.cli.ImpactCommand.Case;
import io.qcow2conformance.harness.cli.ImpactCommand.Outcome;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.harness.testkit.Cli;
import io.qcow2conformance.harness.testkit.Qemu;
import io.qcow2conformance.model.check.Proposal;
import io.qcow2conformance.model.rules.Rule;
import io.qcow2conformance.model.write.Qcow2Writer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code impact --proposal=zero-bitmap-table-offset} against the programs on this machine: the
 * model's rows follow from the published rule and the proposal; QEMU's rows must agree with
 * what {@code qemu-img info} and {@code qemu-io} say, run by this test on the same images.
 */
class ImpactCommandTest {
    static final Proposal P = Proposal.ZERO_BITMAP_TABLE_OFFSET;

    @TempDir
    Path dir;

    List<Outcome> measure() throws IOException {
        return ImpactCommand.measure(P, Files.createDirectories(dir.resolve("m")), Duration.ofSeconds(60));
    }

    static List<Outcome> rows(List<Outcome> all, String implPrefix) {
        return all.stream().filter(o -> o.implementation().startsWith(implPrefix)).toList();
    }

    @Test
    void theModelRefusesEveryConsistentImageAsPublishedAndReadsTheBitmapEmptyUnderTheProposal() throws IOException {
        List<Outcome> all = measure();
        List<Case> cases = ImpactCommand.cases(P);
        assertEquals(4, cases.size());
        for (Outcome o : rows(all, "model (published")) {
            boolean consistent = o.image().endsWith("autoclear-set");
            assertEquals(consistent, o.opens().startsWith("no: "), o.toString());
            assertEquals(consistent, o.check().contains(Rule.BITMAP_TABLE_OFFSET_NON_ZERO.id()), o.toString());
            assertEquals("intact", o.guest(), o.toString());
        }
        for (Outcome o : rows(all, "model (--proposal")) {
            boolean consistent = o.image().endsWith("autoclear-set");
            assertEquals("yes", o.opens(), o.toString());
            assertEquals("intact", o.guest(), o.toString());
            // inconsistent bitmaps (autoclear bit 0 clear) are never presented as content
            assertEquals(consistent, o.bitmaps().contains("`no-table`: empty (as written)"), o.toString());
            assertEquals(consistent && o.image().startsWith("with-normal"),
                    o.bitmaps().contains("`normal`: 0+65536, 3145728+65536 (as written)"), o.toString());
        }
    }

    @Test
    void qemusRowsAgreeWithQemuItself() throws IOException {
        Qemu.require("qemu-img");
        Qemu.require("qemu-io");
        List<Outcome> all = measure();
        for (Case c : ImpactCommand.cases(P)) {
            Path image = dir.resolve(c.id() + ".qcow2");
            Qcow2Writer.write(c.image(), image);
            ProcessRunner.Result info = Qemu.run("qemu-img", "info", image.toString());
            Outcome o = rows(all, "qemu").stream().filter(r -> r.image().equals(c.id())).findFirst().orElseThrow();
            assertEquals(info.exitCode() == 0, o.opens().equals("yes"), o + " / " + info.err());
            assertEquals(info.exitCode() == 0, o.guest().equals("intact"), o.toString());

            ProcessRunner.Result write = Qemu.run("qemu-io", "-f", "qcow2", "-c", "write 0 512", image.toString());
            boolean wrote = write.out().contains("wrote 512/512 bytes");
            assertEquals(wrote, o.afterWrite().startsWith("written"), o + " / " + write.out() + write.err());
            if (wrote) {
                ProcessRunner.Result after = Qemu.run("qemu-img", "info", image.toString());
                assertEquals(after.out().contains("bitmaps:"), o.afterWrite().contains("bitmaps kept"), o + " / " + after.out());
            }
        }
    }

    @Test
    void theMarkdownTableAndTheJsonCarryOneRowPerImageAndImplementation() {
        Cli.Result md = Cli.run("impact", "--proposal=" + P.id());
        assertEquals(0, md.exitCode(), md.err());
        long tableRows = md.out().lines().filter(l -> l.startsWith("| ") && !l.startsWith("| image")).count();
        assertEquals(4 * 5, tableRows, md.out());
        assertTrue(md.out().contains("| image | implementation | opens | guest data | bitmaps reported | check |"), md.out());

        Cli.Result json = Cli.run("impact", "--proposal=" + P.id(), "--output=json");
        assertEquals(0, json.exitCode(), json.err());
        JsonNode n = parse(json.out());
        assertEquals(20, n.get("outcomes").size());
        assertTrue(n.get("outcomes").get(0).has("opens"));
    }

    @Test
    void anUnknownProposalIsAUsageError() {
        Cli.Result r = Cli.run("impact", "--proposal=no-such-change");
        assertEquals(64, r.exitCode());
        assertTrue(r.err().contains("unknown proposal"), r.err());
    }

    static JsonNode parse(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
