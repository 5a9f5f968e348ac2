package io.qcow2conformance.features.glue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cucumber.java.After;
import io.cucumber.java.Before;
import io.cucumber.java.en.Given;
import io.qcow2conformance.features.impl.Implementations;
import io.qcow2conformance.features.impl.KnownDivergences;
import io.qcow2conformance.generators.image.ExpectedGuest;
import io.qcow2conformance.generators.image.ImageRecipe;
import io.qcow2conformance.generators.image.ModelImageWriter;
import io.qcow2conformance.generators.image.ImageFiles;
import io.qcow2conformance.generators.scenario.Claim;
import io.qcow2conformance.generators.scenario.CompiledScenario;
import io.qcow2conformance.generators.scenario.Vocabulary;
import io.qcow2conformance.harness.adapter.Capability;
import io.qcow2conformance.harness.adapter.Implementation;
import io.qcow2conformance.harness.adapter.Status;
import io.qcow2conformance.harness.runner.Expectations;
import io.cucumber.java.Scenario;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The glue: every step goes through the shared {@link Vocabulary} (one step definition
 * matches all text). Descriptions build the recipe; at the first expectation the image is
 * written (with the same writer as the corpus) and each expectation is checked through the
 * implementation under test. A capability the implementation lacks skips the scenario.
 * Where golden-images/divergences.json records that the implementation does not do what the
 * spec says with the scenario's image, a failing expectation skips the scenario with that
 * reason, and a scenario that passes anyway fails (update the divergence file), as in
 * {@code qcow2-conformance run}.
 */
public class ScenarioSteps {
    private static final Path WORK = Path.of("target", "scenario-images");

    private final ImageRecipe recipe = new ImageRecipe();
    private Implementation impl = Implementations.selected();
    private String name = "scenario";
    private Path image;
    private byte[] guest;
    /** The implementation refused the image at a verdict step: content claims after it do not apply. */
    private boolean refused;
    private Optional<Expectations.Entry> divergence = Optional.empty();

    @Before
    public void before(Scenario s) {
        name = s.getSourceTagNames().stream().filter(t -> t.startsWith("@id:")).findFirst()
                .map(t -> t.substring(4)).orElse("scenario") + "-" + s.getLine();
        impl.unavailableReason().ifPresent(r -> Assumptions.abort(impl.name() + ": " + r));
        divergence = KnownDivergences.forScenario(impl.name(), s.getUri().getPath(), s.getLine());
        // a scenario tagged @proposal:NAME is judged with that proposed change applied
        List<String> proposals = s.getSourceTagNames().stream().filter(t -> t.startsWith("@proposal:"))
                .map(t -> t.substring("@proposal:".length())).toList();
        Implementation judged = impl.forProposals(proposals);
        if (!proposals.isEmpty() && judged == impl) {
            Assumptions.abort(impl.name() + " does not implement proposal " + String.join(", ", proposals)
                    + "; 'qcow2-conformance impact --proposal=NAME' measures how it reacts to such images");
        }
        impl = judged;
    }

    @Given("^(.+)$")
    public void step(String text) throws IOException {
        Optional<Claim> claim = Vocabulary.apply(text, recipe);
        if (claim.isPresent()) {
            try {
                verify(claim.get());
            } catch (AssertionError e) {
                if (divergence.isPresent()) {
                    Assumptions.abort("known divergence (golden-images/divergences.json): " + divergence.get().reason()
                            + "; this run: " + e.getMessage());
                }
                throw e;
            }
        }
    }

    @After
    public void after(Scenario s) {
        if (divergence.isPresent() && s.getStatus() == io.cucumber.java.Status.PASSED) {
            fail(impl.name() + " now does what the spec says here, but golden-images/divergences.json says it fails ("
                    + divergence.get().verdict() + ": " + divergence.get().reason() + "): remove or narrow that entry");
        }
    }

    private void verify(Claim c) throws IOException {
        Path img = image();
        if (refused) {
            return; // a reader that rightly refused the image has no content to compare (as Judge stops there)
        }
        if (c instanceof Claim.Valid v) {
            Implementation.Result open = call(Capability.OPEN, () -> impl.open(img));
            assertEquals(Status.OK, open.status(), "a valid image must open: " + open.detail());
            Implementation.Result check = call(Capability.CHECK, () -> impl.check(img));
            assertEquals(v.leaks() > 0 ? 3 : 0, check.exitCode(), "check: " + check.detail());
        } else if (c instanceof Claim.RejectOpen r) {
            Implementation.Result open = call(Capability.OPEN, () -> impl.open(img));
            assertEquals(Status.REJECTED, open.status(), "must refuse the image (" + r.rule().id() + "): " + open.detail());
            citesRule(open, r.rule().id());
            refused = true;
        } else if (c instanceof Claim.RejectRead r) {
            Implementation.Result open = call(Capability.OPEN, () -> impl.open(img));
            if (open.status() == Status.REJECTED) {
                refused = true;
                return; // refusing earlier than required is allowed
            }
            Implementation.Result read = call(Capability.READ_GUEST,
                    () -> impl.readGuest(img, Optional.empty(), img.resolveSibling(name + ".raw")));
            assertEquals(Status.REJECTED, read.status(),
                    "must refuse to read guest cluster " + r.guestCluster() + " (" + r.rule().id() + "): " + read.detail());
            citesRule(read, r.rule().id());
        } else if (c instanceof Claim.CheckCorruption r) {
            if (impl.capabilities().contains(Capability.OPEN) && impl.open(img).status() == Status.REJECTED) {
                refused = true;
                return; // refusing to open a corrupt image at all is also correct (as in qcow2-conformance run)
            }
            Implementation.Result check = call(Capability.CHECK, () -> impl.check(img));
            // a check that stops at a fatal fault and names the rule has noticed it too; one that
            // gives up without saying why has not (Judge: a check exit other than 2 is a wrong check)
            if (check.status() != Status.REJECTED || !check.findings().contains(r.rule().id())) {
                assertEquals(2, check.exitCode(), "check must report corruption (" + r.rule().id() + "): " + check.detail());
            }
            citesRule(check, r.rule().id());
        } else if (c instanceof Claim.Open o) {
            Implementation.Result open = call(Capability.OPEN, () -> impl.open(img));
            assertTrue(open.status() == Status.OK || open.status() == Status.REJECTED, "a clean accept or refusal: " + open);
            refused = open.status() == Status.REJECTED;
            if (open.status() == Status.OK && impl.capabilities().contains(Capability.READ_GUEST)) {
                Path raw = img.resolveSibling(name + ".raw");
                Implementation.Result read = impl.readGuest(img, Optional.empty(), raw);
                assertTrue(read.status() == Status.OK || read.status() == Status.REJECTED, "a clean read or refusal: " + read);
                if (read.status() == Status.OK) {
                    assertEquals(ExpectedGuest.sha256(recipe), ExpectedGuest.sha256(Files.readAllBytes(raw)),
                            "must never " + o.never());
                }
            }
        } else if (c instanceof Claim.BitmapContent bc) {
            Implementation.Result r = call(Capability.BITMAPS, () -> impl.bitmap(img, bc.name()));
            assertEquals(Status.OK, r.status(), "bitmap \"" + bc.name() + "\": " + r.detail());
            List<List<Long>> want = recipe.bitmaps().get(recipe.bitmapIndex(bc.name())).description()
                    .ranges(recipe.virtualSize()).stream().map(x -> List.of(x.start(), x.length())).toList();
            assertEquals(want, r.ranges().stream().map(a -> List.of(a[0], a[1])).toList(), "bitmap " + bc.name());
        } else if (c instanceof Claim.BitmapUnusable bu) {
            Implementation.Result r = call(Capability.BITMAPS, () -> impl.bitmap(img, bu.name()));
            assertEquals(Status.REJECTED, r.status(), "bitmap \"" + bu.name() + "\" must not be used: " + r.detail());
        } else if (c instanceof Claim.SnapshotContent sc) {
            Path raw = img.resolveSibling(name + "-snapshot.raw");
            Implementation.Result r = call(Capability.SNAPSHOTS, () -> impl.readGuest(img, Optional.of(sc.name()), raw));
            assertEquals(Status.OK, r.status(), "snapshot \"" + sc.name() + "\": " + r.detail());
            assertEquals(ExpectedGuest.snapshotSha256(recipe, recipe.snapshotIndex(sc.name())),
                    ExpectedGuest.sha256(Files.readAllBytes(raw)), "snapshot \"" + sc.name() + "\" content");
        } else if (c instanceof Claim.GuestMatches) {
            assertEquals(ExpectedGuest.sha256(recipe), ExpectedGuest.sha256(guest()), "guest content");
        } else if (c instanceof Claim.ClusterContent cc) {
            byte[] all = guest();
            int cs = recipe.clusterSize();
            int from = (int) (cc.guestCluster() * cs);
            byte[] got = Arrays.copyOfRange(all, from, (int) Math.min(all.length, from + (long) cs));
            byte[] want = Arrays.copyOf(CompiledScenario.expected(recipe, cc), got.length);
            assertArrayEquals(want, got, "guest cluster " + cc.guestCluster() + " must read as " + cc.source());
        } else if (c instanceof Claim.SubclusterContent sc) {
            int len = CompiledScenario.subclusterSize(recipe);
            int from = (int) (sc.guestCluster() * recipe.clusterSize() + (long) sc.subcluster() * len);
            assertArrayEquals(CompiledScenario.expected(recipe, sc), Arrays.copyOfRange(guest(), from, from + len),
                    "subcluster " + sc.subcluster() + " of guest cluster " + sc.guestCluster() + " must read as " + sc.source());
        }
    }

    /** When an implementation names rules (the model does), the cited rule must be among them. */
    private static void citesRule(Implementation.Result r, String rule) {
        if (!r.findings().isEmpty()) {
            assertTrue(r.findings().contains(rule), "should cite " + rule + ", cited " + r.findings());
        }
    }

    private byte[] guest() throws IOException {
        if (guest == null) {
            Path img = image();
            Path raw = img.resolveSibling(name + ".raw");
            Implementation.Result read = call(Capability.READ_GUEST, () -> impl.readGuest(img, Optional.empty(), raw));
            assertEquals(Status.OK, read.status(), "reading the guest content: " + read.detail());
            guest = Files.readAllBytes(raw);
            assertEquals(recipe.virtualSize(), guest.length, "guest size");
        }
        return guest;
    }

    private Implementation.Result call(Capability needed, java.util.function.Supplier<Implementation.Result> action) {
        Assumptions.assumeTrue(impl.capabilities().contains(needed), impl.name() + " cannot " + needed);
        if (recipe.backing().isPresent()) {
            Assumptions.assumeTrue(impl.capabilities().contains(Capability.BACKING_FILES),
                    impl.name() + " cannot follow backing files");
        }
        if (recipe.dataFile().isPresent()) {
            Assumptions.assumeTrue(impl.capabilities().contains(Capability.DATA_FILES),
                    impl.name() + " cannot read external data files");
        }
        Implementation.Result r = action.get();
        Assumptions.assumeFalse(r.status() == Status.UNSUPPORTED, impl.name() + ": " + r.detail());
        if (r.status() == Status.CRASH || r.status() == Status.TIMEOUT || r.status() == Status.ADAPTER_ERROR) {
            fail(impl.name() + " " + r.status().id() + ": " + r.detail());
        }
        return r;
    }

    /** Writes the image (and its backing file) once, at the first expectation. */
    private Path image() throws IOException {
        if (image == null) {
            Path dir = Files.createDirectories(WORK.resolve(impl.name()).resolve(name));
            ImageFiles w = ImageFiles.write(new ModelImageWriter(), recipe, name);
            image = dir.resolve(w.image());
            Files.write(image, w.bytes());
            if (w.backing().isPresent()) {
                Files.write(dir.resolve(w.backing().get().name()), w.backing().get().bytes());
            }
            if (w.dataFile().isPresent()) {
                Files.write(dir.resolve(w.dataFile().get().name()), w.dataFile().get().bytes());
            }
            if (w.passphrase().isPresent()) {
                Path pass = dir.resolve(w.passphrase().get().name());
                Files.write(pass, w.passphrase().get().bytes());
                Assumptions.assumeTrue(impl.capabilities().contains(Capability.ENCRYPTION),
                        impl.name() + " cannot open encrypted images");
                impl = impl.withPassphraseFile(pass.toAbsolutePath());
            }
        }
        return image;
    }
}
