package io.qcow2conformance.features.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qcow2conformance.generators.image.ExpectedGuest;
import io.qcow2conformance.harness.process.ProcessRunner;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Differential check of the committed golden corpus against the real QEMU: every image is
 * run through {@code qemu-img check} and {@code qemu-img convert -O raw}, and QEMU must do
 * what the manifest says (accept: check exit code and guest SHA-256; reject: refuse at the
 * stated phase) unless golden-images/divergences.json records why QEMU differs. A recorded
 * divergence that no longer diverges fails too, so the record stays true.
 */
class CorpusAgainstQemuTest {
    static final Path GOLDEN = Path.of("..", "golden-images").toAbsolutePath().normalize();
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path tmp;

    @TestFactory
    Stream<DynamicTest> qemuDoesWhatTheManifestSays() throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode manifest = json.readTree(GOLDEN.resolve("manifest.json").toFile());
        Map<String, String> diverging = new HashMap<>();
        Map<String, String> unsafe = new HashMap<>();
        for (JsonNode d : json.readTree(GOLDEN.resolve("divergences.json").toFile()).get("divergences")) {
            if (d.get("implementation").asText().equals("qemu")) {
                diverging.put(d.get("image").asText(), d.get("does").asText());
                if (d.path("unsafeToRun").asBoolean(false)) {
                    unsafe.put(d.get("image").asText(), d.get("does").asText());
                }
            }
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode img : manifest.get("images")) {
            String id = img.get("id").asText();
            tests.add(DynamicTest.dynamicTest(id, () -> {
                Assumptions.assumeTrue(ProcessRunner.which("qemu-img").isPresent(),
                        "qemu-img is not installed (apt-get install qemu-utils); skipped");
                Assumptions.assumeTrue(img.path("proposals").isEmpty(), id + " is judged under proposal "
                        + img.path("proposals") + ", which QEMU does not implement; `qcow2-conformance impact` measures "
                        + "what QEMU does with such images");
                if (unsafe.containsKey(id)) {
                    assertStillHangs(img, unsafe.get(id));
                    return;
                }
                List<String> problems = disagreements(img);
                if (diverging.containsKey(id)) {
                    assertTrue(!problems.isEmpty(), id + " is recorded as a QEMU divergence (" + diverging.get(id)
                            + ") but QEMU now does what the manifest says: remove it from divergences.json");
                } else {
                    assertEquals(List.of(), problems, id + ": QEMU disagrees with the manifest");
                }
            }));
        }
        return tests.stream();
    }

    /** What QEMU does differently from the manifest's expectation for one image; empty when it agrees. */
    private static List<String> disagreements(JsonNode img) throws IOException {
        Path image = GOLDEN.resolve(img.get("file").asText());
        JsonNode expect = img.get("expect");
        ProcessRunner.Result check = qemuImg("check", "-f", "qcow2", image.toString());
        Path raw = tmp.resolve(img.get("id").asText().replace('/', '_') + ".raw");
        ProcessRunner.Result convert = qemuImg("convert", "-f", "qcow2", "-O", "raw", image.toString(), raw.toString());
        List<String> problems = new ArrayList<>();
        switch (img.get("outcome").asText()) {
            case "accept" -> {
                int want = expect.get("check").get("exitCode").asInt();
                if (check.exitCode() != want) {
                    problems.add("qemu-img check exit " + check.exitCode() + ", expected " + want + ": " + check.firstErrorLine());
                }
                if (convert.exitCode() != 0) {
                    problems.add("qemu-img convert failed: " + convert.firstErrorLine());
                } else if (!ExpectedGuest.sha256(Files.readAllBytes(raw)).equals(expect.get("guestSha256").asText())) {
                    problems.add("guest content differs from guestSha256");
                }
            }
            case "reject" -> {
                String phase = expect.get("phase").asText();
                // refusing to open the image (check exit 1 and no guest read) is refusing before the check phase
                boolean refusedAtOpen = check.exitCode() == 1 && convert.exitCode() != 0;
                if (phase.equals("check") && check.exitCode() != 2 && !refusedAtOpen) {
                    problems.add("qemu-img check exit " + check.exitCode() + ", expected 2");
                }
                if (!phase.equals("check") && convert.exitCode() == 0) {
                    problems.add("qemu-img convert read the image; it must refuse at " + phase);
                }
                if (phase.equals("open") && check.exitCode() != 1) {
                    problems.add("qemu-img check opened the image (exit " + check.exitCode() + ")");
                }
            }
            default -> {
                if (convert.exitCode() == 0
                        && !ExpectedGuest.sha256(Files.readAllBytes(raw)).equals(expect.get("guestSha256").asText())) {
                    problems.add("accepted the image but returned other guest data");
                }
            }
        }
        return problems;
    }

    /** Time given to QEMU on an image that makes it loop: enough to refuse, far too little to exhaust memory. */
    static final Duration HANG_PROBE = Duration.ofSeconds(5);

    /**
     * For images QEMU loops on, the evidence is that it gives no answer at all: it is killed
     * after {@link #HANG_PROBE}. A clean refusal in time means the divergence is gone.
     */
    private static void assertStillHangs(JsonNode img, String does) {
        Path image = GOLDEN.resolve(img.get("file").asText());
        ProcessRunner.Result r = ProcessRunner.run(List.of("qemu-img", "check", "-f", "qcow2", image.toString()),
                HANG_PROBE);
        assertTrue(r.timedOut(), img.get("id").asText() + " is recorded as making QEMU loop (" + does
                + ") but qemu-img check answered within " + HANG_PROBE.toSeconds() + " s (exit " + r.exitCode()
                + "): update divergences.json");
    }

    private static ProcessRunner.Result qemuImg(String... args) {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        ProcessRunner.Result r = ProcessRunner.run(cmd, TIMEOUT);
        assertTrue(!r.timedOut() && r.exitCode() < 128, "qemu-img " + String.join(" ", args) + " crashed or hung: " + r.exitCode());
        return r;
    }
}
