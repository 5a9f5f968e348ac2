package io.qcow2conformance.model.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/** AES (FIPS 197) as a {@link BlockCipher}: the JCE's raw block cipher, {@code AES/ECB/NoPadding}. */
final class Aes implements BlockCipher {
    private final Cipher encrypt;
    private final Cipher decrypt;

    Aes(byte[] key) {
        try {
            encrypt = Cipher.getInstance("AES/ECB/NoPadding");
            encrypt.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
            decrypt = Cipher.getInstance("AES/ECB/NoPadding");
            decrypt.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("AES with a key of " + key.length + " bytes unavailable", e);
        }
    }

    @Override
    public void encrypt(byte[] in, int inOff, int len, byte[] out, int outOff) {
        run(encrypt, in, inOff, len, out, outOff);
    }

    @Override
    public void decrypt(byte[] in, int inOff, int len, byte[] out, int outOff) {
        run(decrypt, in, inOff, len, out, outOff);
    }

    private static void run(Cipher c, byte[] in, int inOff, int len, byte[] out, int outOff) {
        try {
            c.doFinal(in, inOff, len, out, outOff);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES failed", e);
        }
    }
}
