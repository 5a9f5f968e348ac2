package io.qcow2conformance.model.write;

import io.qcow2conformance.model.crypto.CipherSpec;

import java.nio.charset.StandardCharsets;

/**
 * How an image's guest data is encrypted (spec: Header, crypt_method; Data encryption), with
 * the passphrase that opens it. {@link EncryptionPlan} lays out what each method needs.
 *
 * @param method     AES (crypt_method 1) or LUKS (crypt_method 2)
 * @param passphrase the passphrase, stored as UTF-8 bytes (as QEMU's secret objects take it)
 * @param cipherMode LUKS: the LUKS cipher mode of AES ({@code xts-plain64}, {@code cbc-essiv:sha256}...)
 * @param keyBytes   LUKS: the master key length, a key length of the mode
 */
public record Encryption(Method method, String passphrase, String cipherMode, int keyBytes) {
    /** What qemu-img creates by default: aes-256 in XTS mode (two 32-byte keys) with plain64 IVs. */
    public static final String DEFAULT_MODE = "xts-plain64";
    public static final int DEFAULT_KEY_BYTES = 64;

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
        if (method == null || passphrase == null) {
            throw new IllegalArgumentException("an encryption needs a method and a passphrase");
        }
        if (method == Method.LUKS && !CipherSpec.parse("aes", cipherMode).map(c -> c.validKeyLength(keyBytes)).orElse(false)) {
            throw new IllegalArgumentException("aes in mode " + cipherMode + " with a " + keyBytes
                    + "-byte key is not a LUKS cipher the kit writes");
        }
    }

    /** {@code method} with qemu-img's default LUKS cipher. */
    public static Encryption of(Method method, String passphrase) {
        return new Encryption(method, passphrase, DEFAULT_MODE, DEFAULT_KEY_BYTES);
    }

    public static Encryption luks(String passphrase) {
        return of(Method.LUKS, passphrase);
    }

    public static Encryption aes(String passphrase) {
        return of(Method.AES, passphrase);
    }

    /** The same LUKS encryption with another AES mode and key length. */
    public Encryption withCipher(String mode, int bytes) {
        return new Encryption(method, passphrase, mode, bytes);
    }

    public byte[] passphraseBytes() {
        return passphrase.getBytes(StandardCharsets.UTF_8);
    }
}
