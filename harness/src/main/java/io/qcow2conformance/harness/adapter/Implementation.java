package io.qcow2conformance.harness.adapter;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An implementation under test: the reference model, QEMU, libqcow, 7-Zip or any command
 * speaking the kit's protocol. Each call has a timeout and returns a classified result.
 */
public interface Implementation {
    /** Short stable name: {@code model}, {@code qemu}, {@code libqcow}, {@code 7zip}, {@code command:NAME}. */
    String name();

    /** The implementation's own version string, when it tells. */
    Optional<String> version();

    /** Why it cannot run on this machine (program missing...), or empty when it can. */
    Optional<String> unavailableReason();

    Set<Capability> capabilities();

    /**
     * Opens the image (and reads nothing else): OK when accepted, REJECTED when refused.
     * {@code detail} carries the message.
     */
    Result open(Path image);

    /**
     * Writes the whole guest content of {@code image} (or of snapshot {@code snapshot},
     * when given) as raw bytes to {@code rawOut}. OK means {@code rawOut} holds the content.
     */
    Result readGuest(Path image, Optional<String> snapshot, Path rawOut);

    /** Runs a consistency check; {@link Result#exitCode()} uses qemu-img check's codes. */
    Result check(Path image);

    /**
     * This implementation judging images that carry the proposed spec changes {@code proposalIds}
     * (a manifest's {@code proposals}); implementations that know no proposals return themselves.
     */
    default Implementation forProposals(List<String> proposalIds) {
        return this;
    }

    /**
     * This implementation opening encrypted images with the passphrase held in {@code file} (its
     * bytes exactly: a manifest file of role {@code passphrase}). Implementations without
     * {@link Capability#ENCRYPTION} return themselves; the runner skips encrypted images for them.
     */
    default Implementation withPassphraseFile(Path file) {
        return this;
    }

    /** The set ranges of persistent bitmap {@code name}, in guest bytes, merged and sorted. */
    default Result bitmap(Path image, String name) {
        return Result.unsupported(name() + " cannot report bitmaps");
    }

    /**
     * The outcome of one call.
     *
     * @param status   how the call ended
     * @param exitCode the program's exit code (or the model's equivalent), -1 when none
     * @param detail   one line: the error message, the reason for a skip, or a summary
     * @param findings rule IDs the implementation named (the model, or a protocol speaker that reports them)
     * @param ranges   for {@link #bitmap}: {@code [start, length]} pairs
     */
    record Result(Status status, int exitCode, String detail, List<String> findings, List<long[]> ranges) {
        public Result {
            findings = List.copyOf(findings);
            ranges = List.copyOf(ranges);
        }

        public static Result ok(int exitCode, String detail) {
            return new Result(Status.OK, exitCode, detail, List.of(), List.of());
        }

        public static Result rejected(int exitCode, String detail) {
            return new Result(Status.REJECTED, exitCode, detail, List.of(), List.of());
        }

        /** A result without findings or ranges. */
        public static Result of(Status status, int exitCode, String detail) {
            return new Result(status, exitCode, detail, List.of(), List.of());
        }

        public static Result unsupported(String why) {
            return new Result(Status.UNSUPPORTED, -1, why, List.of(), List.of());
        }

        public Result withFindings(List<String> ruleIds) {
            return new Result(status, exitCode, detail, ruleIds, ranges);
        }
    }
}
