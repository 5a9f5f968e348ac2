package io.qcow2conformance.generators.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qcow2conformance.generators.corpus.Corpus;
import io.qcow2conformance.generators.image.ImageFiles;
import io.qcow2conformance.generators.image.ImageRecipe;
import io.qcow2conformance.generators.image.ModelImageWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The step that takes many snapshots at once: the entries are read back from the image bytes
 * at the spec's offsets (spec: Header, nb_snapshots at byte 60 and snapshots_offset at byte
 * 64; Snapshots > Snapshot table entry: id_str_size at byte 12, name_size at 14,
 * extra_data_size at 36, then the extra data, the ID and the name from byte 40, each entry
 * padded to a multiple of 8), never through the writer's layout; and the manifest lists the
 * snapshots of an implementation-limit image only where a step states their content.
 */
class SnapshotStepsTest {
    private static ImageRecipe recipe(String... steps) {
        ImageRecipe r = new ImageRecipe();
        Vocabulary.apply("a version 3 image with 512-byte clusters and a 4 KiB virtual disk", r);
        Vocabulary.apply("guest cluster 0 holds data", r);
        for (String s : steps) {
            Vocabulary.apply(s, r);
        }
        return r;
    }

    /** Each entry's ID and name, in table order. */
    private static List<String[]> entries(byte[] img) {
        ByteBuffer b = ByteBuffer.wrap(img);
        int count = b.getInt(60);
        long at = b.getLong(64);
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int p = (int) at;
            int idSize = Short.toUnsignedInt(b.getShort(p + 12));
            int nameSize = Short.toUnsignedInt(b.getShort(p + 14));
            int extra = b.getInt(p + 36);
            int id = p + 40 + extra;
            out.add(new String[] {new String(img, id, idSize, StandardCharsets.UTF_8),
                new String(img, id + idSize, nameSize, StandardCharsets.UTF_8)});
            at = (id + idSize + nameSize + 7L) & ~7L;
        }
        return out;
    }

    @Test
    void snapshotsTakenAtOnceAreNamedByTheirIdsPaddedToTheLengthAsked() {
        ImageRecipe r = recipe("a snapshot \"first\" is taken", "3 snapshots with 6-byte names are taken",
                "2 snapshots are taken");
        List<String[]> e = entries(ImageFiles.write(new ModelImageWriter(), r, "x").bytes());
        List<String> got = e.stream().map(x -> x[0] + "=" + x[1]).toList();
        assertEquals(List.of("1=first", "2=2-----", "3=3-----", "4=4-----", "5=5", "6=6"), got);
    }

    @Test
    void aNameTooShortForItsIdOrDataAfterTheLastLayerIsRefused() {
        assertThrows(RuntimeException.class, () -> recipe("10 snapshots with 1-byte names are taken"));
        assertThrows(RuntimeException.class, () -> recipe("a snapshot \"2\" is taken", "1 snapshots are taken"),
                "names are unique");
        // layer 2 + k is one byte: data may follow snapshot 253 (from 0), not snapshot 254
        recipe("254 snapshots are taken", "guest cluster 1 holds data");
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> recipe("255 snapshots are taken", "guest cluster 1 holds data"));
        assertTrue(e.getMessage().contains("layer"), e.getMessage());
    }

    @Test
    void anImplementationLimitImageListsOnlyTheSnapshotsAStepNames(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("limits.feature"), """
                @area:snapshot
                Feature: limits

                  @id:snap-test-listed @rule:snapshot.table.nb_snapshots.max-qemu @implementation-limit
                  Scenario: Two snapshots, one named in a content step
                    Given a version 3 image with 512-byte clusters and a 4 KiB virtual disk
                    And guest cluster 0 holds data
                    And a snapshot "a" is taken
                    And a snapshot "b" is taken
                    Then the outcome is an implementation limit: a reader may accept or reject the image, but must never return guest data other than the pattern
                    And snapshot "b" reads as the guest content when it was taken

                  @id:snap-test-valid @rule:snapshot.table.in-file @must
                  Scenario: Two snapshots of a valid image
                    Given a version 3 image with 512-byte clusters and a 4 KiB virtual disk
                    And guest cluster 0 holds data
                    And 2 snapshots are taken
                    Then the image is valid
                """);
        byte[] manifest = new Corpus(new ModelImageWriter()).generate(FeatureCatalog.load(dir)).get("manifest.json");
        JsonNode images = new ObjectMapper().readTree(manifest).path("images");
        assertEquals(2, images.size());
        for (JsonNode img : images) {
            List<String> names = new ArrayList<>();
            img.path("expect").path("snapshots").forEach(s -> names.add(s.path("name").asText()));
            assertEquals(img.path("id").asText().equals("snap-test-listed") ? List.of("b") : List.of("1", "2"), names,
                    img.path("id").asText());
        }
    }
}
