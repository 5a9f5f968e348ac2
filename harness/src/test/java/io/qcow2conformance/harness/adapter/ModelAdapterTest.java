package io.qcow2conformance.harness.adapter;

import io.qcow2conformance.harness.testkit.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The in-process model adapter. The model's info/convert/check commands are written
 * elsewhere, so this checks only what holds whatever they do: the version is the kit's, and a
 * file that is not an image is never reported as opened or read.
 */
class ModelAdapterTest {
    @TempDir
    Path dir;
    private final ModelAdapter model = new ModelAdapter(Duration.ofSeconds(60));

    @Test
    void isAlwaysAvailableAndReportsTheKitVersion() {
        assertEquals(Optional.empty(), model.unavailableReason());
        assertEquals(Cli.run("--version").out().strip(), model.version().orElseThrow());
        assertTrue(model.version().get().startsWith("qcow2-conformance"));
    }

    @Test
    void neverAcceptsAFileThatIsNotAnImage() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.qcow2"), "not a qcow2 image at all");
        Set<Status> notAccepted = Set.of(Status.REJECTED, Status.ADAPTER_ERROR);
        assertTrue(notAccepted.contains(model.open(junk).status()));
        Implementation.Result read = model.readGuest(junk, Optional.empty(), dir.resolve("junk.raw"));
        assertNotEquals(Status.OK, read.status());
        assertNotEquals(Status.CRASH, read.status(), read.detail());
    }
}
