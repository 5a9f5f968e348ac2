package io.qcow2conformance.model.read;

import io.qcow2conformance.model.crypto.Secret;
import io.qcow2conformance.model.image.Limits;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How an image and the files it names are opened: the model's resource {@link Limits}, and
 * the user's choices that are not limits.
 *
 * @param limits   the resource limits
 * @param dataFile the external data file of the opened (top) image, used instead of the name
 *                 the image stores (as QEMU's {@code data-file} option); null: the stored name
 * @param secret   the passphrase of encrypted images in the chain ({@link Secret#NONE}: none)
 */
public record OpenOptions(Limits limits, Path dataFile, Secret secret) {
    public OpenOptions {
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(secret, "secret");
    }

    /** {@code limits}, the data file the image names and no passphrase. */
    public static OpenOptions of(Limits limits) {
        return new OpenOptions(limits, null, Secret.NONE);
    }

    /** These options with {@code file} as the top image's external data file (null: the stored name). */
    public OpenOptions withDataFile(Path file) {
        return new OpenOptions(limits, file, secret);
    }

    /** These options with {@code s} as the passphrase. */
    public OpenOptions withSecret(Secret s) {
        return new OpenOptions(limits, dataFile, s);
    }
}
