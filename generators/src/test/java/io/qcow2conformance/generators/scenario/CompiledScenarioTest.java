package io.qcow2conformance.generators.scenario;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.generators.image.ExpectedGuest;
import io.qcow2conformance.generators.image.ModelImageWriter;
import io.qcow2conformance.generators.image.WrittenImage;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.image.Qcow2Image;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.Level;
import io.qcow2conformance.model.rules.Rule;
import io.qcow2conformance.model.snapshot.Snapshot;
import io.qcow2conformance.model.snapshot.SnapshotDisk;
import io.qcow2conformance.model.write.GuestPattern;
import io.qcow2conformance.model.write.ImageDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** Scenarios that contradict themselves do not compile; faults land where the spec puts the field. */
class CompiledScenarioTest {
    private static final String GEOMETRY = "a version 3 image with 512-byte clusters and a 64 KiB virtual disk";

    private static ScenarioCase scenario(List<Rule> rules, String... steps) {
        return scenario("header", List.of(GEOMETRY), rules, steps);
    }

    private static ScenarioCase scenario(String area, List<String> first, List<Rule> rules, String... steps) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(steps));
        return new ScenarioCase("x", "features/scenarios/t.feature", 3, area, "s", "", rules, Level.MUST,
                List.of(), false, all);
    }

    @Test
    void aContentClaimMustFollowFromTheDescription() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> CompiledScenario.compile(scenario(List.of(),
                "guest cluster 2 holds data", "the image is valid", "reading guest cluster 2 returns zeros")));
        assertTrue(e.getMessage().contains("guest cluster 2 cannot read as ZEROS"), e.getMessage());
    }

    @Test
    void exactlyOneVerdict() {
        assertThrows(ScenarioException.class, () -> CompiledScenario.compile(scenario(List.of(),
                "reading guest cluster 2 returns zeros")));
        assertThrows(ScenarioException.class, () -> CompiledScenario.compile(scenario(List.of(Rule.HEADER_VERSION),
                "the image is valid", "a reader must reject the image when opening it, citing rule \"header.version\"")));
    }

    @Test
    void theCitedRuleMustBeTagged() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> CompiledScenario.compile(scenario(List.of(),
                "a reader must reject the image when opening it, citing rule \"header.version\"")));
        assertTrue(e.getMessage().contains("@rule:header.version"), e.getMessage());
    }

    @Test
    void descriptionsComeBeforeExpectations() {
        assertThrows(ScenarioException.class, () -> CompiledScenario.compile(scenario(List.of(),
                "the image is valid", "guest cluster 2 holds data")));
    }

    @Test
    void anUnknownStepIsRefusedWithAPointerToTheDocs() {
        StepException e = assertThrows(StepException.class,
                () -> Vocabulary.apply("the image is shiny", new io.qcow2conformance.generators.image.ImageRecipe()));
        assertTrue(e.getMessage().contains("docs/writing-scenarios.md"), e.getMessage());
    }

    private static ScenarioCase extendedL2(List<Rule> rules, String... steps) {
        return scenario("extended-l2", List.of("a version 3 image with 16 KiB clusters and a 32 KiB virtual disk",
                "the image uses extended L2 entries"), rules, steps);
    }

    @Test
    void aSubclusterClaimMustFollowFromTheDescription() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> CompiledScenario.compile(extendedL2(List.of(),
                "subclusters 0 to 3 of guest cluster 1 hold data", "the image is valid",
                "reading subcluster 4 of guest cluster 1 returns its data")));
        assertTrue(e.getMessage().contains("subcluster 4 of guest cluster 1 cannot read as OWN_DATA"), e.getMessage());
        CompiledScenario.compile(extendedL2(List.of(), "subclusters 0 to 3 of guest cluster 1 hold data",
                "subcluster 5 of guest cluster 1 is zero", "the image is valid",
                "reading subcluster 3 of guest cluster 1 returns its data",
                "reading subcluster 4 of guest cluster 1 returns zeros",
                "reading subcluster 5 of guest cluster 1 returns zeros"));
    }

    @Test
    void subclustersNeedExtendedL2Entries() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> CompiledScenario.compile(scenario(List.of(),
                "subcluster 0 of guest cluster 1 holds data", "the image is valid")));
        assertTrue(e.getMessage().contains("extended L2 entries"), e.getMessage());
        e = assertThrows(ScenarioException.class, () -> CompiledScenario.compile(scenario(List.of(),
                "the image uses extended L2 entries", "the image is valid")));
        assertTrue(e.getMessage().contains("clusters of 16 KiB or more"), e.getMessage());
    }

    @Test
    void aSubclusterBitmapFaultLandsInTheSecondHalfOfTheEntry() {
        // spec: Extended L2 Entries: 16-byte entries; bytes 8-15 are the bitmap, bit n allocates
        // subcluster n and bit 32 + n marks it zero. The L1 table offset is header bytes 40-47.
        CompiledScenario s = CompiledScenario.compile(extendedL2(List.of(Rule.MAPPING_SUBCLUSTER_ALLOC_AND_ZERO),
                "subclusters 0 to 3 of guest cluster 1 hold data",
                "bit 34 of the subcluster bitmap of the L2 entry for guest cluster 1 is set",
                "a reader must refuse to read guest cluster 1, citing rule \"mapping.extended-l2.bitmap.alloc-and-zero\""));
        byte[] img = new ModelImageWriter().write(s.recipe(), "unused").bytes();
        assertEquals(1L << 4, BigEndian.u64(img, 72) & (1L << 4), "incompatible bit 4");
        int l2 = (int) (BigEndian.u64(img, (int) BigEndian.u64(img, 40)) & 0x00fffffffffffe00L);
        assertEquals(0xfL | 1L << 34, BigEndian.u64(img, l2 + 16 + 8));
        assertEquals(0, BigEndian.u64(img, l2 + 8), "guest cluster 0 is unallocated");
    }

    @Test
    void aHeaderFaultLandsInTheFieldTheSpecNames(@TempDir Path tmp) throws IOException {
        // spec: Header: incompatible_features is the 8-byte big-endian field at byte 72;
        // the model's decoder (independent of the writer) reads it back.
        CompiledScenario s = CompiledScenario.compile(scenario(List.of(Rule.HEADER_INCOMPATIBLE_UNKNOWN),
                "bit 5 of header field \"incompatible_features\" is set",
                "a reader must reject the image when opening it, citing rule \"header.incompatible_features.unknown\""));
        WrittenImage w = new ModelImageWriter().write(s.recipe(), "unused");
        assertEquals(0x20, w.bytes()[79] & 0xff, "byte 79 is the least significant byte of incompatible_features");
        Path img = tmp.resolve("i.qcow2");
        Files.write(img, w.bytes());
        try (ImageSource src = ImageSource.open(img)) {
            Header h = HeaderDecoder.decode(src);
            assertEquals(1L << 5, h.incompatibleFeatures());
            assertEquals(9, h.clusterBits());
            assertEquals(64 << 10, h.size());
        }
        assertEquals("reject", s.outcome());
        assertEquals("open", s.phase().orElseThrow());
        assertEquals(Paths.get("features/scenarios/t.feature").toString(), s.scenario().feature());
    }
    @Test
    void aSnapshotFieldFaultLandsInTheEntryTheDecoderReads(@TempDir Path tmp) throws IOException {
        // spec: Snapshots > Snapshot table entry: l1_size is the 4-byte field at byte 8 of the
        // entry; the model's snapshot decoder (independent of the writer) reads it back
        CompiledScenario s = CompiledScenario.compile(scenario(List.of(),
                "guest cluster 0 holds data", "a snapshot \"a\" is taken", "a snapshot \"b\" is taken",
                "snapshot \"b\" has 40 bytes of extra data",
                "field \"l1_size\" of the table entry of snapshot \"b\" is set to 7", "the image is valid"));
        Path img = tmp.resolve("s.qcow2");
        Files.write(img, new ModelImageWriter().write(s.recipe(), "unused").bytes());
        try (Qcow2Image image = Qcow2Image.open(img, Limits.DEFAULT)) {
            List<Snapshot> entries = SnapshotDisk.table(image).entries();
            assertEquals(List.of("1", "2"), entries.stream().map(Snapshot::id).toList());
            assertEquals(List.of("a", "b"), entries.stream().map(Snapshot::name).toList());
            assertEquals(2, entries.get(0).l1Size(), "64 KiB / (64 entries per L2 table * 512 bytes)");
            assertEquals(7, entries.get(1).l1Size());
            assertEquals(40, entries.get(1).extraDataSize());
        }
    }

    @Test
    void aClusterDescribedAgainAfterASnapshotIsRewrittenInTheNextLayer() {
        // the snapshot keeps layer 0; the rewrite after the first snapshot is layer 2
        // (ImageRecipe.LAYER_AFTER_SNAPSHOT), so "its data" is that layer's pattern
        CompiledScenario s = CompiledScenario.compile(scenario(List.of(), "guest clusters 0 to 1 hold data",
                "a snapshot \"a\" is taken", "guest cluster 1 holds data", "the image is valid",
                "reading guest cluster 1 returns its data", "reading guest cluster 0 returns its data",
                "snapshot \"a\" reads as the guest content when it was taken"));
        byte[] layer2 = new byte[512];
        GuestPattern.fill(512, 2, layer2, 0, 512);
        assertArrayEquals(layer2, ExpectedGuest.cluster(s.recipe(), 1));
        assertEquals(0, ExpectedGuest.layer(s.recipe(), 0));
        ImageDescription d = ModelImageWriter.describe(s.recipe(), "unused");
        assertEquals(1, d.snapshots().size());
        assertEquals(2, d.snapshots().get(0).operations(), "the snapshot captures the two writes before it");
        assertEquals(3, d.operations().size());
    }

    @Test
    void aSnapshotClaimNamesATakenSnapshot() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> CompiledScenario.compile(scenario(List.of(),
                "guest cluster 0 holds data", "the image is valid",
                "snapshot \"nope\" reads as the guest content when it was taken")));
        assertTrue(e.getMessage().contains("no snapshot \"nope\""), e.getMessage());
    }
}
