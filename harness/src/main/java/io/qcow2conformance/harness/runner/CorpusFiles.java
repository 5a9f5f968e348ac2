package io.qcow2conformance.harness.runner;

import io.qcow2conformance.harness.runner.Manifest.Image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * The files of one golden image as implementations open them. Files stored as they are are
 * opened in the corpus folder; when any file of the image is stored gzip-compressed
 * (manifest {@code "encoding": "gzip"}), all of them are decoded or copied into a folder of
 * their own under the run's work folder, keeping their relative paths (less ".gz"), so a
 * backing file or data file is found by the name the image stores. Every file is checked
 * against its manifest SHA-256 as opened. A corpus decoded in place (the .gz files replaced by
 * their content) is read as it is.
 */
public final class CorpusFiles {
    /** A gzip file that decodes to more than this is refused, not decoded (a corpus is untrusted input). */
    public static final long MAX_DECODED_BYTES = 1L << 30;

    /** The folder to open the image's {@link Image#openedFile()} and companions in, or why the corpus copy is unusable. */
    public record Opened(Optional<Path> root, Optional<String> fault) {
        static Opened at(Path root) {
            return new Opened(Optional.of(root), Optional.empty());
        }

        static Opened faulty(String why) {
            return new Opened(Optional.empty(), Optional.of(why));
        }
    }

    private record Stored(String path, String opened, String sha256, boolean gzip) {
    }

    private CorpusFiles() {
    }

    public static Opened open(Image image, Path corpus, Path work) {
        List<Stored> files = new ArrayList<>();
        files.add(stored(corpus, image.file(), image.openedFile(), image.sha256(), image.encoding()));
        image.files().forEach(f -> files.add(stored(corpus, f.path(), f.openedPath(), f.sha256(), f.encoding())));
        for (Stored f : files) {
            if (!Files.isRegularFile(corpus.resolve(f.path()))) {
                return Opened.faulty("corpus file " + f.path() + " is missing");
            }
        }
        Path root = corpus;
        if (files.stream().anyMatch(Stored::gzip)) {
            root = work.resolve("unpacked").resolve(image.id().replace('/', '_'));
            for (Stored f : files) {
                Optional<String> fault = unpack(corpus.resolve(f.path()), root.resolve(f.opened()), f);
                if (fault.isPresent()) {
                    return Opened.faulty(fault.get());
                }
            }
        }
        for (Stored f : files) {
            if (f.sha256() != null && !f.sha256().equals(Judge.sha256Unchecked(root.resolve(f.opened())))) {
                return Opened.faulty("corpus file " + f.path() + (f.gzip() ? " does not decode to" : " does not match")
                        + " its manifest SHA-256");
            }
        }
        return Opened.at(root);
    }

    /**
     * A file as stored. A gzip-stored file that was decoded in place (say by
     * {@code gunzip -r}, which removes the .gz) is taken as stored as it is, under its decoded name.
     */
    private static Stored stored(Path corpus, String path, String opened, String sha256, String encoding) {
        boolean gzip = Manifest.GZIP.equals(encoding);
        if (gzip && !Files.exists(corpus.resolve(path)) && Files.isRegularFile(corpus.resolve(opened))) {
            return new Stored(opened, opened, sha256, false);
        }
        return new Stored(path, opened, sha256, gzip);
    }

    private static Optional<String> unpack(Path from, Path to, Stored f) {
        try {
            Files.createDirectories(to.getParent());
            if (!f.gzip()) {
                Files.copy(from, to);
                return Optional.empty();
            }
            try (InputStream in = new GZIPInputStream(Files.newInputStream(from), 1 << 16);
                 OutputStream out = Files.newOutputStream(to)) {
                byte[] buf = new byte[1 << 16];
                long total = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    total += n;
                    if (total > MAX_DECODED_BYTES) {
                        return Optional.of("corpus file " + f.path() + " decodes to more than " + (MAX_DECODED_BYTES >> 20)
                                + " MiB; refused");
                    }
                    out.write(buf, 0, n);
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("corpus file " + f.path() + " cannot be " + (f.gzip() ? "decoded as gzip" : "copied") + ": "
                    + e.getMessage());
        }
    }
}
