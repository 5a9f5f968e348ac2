package io.qcow2conformance.model.crypto;

import java.util.Locale;
import java.util.Optional;

/**
 * A sector cipher as a LUKS header names it ({@code cipher_name} "aes", {@code cipher_mode}
 * such as "xts-plain64" or "cbc-essiv:sha256"), restricted to what the kit decrypts: AES in
 * XTS or CBC mode with the plain, plain64 or ESSIV IV generators.
 *
 * @param mode    block cipher mode
 * @param ivGen   how a sector number becomes an IV
 * @param ivHash  the ESSIV hash (null for the other generators)
 */
public record CipherSpec(Mode mode, IvGen ivGen, LuksHash ivHash) {
    public enum Mode { XTS, CBC }

    /** plain: the sector number's low 32 bits; plain64: all 64 bits; essiv: the sector number encrypted with a hash of the key. */
    public enum IvGen { PLAIN, PLAIN64, ESSIV }

    /** What the legacy AES method (crypt_method 1) uses (spec: Data encryption). */
    public static final CipherSpec AES_CBC_PLAIN64 = new CipherSpec(Mode.CBC, IvGen.PLAIN64, null);

    /** The spec for a LUKS cipher name and mode, if the kit can decrypt it. */
    public static Optional<CipherSpec> parse(String cipherName, String cipherMode) {
        if (!cipherName.toLowerCase(Locale.ROOT).equals("aes")) {
            return Optional.empty();
        }
        String m = cipherMode.toLowerCase(Locale.ROOT);
        int dash = m.indexOf('-');
        if (dash < 0) {
            return Optional.empty();
        }
        Mode mode = switch (m.substring(0, dash)) {
            case "xts" -> Mode.XTS;
            case "cbc" -> Mode.CBC;
            default -> null;
        };
        String iv = m.substring(dash + 1);
        if (mode == null) {
            return Optional.empty();
        }
        if (iv.equals("plain")) {
            return Optional.of(new CipherSpec(mode, IvGen.PLAIN, null));
        }
        if (iv.equals("plain64")) {
            return Optional.of(new CipherSpec(mode, IvGen.PLAIN64, null));
        }
        if (iv.startsWith("essiv:")) {
            // ESSIV keys AES with the hash of the key, so the digest must be an AES key length.
            return LuksHash.byName(iv.substring(6))
                    .filter(h -> validAesKeyLength(h.length()))
                    .map(h -> new CipherSpec(mode, IvGen.ESSIV, h));
        }
        return Optional.empty();
    }

    /** True when {@code keyBytes} is a key length of this mode (XTS takes two AES keys). */
    public boolean validKeyLength(long keyBytes) {
        if (mode == Mode.XTS) {
            return keyBytes % 2 == 0 && validAesKeyLength(keyBytes / 2);
        }
        return validAesKeyLength(keyBytes);
    }

    private static boolean validAesKeyLength(long n) {
        return n == 16 || n == 24 || n == 32;
    }

    /** The cipher algorithm as {@code qemu-img info} names it, e.g. "aes-256". */
    public static String qemuAlgName(String cipherName, long keyBytes, String cipherMode) {
        long bits = 8 * (cipherMode.toLowerCase(Locale.ROOT).startsWith("xts") ? keyBytes / 2 : keyBytes);
        return cipherName.toLowerCase(Locale.ROOT) + "-" + bits;
    }
}
