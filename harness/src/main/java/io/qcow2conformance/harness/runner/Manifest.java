package io.qcow2conformance.harness.runner;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.generators.corpus.Corpus;
import io.qcow2conformance.harness.cli.Main;
import io.qcow2conformance.model.write.Gzip;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The golden corpus manifest, version 1 ({@code golden-images/manifest.schema.json}): what a
 * correct implementation must do with each image. Read as-is; unknown fields are ignored so
 * that a newer minor addition does not break an older runner.
 *
 * @param sha256 SHA-256 of the manifest file itself, recorded in results.json
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Manifest(int manifestVersion, String kit, Spec spec, String guestPattern, List<Image> images,
                       String sha256) {
    public static final String FILE = "manifest.json";
    public static final int VERSION = 1;

    public Manifest {
        images = images == null ? List.of() : List.copyOf(images);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Spec(String text, String source) {
    }

    /** A file an image needs; {@code encoding} as for {@link Image#encoding()}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record File(String path, String sha256, String role, String encoding) {
        /** Where the file is once decoded, relative to the corpus folder. */
        public String openedPath() {
            return opened(path, encoding);
        }
    }

    /** How a file is stored: {@code "gzip"} (path ends in ".gz"), or null when stored as it is; the generator's name for it. */
    public static final String GZIP = Corpus.GZIP;

    /** The path of a stored file once decoded: a gzip-stored file loses its ".gz". */
    static String opened(String path, String encoding) {
        return GZIP.equals(encoding) && path.endsWith(Gzip.SUFFIX) ? path.substring(0, path.length() - Gzip.SUFFIX.length()) : path;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Scenario(String feature, String name) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Range(long offset, long length) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Check(Integer exitCode, Integer corruptions, Integer leaks) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Snapshot(String id, String name, Long virtualSize, String guestSha256) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    /** An expected bitmap: its ranges, or {@code usable} false when a reader must refuse to use it. */
    public record Bitmap(String name, Long granularity, List<Range> ranges, Boolean usable) {
        public boolean mustNotBeUsed() {
            return Boolean.FALSE.equals(usable);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Expect(Long virtualSize, String guestSha256, Check check, String brokenRule, String phase,
                         Range readRange, List<String> allowed, String never, List<Snapshot> snapshots,
                         List<Bitmap> bitmaps) {
        public Expect {
            allowed = allowed == null ? List.of() : List.copyOf(allowed);
            snapshots = snapshots == null ? List.of() : List.copyOf(snapshots);
            bitmaps = bitmaps == null ? List.of() : List.copyOf(bitmaps);
        }
    }

    /**
     * One golden image; {@code outcome} is accept, reject, implementation-defined or
     * implementation-limit. {@code encoding} "gzip" means {@code file} holds the image
     * gzip-compressed; {@code sha256} is always that of the image itself.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Image(String id, String file, String sha256, List<File> files, Scenario scenario, String area,
                        String profile, List<String> proposals, List<String> rules, String level,
                        String description, String outcome, Expect expect, String encoding) {
        public Image {
            files = files == null ? List.of() : List.copyOf(files);
            proposals = proposals == null ? List.of() : List.copyOf(proposals);
            rules = rules == null ? List.of() : List.copyOf(rules);
            expect = expect == null ? new Expect(null, null, null, null, null, null, null, null, null, null) : expect;
        }

        /** Where the image is once decoded, relative to the corpus folder. */
        public String openedFile() {
            return opened(file, encoding);
        }

        public boolean hasFileRole(String role) {
            return files.stream().anyMatch(f -> role.equals(f.role()));
        }

        public Optional<String> firstRule() {
            return Optional.ofNullable(expect.brokenRule()).or(() -> rules.stream().findFirst());
        }
    }

    private static final ObjectReader READER = Json.MAPPER.readerFor(Manifest.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Reads {@code corpus/manifest.json}; a missing or malformed manifest is a one-line user error. */
    public static Manifest load(Path corpus) {
        Path file = corpus.resolve(FILE);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new Main.UserError("no corpus manifest at " + file
                    + "; run 'qcow2-conformance generate' to build the golden corpus, or pass --corpus DIR");
        } catch (IOException e) {
            throw new Main.UserError("cannot read " + file + ": " + e.getMessage());
        }
        Manifest m;
        try {
            m = READER.readValue(bytes);
        } catch (IOException e) {
            throw new Main.UserError(file + " is not a valid corpus manifest: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (m.manifestVersion() != VERSION) {
            throw new Main.UserError(file + ": manifestVersion " + m.manifestVersion() + " is not supported (this runner reads "
                    + VERSION + ")");
        }
        for (Image i : m.images()) {
            if (i.id() == null || i.file() == null || i.outcome() == null) {
                throw new Main.UserError(file + ": an image lacks id, file or outcome");
            }
            for (String encoding : encodings(i)) {
                if (encoding != null && !GZIP.equals(encoding)) {
                    throw new Main.UserError(file + ": image " + i.id() + " has a file with encoding '" + encoding
                            + "'; this runner reads files stored as they are or as gzip");
                }
            }
        }
        return new Manifest(m.manifestVersion(), m.kit(), m.spec(), m.guestPattern(), m.images(), sha256(bytes));
    }

    private static List<String> encodings(Image i) {
        List<String> out = new java.util.ArrayList<>();
        out.add(i.encoding());
        i.files().forEach(f -> out.add(f.encoding()));
        return out;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
