package io.qcow2conformance.model.write;

import io.qcow2conformance.model.crypto.CipherSpec;
import io.qcow2conformance.model.crypto.LuksHash;

import java.nio.charset.StandardCharsets;

/**
 * How an image's guest data is encrypted (spec: Header, crypt_method; Data encryption), with
 * the passphrase that opens it. {@link EncryptionPlan} lays out what each method needs.
 *
 * @param method     AES (crypt_method 1) or LUKS (crypt_method 2)
 * @param passphrase the passphrase, stored as UTF-8 bytes (as QEMU's secret objects take it)
 * @param cipherMode LUKS: the LUKS cipher mode ({@code xts-plain64}, {@code cbc-essiv:sha256}...)
 * @param keyBytes   LUKS: the master key length, a key length of the mode
 * @param cipher     LUKS: the block cipher (the header's cipher_name)
 * @param hash       LUKS: the hash of PBKDF2 and the AF splitter (the header's hash_spec)
 */
public record Encryption(Method method, String passphrase, String cipherMode, int keyBytes, CipherSpec.Algorithm cipher,
        LuksHash hash) {
    /** What qemu-img creates by default: aes-256 in XTS mode (two 32-byte keys) with plain64 IVs. */
    public static final String DEFAULT_MODE = "xts-plain64";
    public static final int DEFAULT_KEY_BYTES = 64;
    public static final CipherSpec.Algorithm DEFAULT_CIPHER = CipherSpec.Algorithm.AES;
    public static final LuksHash DEFAULT_HASH = LuksHash.SHA256;

    public enum Method {
        /** Legacy AES-CBC with the passphrase as key. */
        AES(1),
        /** A LUKS1 header in the image file, pointed to by the full disk encryption header extension. */
        LUKS(2);

        private final int cryptMethod;

        Method(int cryptMethod) {
            this.cryptMethod = cryptMethod;
        }

        /** The header's crypt_method value. */
        public int cryptMethod() {
            return cryptMethod;
        }
    }

    public Encryption {
        if (method == null || passphrase == null || cipher == null || hash == null) {
            throw new IllegalArgumentException("an encryption needs a method, a passphrase, a cipher and a hash");
        }
        if (method == Method.LUKS
                && !CipherSpec.parse(cipher.luksName(), cipherMode).map(c -> c.validKeyLength(keyBytes)).orElse(false)) {
            throw new IllegalArgumentException(cipher.luksName() + " in mode " + cipherMode + " with a " + keyBytes
                    + "-byte key is not a LUKS cipher the kit writes");
        }
    }

    /** {@code method} with qemu-img's default LUKS cipher. */
    public static Encryption of(Method method, String passphrase) {
        return new Encryption(method, passphrase, DEFAULT_MODE, DEFAULT_KEY_BYTES, DEFAULT_CIPHER, DEFAULT_HASH);
    }

    public static Encryption luks(String passphrase) {
        return of(Method.LUKS, passphrase);
    }

    public static Encryption aes(String passphrase) {
        return of(Method.AES, passphrase);
    }

    /** The same LUKS encryption with another mode and key length of its cipher. */
    public Encryption withCipher(String mode, int bytes) {
        return withCipher(cipher, mode, bytes);
    }

    /** The same LUKS encryption with another cipher, mode and key length. */
    public Encryption withCipher(CipherSpec.Algorithm algorithm, String mode, int bytes) {
        return new Encryption(method, passphrase, mode, bytes, algorithm, hash);
    }

    /** The same LUKS encryption with another hash for PBKDF2 and the AF splitter. */
    public Encryption withHash(LuksHash h) {
        return new Encryption(method, passphrase, cipherMode, keyBytes, cipher, h);
    }

    public byte[] passphraseBytes() {
        return passphrase.getBytes(StandardCharsets.UTF_8);
    }
}
