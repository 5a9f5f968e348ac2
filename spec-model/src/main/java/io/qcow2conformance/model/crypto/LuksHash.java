package io.qcow2conformance.model.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The LUKS hash specs the kit computes (LUKS1 on-disk format, "Cipher and Hash specification
 * registry"), by their LUKS names: the JDK's digests, and RIPEMD-160 in plain Java. The hash
 * serves PBKDF2 (through HMAC, whose block size is given here), the AF splitter's diffusion
 * and, named in the cipher mode, ESSIV.
 */
public enum LuksHash {
    SHA1("sha1", () -> jce("SHA-1"), 64, 20),
    SHA224("sha224", () -> jce("SHA-224"), 64, 28),
    SHA256("sha256", () -> jce("SHA-256"), 64, 32),
    SHA384("sha384", () -> jce("SHA-384"), 128, 48),
    SHA512("sha512", () -> jce("SHA-512"), 128, 64),
    MD5("md5", () -> jce("MD5"), 64, 16),
    RIPEMD160("ripemd160", Ripemd160::new, 64, 20);

    private final String luksName;
    private final Supplier<MessageDigest> digest;
    private final int blockSize;
    private final int length;

    LuksHash(String luksName, Supplier<MessageDigest> digest, int blockSize, int length) {
        this.luksName = luksName;
        this.digest = digest;
        this.blockSize = blockSize;
        this.length = length;
    }

    /** The hash named {@code name} in a LUKS header (case-insensitive), if the kit knows it. */
    public static Optional<LuksHash> byName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(h -> h.luksName.equals(n)).findFirst();
    }

    public String luksName() {
        return luksName;
    }

    /** The compression function's input block in bytes (HMAC pads its key to it, RFC 2104). */
    int blockSize() {
        return blockSize;
    }

    /** Digest length in bytes. */
    public int length() {
        return length;
    }

    MessageDigest digest() {
        return digest.get();
    }

    private static MessageDigest jce(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + name, e);
        }
    }
}
