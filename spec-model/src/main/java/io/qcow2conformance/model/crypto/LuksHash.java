package io.qcow2conformance.model.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The LUKS hash specs the kit computes (LUKS1 on-disk format, "Cipher and Hash specification
 * registry"), by their LUKS names, with the JCE names that serve them. The hash serves PBKDF2,
 * the AF splitter's diffusion and, named in the cipher mode, ESSIV.
 */
public enum LuksHash {
    SHA1("sha1", "SHA-1", "HmacSHA1", 20),
    SHA224("sha224", "SHA-224", "HmacSHA224", 28),
    SHA256("sha256", "SHA-256", "HmacSHA256", 32),
    SHA384("sha384", "SHA-384", "HmacSHA384", 48),
    SHA512("sha512", "SHA-512", "HmacSHA512", 64),
    MD5("md5", "MD5", "HmacMD5", 16);

    private final String luksName;
    private final String digestName;
    private final String macName;
    private final int length;

    LuksHash(String luksName, String digestName, String macName, int length) {
        this.luksName = luksName;
        this.digestName = digestName;
        this.macName = macName;
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

    String macName() {
        return macName;
    }

    /** Digest length in bytes. */
    public int length() {
        return length;
    }

    MessageDigest digest() {
        try {
            return MessageDigest.getInstance(digestName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + digestName, e);
        }
    }
}
