package io.qcow2conformance.model.crypto;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * A sector cipher as a LUKS header names it ({@code cipher_name} such as "aes" or "serpent",
 * {@code cipher_mode} such as "xts-plain64" or "cbc-essiv:sha256"; LUKS1 on-disk format,
 * "Cipher and Hash specification registry"), restricted to what the kit decrypts: AES or
 * Serpent in XTS or CBC mode with the plain, plain64 or ESSIV IV generators.
 *
 * @param algorithm the block cipher
 * @param mode      block cipher mode
 * @param ivGen     how a sector number becomes an IV
 * @param ivHash    the ESSIV hash (null for the other generators)
 */
public record CipherSpec(Algorithm algorithm, Mode mode, IvGen ivGen, LuksHash ivHash) {
    /** The 128-bit block ciphers the kit has, by their LUKS names; each takes 128-, 192- and 256-bit keys. */
    public enum Algorithm {
        AES("aes", Aes::new),
        SERPENT("serpent", Serpent::new);

        private final String luksName;
        private final Function<byte[], BlockCipher> keyed;

        Algorithm(String luksName, Function<byte[], BlockCipher> keyed) {
            this.luksName = luksName;
            this.keyed = keyed;
        }

        /** The cipher named {@code name} in a LUKS header (case-insensitive), if the kit has it. */
        public static Optional<Algorithm> byName(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            return Arrays.stream(values()).filter(a -> a.luksName.equals(n)).findFirst();
        }

        public String luksName() {
            return luksName;
        }

        /** True when {@code n} bytes is a key length of this cipher (as QEMU's cipher names allow: -128, -192, -256). */
        public boolean validKeyLength(long n) {
            return n == 16 || n == 24 || n == 32;
        }

        BlockCipher keyed(byte[] key) {
            return keyed.apply(key);
        }
    }

    public enum Mode { XTS, CBC }

    /** plain: the sector number's low 32 bits; plain64: all 64 bits; essiv: the sector number encrypted with a hash of the key. */
    public enum IvGen { PLAIN, PLAIN64, ESSIV }

    /** What the legacy AES method (crypt_method 1) uses (spec: Data encryption). */
    public static final CipherSpec AES_CBC_PLAIN64 = new CipherSpec(Algorithm.AES, Mode.CBC, IvGen.PLAIN64, null);

    /** The spec for a LUKS cipher name and mode, if the kit can decrypt it. */
    public static Optional<CipherSpec> parse(String cipherName, String cipherMode) {
        Optional<Algorithm> algorithm = Algorithm.byName(cipherName);
        String m = cipherMode.toLowerCase(Locale.ROOT);
        int dash = m.indexOf('-');
        if (algorithm.isEmpty() || dash < 0) {
            return Optional.empty();
        }
        Algorithm a = algorithm.get();
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
            return Optional.of(new CipherSpec(a, mode, IvGen.PLAIN, null));
        }
        if (iv.equals("plain64")) {
            return Optional.of(new CipherSpec(a, mode, IvGen.PLAIN64, null));
        }
        if (iv.startsWith("essiv:")) {
            // ESSIV keys the same cipher with the hash of the key, so the digest must be one of its key lengths.
            return LuksHash.byName(iv.substring(6))
                    .filter(h -> a.validKeyLength(h.length()))
                    .map(h -> new CipherSpec(a, mode, IvGen.ESSIV, h));
        }
        return Optional.empty();
    }

    /** True when {@code keyBytes} is a key length of this mode (XTS takes two keys of the cipher). */
    public boolean validKeyLength(long keyBytes) {
        if (mode == Mode.XTS) {
            return keyBytes % 2 == 0 && algorithm.validKeyLength(keyBytes / 2);
        }
        return algorithm.validKeyLength(keyBytes);
    }

    /** The cipher algorithm as {@code qemu-img info} names it, e.g. "aes-256". */
    public static String qemuAlgName(String cipherName, long keyBytes, String cipherMode) {
        long bits = 8 * (cipherMode.toLowerCase(Locale.ROOT).startsWith("xts") ? keyBytes / 2 : keyBytes);
        return cipherName.toLowerCase(Locale.ROOT) + "-" + bits;
    }
}
