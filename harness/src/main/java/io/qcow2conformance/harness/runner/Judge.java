package io.qcow2conformance.harness.runner;

import io.qcow2conformance.harness.adapter.Capability;
import io.qcow2conformance.harness.adapter.Implementation;
import io.qcow2conformance.harness.adapter.Status;
import io.qcow2conformance.harness.runner.Manifest.Image;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Judges one image on one implementation against its manifest entry. The steps run in the
 * order a reader meets the data (open, read the guest and its snapshots, bitmaps, check) and
 * stop at the first refusal, crash or timeout:
 * <ul>
 * <li>{@code accept}: every step must succeed, the guest content must have the expected
 *     SHA-256 and the check exit code must be the expected one;</li>
 * <li>{@code reject}: the implementation must refuse cleanly at or before {@code expect.phase};
 *     a crash or timeout is never a refusal, and returned data that differs from the expected
 *     content is wrong data;</li>
 * <li>{@code implementation-defined} / {@code -limit}: any {@code allowed} outcome passes, but
 *     wrong data still fails.</li>
 * </ul>
 * A step the implementation cannot express makes the case skipped (with the reason) when the
 * verdict depends on it; it is never counted as passed.
 */
final class Judge {
    static final String ACCEPT = "accept";
    static final String REJECT = "reject";
    private static final List<String> PHASES = List.of("open", "read", "check");
    /** spec: Header, incompatible_features (byte 72) bit 2: an external data file holds the guest clusters. */
    private static final long DATA_FILE_BIT = 1L << 2;

    /** The verdict before comparison with the expectation file. */
    record Judgement(Verdict verdict, Optional<Verdict.Kind> kind, String detail, List<Step> steps) {
    }

    private final Image image;
    private final Implementation impl;
    private final Path imagePath;
    private final Path work;
    private final Set<Capability> caps;
    private final long maxGuestBytes;
    private final List<Step> steps = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    private Judge(Image image, Implementation impl, Path corpus, Path work, long maxGuestBytes) {
        this.maxGuestBytes = maxGuestBytes;
        this.image = image;
        this.impl = impl;
        this.imagePath = corpus.resolve(image.openedFile());
        this.work = work;
        this.caps = impl.capabilities();
    }

    static Judgement judge(Image image, Implementation impl, Path corpus, Path work, long maxGuestBytes) {
        return new Judge(image, impl, corpus, work, maxGuestBytes).run();
    }

    /** Thrown to end the judgement early with a verdict. */
    private static final class Done extends Exception {
        final Verdict verdict;
        final Verdict.Kind kind;
        final String detail;

        Done(Verdict verdict, Verdict.Kind kind, String detail) {
            super(detail, null, false, false);
            this.verdict = verdict;
            this.kind = kind;
            this.detail = detail;
        }
    }

    private Judgement run() {
        try {
            require(!image.hasFileRole("passphrase") || caps.contains(Capability.ENCRYPTION),
                    "the image is encrypted and " + impl.name() + " declares no encryption support");
            require(caps.contains(Capability.BACKING_FILES) || !(image.hasFileRole("backing") || headerNamesBackingFile()),
                    "the image names a backing file and " + impl.name() + " declares no backing-file support");
            require(caps.contains(Capability.DATA_FILES) || (headerLong(72) & DATA_FILE_BIT) == 0,
                    "the image keeps its guest data in an external data file and " + impl.name()
                            + " declares no data-file support");
            if (caps.contains(Capability.OPEN)) {
                call("open", impl.open(imagePath));
                if (isReject() && phase().equals("open")) {
                    throw new Done(Verdict.FAIL, Verdict.Kind.WRONGLY_ACCEPTED, "opened; must refuse at open ("
                            + image.expect().brokenRule() + ")");
                }
            }
            if (caps.contains(Capability.READ_GUEST)) {
                long size = headerVirtualSize();
                require(size <= maxGuestBytes, "guest read not attempted: the header's virtual size " + size
                        + " exceeds the run's limit of " + maxGuestBytes + " bytes");
                readGuest(Optional.empty(), image.expect().guestSha256());
                for (Manifest.Snapshot s : image.expect().snapshots()) {
                    // the snapshots' content is part of the verdict: without it the case is not judged
                    require(caps.contains(Capability.SNAPSHOTS), "snapshot '" + s.name() + "' not read: "
                            + impl.name() + " cannot read internal snapshots");
                    readGuest(Optional.of(s.name()), s.guestSha256());
                }
            } else {
                require(false, impl.name() + " cannot read guest content, which this verdict needs");
            }
            bitmaps();
            if (isReject() && !PHASES.contains(phase())) {
                throw new Done(Verdict.ADAPTER_ERROR, null, "manifest phase '" + phase() + "' is not open, read or check");
            }
            check();
            return finish();
        } catch (Done d) {
            return new Judgement(d.verdict, Optional.ofNullable(d.kind), withNotes(d.detail), steps);
        }
    }

    private Judgement finish() throws Done {
        if (isReject()) {
            if ("check".equals(phase()) && !caps.contains(Capability.CHECK)) {
                throw new Done(Verdict.SKIPPED, null, "the fault shows only in a consistency check, which "
                        + impl.name() + " does not have");
            }
            throw new Done(Verdict.FAIL, Verdict.Kind.WRONGLY_ACCEPTED, "accepted; must refuse at " + phase()
                    + " (" + image.expect().brokenRule() + ")");
        }
        if (!image.outcome().equals(ACCEPT) && !image.expect().allowed().contains(ACCEPT)) {
            throw new Done(Verdict.FAIL, Verdict.Kind.WRONGLY_ACCEPTED, "accepted; allowed: " + image.expect().allowed());
        }
        throw new Done(Verdict.PASS, null, image.expect().guestSha256() == null ? "accepted"
                : "accepted; guest content as expected");
    }

    private void readGuest(Optional<String> snapshot, String expectedSha256) throws Done {
        String name = snapshot.map(s -> "read:" + s).orElse("read");
        Path raw = work.resolve(UUID.randomUUID() + ".raw");
        try {
            Implementation.Result r = impl.readGuest(imagePath, snapshot, raw);
            if (r.status() != Status.OK) {
                call(name, r);
            }
            long size = Files.exists(raw) ? Files.size(raw) : 0;
            String digest = sha256(raw);
            steps.add(Step.of(name, r, digest));
            if (expectedSha256 != null && !expectedSha256.equals(digest)) {
                Long expectedSize = snapshot.isEmpty() ? image.expect().virtualSize() : null;
                throw new Done(Verdict.FAIL, Verdict.Kind.WRONG_DATA, name + " returned " + size + " bytes with SHA-256 "
                        + digest + ", expected " + (expectedSize == null ? "" : expectedSize + " bytes with ") + expectedSha256);
            }
            if (isReject() && PHASES.indexOf(phase()) <= PHASES.indexOf("read")) {
                throw new Done(Verdict.FAIL, Verdict.Kind.WRONGLY_ACCEPTED, name + " returned guest data; must refuse at "
                        + phase() + " (" + image.expect().brokenRule() + ")");
            }
        } catch (IOException e) {
            throw new Done(Verdict.ADAPTER_ERROR, null, "cannot hash the guest content: " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(raw);
            } catch (IOException ignored) {
                // the work folder is removed at the end of the run
            }
        }
    }

    private void bitmaps() throws Done {
        for (Manifest.Bitmap b : image.expect().bitmaps()) {
            if (!caps.contains(Capability.BITMAPS)) {
                notes.add("bitmap '" + b.name() + "' not compared (no bitmap support)");
                continue;
            }
            Implementation.Result r = impl.bitmap(imagePath, b.name());
            if (b.mustNotBeUsed()) {
                if (r.status() != Status.OK && r.status() != Status.REJECTED) {
                    call("bitmap:" + b.name(), r);
                }
                steps.add(Step.of("bitmap:" + b.name(), r, null));
                if (r.status() == Status.OK) {
                    throw new Done(Verdict.FAIL, Verdict.Kind.WRONG_DATA, "reported bitmap '" + b.name()
                            + "', which must not be used");
                }
                continue;
            }
            call("bitmap:" + b.name(), r);
            List<List<Long>> got = r.ranges().stream().map(p -> Arrays.stream(p).boxed().toList()).toList();
            List<List<Long>> want = b.ranges() == null ? List.of()
                    : b.ranges().stream().map(x -> List.of(x.offset(), x.length())).toList();
            if (!got.equals(want)) {
                throw new Done(Verdict.FAIL, Verdict.Kind.WRONG_DATA, "bitmap '" + b.name() + "' ranges " + got
                        + ", expected " + want);
            }
        }
    }

    private void check() throws Done {
        Manifest.Check expected = image.expect().check();
        boolean judged = image.outcome().equals(ACCEPT) ? expected != null : isReject();
        if (!judged || !caps.contains(Capability.CHECK)) {
            return;
        }
        Implementation.Result r = impl.check(imagePath);
        if (r.status() != Status.OK && r.status() != Status.REJECTED) {
            call("check", r);
        }
        steps.add(Step.of("check", r, null));
        if (expected != null && expected.exitCode() != null && expected.exitCode() != r.exitCode()) {
            throw new Done(Verdict.FAIL, Verdict.Kind.WRONG_CHECK, "check exit " + r.exitCode() + " (" + r.detail()
                    + "), expected " + expected.exitCode());
        }
        if (isReject()) {
            if (r.exitCode() == 0) {
                throw new Done(Verdict.FAIL, Verdict.Kind.WRONGLY_ACCEPTED, "check found nothing; must report "
                        + image.expect().brokenRule());
            }
            throw new Done(Verdict.PASS, null, "check exit " + r.exitCode() + ": " + r.detail());
        }
    }

    /** Records a call; ends the judgement on anything but success. */
    private void call(String step, Implementation.Result r) throws Done {
        if (r.status() != Status.OK || !step.startsWith("read")) {
            steps.add(Step.of(step, r, null));
        }
        String what = step + ": " + r.detail();
        switch (r.status()) {
            case OK -> {
            }
            case REJECTED -> refused(step, r.detail());
            case CRASH -> throw new Done(Verdict.CRASH, null, what);
            case TIMEOUT -> throw new Done(Verdict.TIMEOUT, null, what);
            case ADAPTER_ERROR -> throw new Done(Verdict.ADAPTER_ERROR, null, what);
            case UNSUPPORTED -> throw new Done(Verdict.SKIPPED, null, what);
            default -> throw new IllegalStateException(r.status().toString());
        }
    }

    private void refused(String step, String detail) throws Done {
        String at = step.startsWith("read") ? "read" : step.startsWith("bitmap") ? "read" : step;
        String what = "refused at " + step + ": " + detail;
        if (image.outcome().equals(ACCEPT)) {
            throw new Done(Verdict.FAIL, Verdict.Kind.WRONGLY_REJECTED, what);
        }
        if (isReject()) {
            if (PHASES.indexOf(at) <= PHASES.indexOf(phase())) {
                throw new Done(Verdict.PASS, null, what);
            }
            throw new Done(Verdict.FAIL, Verdict.Kind.WRONGLY_ACCEPTED, what + "; must refuse at " + phase());
        }
        if (image.expect().allowed().contains(REJECT)) {
            throw new Done(Verdict.PASS, null, what);
        }
        throw new Done(Verdict.FAIL, Verdict.Kind.WRONGLY_REJECTED, what + "; allowed: " + image.expect().allowed());
    }

    /**
     * The virtual size the image's header claims (spec: Header, bytes 24-31), read here so that
     * a huge claim is not streamed through a temporary file; 0 when the file is too short.
     */
    /** The header's virtual size (spec: Header, bytes 24-31); 0 when the file is too short. */
    private long headerVirtualSize() throws Done {
        long size = headerLong(24);
        return size < 0 ? Long.MAX_VALUE : size;
    }

    /**
     * Whether the header names a backing file (spec: Header, backing_file_offset at byte 8 and
     * backing_file_size at byte 16, both non-zero), even one missing from the corpus.
     */
    private boolean headerNamesBackingFile() throws Done {
        return headerLong(8) != 0 && (headerLong(16) >>> 32) != 0;
    }

    /** The big-endian 64-bit value at {@code offset} of the image file; 0 past its end. */
    private long headerLong(long offset) throws Done {
        try (var f = new java.io.RandomAccessFile(imagePath.toFile(), "r")) {
            if (f.length() < offset + 8) {
                return 0;
            }
            f.seek(offset);
            return f.readLong();
        } catch (IOException e) {
            throw new Done(Verdict.ADAPTER_ERROR, null, "cannot read the image header: " + e.getMessage());
        }
    }

    private static void require(boolean ok, String why) throws Done {
        if (!ok) {
            throw new Done(Verdict.SKIPPED, null, why);
        }
    }

    private boolean isReject() {
        return image.outcome().equals(REJECT);
    }

    private String phase() {
        return image.expect().phase() == null ? "open" : image.expect().phase();
    }

    private String withNotes(String detail) {
        return notes.isEmpty() ? detail : detail + " [" + String.join("; ", notes) + "]";
    }

    /** SHA-256 of a file, streamed; an absent file hashes as empty content. */
    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (Files.exists(file)) {
            try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256Unchecked(Path file) {
        try {
            return sha256(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
