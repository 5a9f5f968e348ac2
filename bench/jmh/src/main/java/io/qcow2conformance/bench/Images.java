package io.qcow2conformance.bench;

import io.qcow2conformance.model.write.ImageDescription;
import io.qcow2conformance.model.write.Qcow2Writer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Benchmark images, written once per trial by the model's own writer into a temporary folder. */
final class Images {
    private Images() {
    }

    static Path write(ImageDescription d) {
        try {
            Path dir = Files.createTempDirectory("qcow2-jmh");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve("bench.qcow2");
            Qcow2Writer.write(d, file);
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
