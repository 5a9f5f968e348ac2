package io.qcow2conformance.harness.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The training run of {@code bin/qcow2-conformance}'s class data sharing archive: runs the
 * commands users time most ({@code check}, {@code convert}, {@code info}, both output
 * forms) on the images named as arguments, discarding their output, so that the JVM
 * started with {@code -XX:ArchiveClassesAtExit} archives the classes they load. Not a
 * user command; the launcher runs it once per build of the jar (see docs/performance.md).
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] images) throws IOException {
        PrintWriter discard = new PrintWriter(OutputStream.nullOutputStream(), true);
        Path dir = Files.createTempDirectory("qcow2-conformance-cds");
        try {
            for (String image : images) {
                Path out = dir.resolve("out.raw");
                for (String[] args : new String[][] {
                        {"check", image}, {"check", "--output", "json", image},
                        {"info", image}, {"info", "--output", "json", image},
                        {"convert", image, out.toString()}}) {
                    Main.run(args, discard, discard);
                }
            }
            Main.run(new String[] {"--help"}, discard, discard);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
