package io.qcow2conformance.model.write;

import java.nio.charset.StandardCharsets;

/**
 * How an image's guest data is encrypted (spec: Header, crypt_method; Data encryption), with
 * the passphrase that opens it. {@link EncryptionPlan} lays out what each method needs.
 *
 * @param method     AES (crypt_method 1) or LUKS (crypt_method 2)
 * @param passphrase the passphrase, stored as UTF-8 bytes (as QEMU's secret objects take it)
 */
public record Encryption(Method method, String passphrase) {
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
    }

    public static Encryption luks(String passphrase) {
        return new Encryption(Method.LUKS, passphrase);
    }

    public static Encryption aes(String passphrase) {
        return new Encryption(Method.AES, passphrase);
    }

    public byte[] passphraseBytes() {
        return passphrase.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "Encryption[" + method + "]";
    }
}
