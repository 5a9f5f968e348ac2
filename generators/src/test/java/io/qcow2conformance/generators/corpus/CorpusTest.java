package io.qcow2conformance.generators.corpus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.qcow2conformance.generators.image.ExpectedGuest;
import io.qcow2conformance.generators.image.ModelImageWriter;
import io.qcow2conformance.generators.scenario.FeatureCatalog;
import io.qcow2conformance.generators.scenario.ScenarioCase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/** The committed corpus is what the scenarios generate, byte for byte, and the manifest follows its schema. */
class CorpusTest {
    /** Surefire runs with the module folder as working directory. */
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path GOLDEN = ROOT.resolve("golden-images");

    static List<ScenarioCase> cases;
    static SortedMap<String, byte[]> generated;

    @BeforeAll
    static void generate() {
        cases = FeatureCatalog.load(ROOT.resolve(FeatureCatalog.SCENARIOS_DIR));
        generated = new Corpus(new ModelImageWriter()).generate(cases);
    }

    @Test
    void generatingTwiceGivesIdenticalBytes() {
        SortedMap<String, byte[]> again = new Corpus(new ModelImageWriter())
                .generate(FeatureCatalog.load(ROOT.resolve(FeatureCatalog.SCENARIOS_DIR)));
        assertEquals(generated.keySet(), again.keySet());
        for (Map.Entry<String, byte[]> e : generated.entrySet()) {
            assertArrayEquals(e.getValue(), again.get(e.getKey()), e.getKey());
        }
    }

    @Test
    void committedCorpusIsUpToDate() throws IOException {
        List<String> diff = Corpus.diff(generated, GOLDEN);
        assertTrue(diff.isEmpty(), "golden-images/ differs from the scenarios (run 'qcow2-conformance generate'): " + diff);
    }

    @Test
    void manifestFollowsItsSchema() throws IOException {
        JsonNode manifest = new ObjectMapper().readTree(generated.get(Corpus.MANIFEST));
        Set<ValidationMessage> errors = schema().validate(manifest);
        assertTrue(errors.isEmpty(), errors.toString());
        assertEquals(cases.size(), manifest.get("images").size());
    }

    @Test
    void schemaValidationCanFail() throws IOException {
        JsonNode manifest = new ObjectMapper().readTree(generated.get(Corpus.MANIFEST));
        ((com.fasterxml.jackson.databind.node.ObjectNode) manifest.get("images").get(0).get("expect")).removeAll();
        assertTrue(!schema().validate(manifest).isEmpty(), "an image without expectations must not validate");
    }

    private static JsonSchema schema() throws IOException {
        try (InputStream in = Files.newInputStream(GOLDEN.resolve("manifest.schema.json"))) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }

    @Test
    void everyManifestFileExistsWithItsSha256() throws IOException {
        JsonNode manifest = new ObjectMapper().readTree(GOLDEN.resolve(Corpus.MANIFEST).toFile());
        for (JsonNode img : manifest.get("images")) {
            assertFile(img, "file");
            if (img.has("files")) {
                for (JsonNode f : img.get("files")) {
                    assertFile(f, "path");
                }
            }
        }
    }

    @Test
    void writeReplacesOnlyTheGeneratedPart(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("corpus");
        Files.createDirectories(dir.resolve("stale-area"));
        Files.writeString(dir.resolve("stale-area/old.qcow2"), "old");
        Files.writeString(dir.resolve("README.md"), "hand-written");
        Corpus.write(generated, dir);
        assertEquals("hand-written", Files.readString(dir.resolve("README.md")));
        assertTrue(Files.notExists(dir.resolve("stale-area")), "folders the generator did not write are removed");
        assertEquals(List.of(), Corpus.diff(generated, dir));
        Files.write(dir.resolve(Corpus.MANIFEST), new byte[] {'{', '}'});
        assertEquals(List.of("differs: manifest.json"), Corpus.diff(generated, dir));
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(dir), s.toList(), "no temporary folders are left behind");
        }
    }

    /**
     * The file exists and holds its SHA-256; a file over Corpus.GZIP_ABOVE bytes is stored as
     * gzip (decoded here by the JDK's reader) under its name plus ".gz", any other as it is.
     */
    private static void assertFile(JsonNode entry, String pathField) throws IOException {
        String rel = entry.get(pathField).asText();
        boolean gzip = entry.has("encoding");
        Path p = GOLDEN.resolve(rel);
        assertTrue(Files.isRegularFile(p), rel + " is missing");
        byte[] bytes = Files.readAllBytes(p);
        if (gzip) {
            assertEquals(Corpus.GZIP, entry.get("encoding").asText(), rel);
            assertTrue(rel.endsWith(".gz"), rel);
            try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
                bytes = in.readAllBytes();
            }
        }
        assertEquals(gzip, bytes.length > Corpus.GZIP_ABOVE, rel + " (" + bytes.length + " bytes) is stored "
                + (gzip ? "as gzip" : "as it is"));
        assertEquals(entry.get("sha256").asText(), ExpectedGuest.sha256(bytes), rel);
    }
}
