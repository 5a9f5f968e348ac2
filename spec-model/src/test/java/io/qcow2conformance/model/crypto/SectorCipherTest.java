package io.qcow2conformance.model.crypto;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Provide;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The sector ciphers: XTS against the IEEE 1619-2007 Annex B vectors (the data unit
 * sequence number is the plain64 IV: the little-endian sector number), CBC modes against the
 * JCE's own AES/CBC with the IV each generator defines.
 */
class SectorCipherTest {
    private static final HexFormat HEX = HexFormat.of();

    @ParameterizedTest(name = "IEEE 1619 vector {0}")
    @CsvSource({
            "1, 00000000000000000000000000000000, 00000000000000000000000000000000, 0, "
                    + "0000000000000000000000000000000000000000000000000000000000000000, "
                    + "917cf69ebd68b2ec9b9fe9a3eadda692cd43d2f59598ed858c02c2652fbf922e",
            "2, 11111111111111111111111111111111, 22222222222222222222222222222222, 0x3333333333, "
                    + "4444444444444444444444444444444444444444444444444444444444444444, "
                    + "c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0",
            "3, fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0, 22222222222222222222222222222222, 0x3333333333, "
                    + "4444444444444444444444444444444444444444444444444444444444444444, "
                    + "af85336b597afc1a900b2eb21ec949d292df4c047e0b21532186a5971a227a89",
    })
    void xtsMatchesTheIeee1619Vectors(int vector, String key1, String key2, String sequence, String plain, String cipher)
            throws GeneralSecurityException {
        SectorCipher c = new SectorCipher(new CipherSpec(CipherSpec.Algorithm.AES, CipherSpec.Mode.XTS, CipherSpec.IvGen.PLAIN64, null),
                HEX.parseHex(key1 + key2));
        byte[] buf = HEX.parseHex(cipher);
        c.decryptUnit(buf, 0, buf.length, Long.decode(sequence));
        assertEquals(plain, HEX.formatHex(buf));
        c.encryptUnit(buf, 0, buf.length, Long.decode(sequence));
        assertEquals(cipher, HEX.formatHex(buf));
    }

    /** The writer's direction: whatever the mode, decrypting what was encrypted at the same sector gives it back. */
    @Property(tries = 40)
    void encryptIsTheInverseOfDecrypt(@ForAll @Size(64) byte[] key, @ForAll @Size(1024) byte[] data,
            @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 512) long sector,
            @ForAll("modes") String mode, @ForAll("ciphers") String cipher) {
        CipherSpec spec = CipherSpec.parse(cipher, mode).orElseThrow();
        byte[] k = Arrays.copyOf(key, spec.mode() == CipherSpec.Mode.XTS ? 64 : 32);
        byte[] buf = data.clone();
        new SectorCipher(spec, k).encrypt(buf, 0, buf.length, sector);
        assertFalse(Arrays.equals(data, buf), "encrypted data differs");
        new SectorCipher(spec, k).decrypt(buf, 0, buf.length, sector);
        assertArrayEquals(data, buf);
    }

    @Provide
    Arbitrary<String> modes() {
        return Arbitraries.of("xts-plain64", "cbc-plain64", "cbc-plain", "cbc-essiv:sha256", "cbc-essiv:md5");
    }

    @Provide
    Arbitrary<String> ciphers() {
        return Arbitraries.of("aes", "serpent");
    }

    @Property(tries = 30)
    void cbcPlain64IsCbcWithTheLittleEndianSector(@ForAll @Size(32) byte[] key, @ForAll @Size(1024) byte[] data,
            @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 512) long sector) throws GeneralSecurityException {
        byte[] mine = data.clone();
        new SectorCipher(CipherSpec.parse("aes", "cbc-plain64").orElseThrow(), key).decrypt(mine, 0, mine.length, sector);
        for (int s = 0; s < 2; s++) {
            assertArrayEquals(jceCbc(key, le(sector + s, 8), data, s), slice(mine, s));
        }
    }

    @Property(tries = 30)
    void cbcPlainKeepsTheLow32BitsOfTheSector(@ForAll @Size(16) byte[] key, @ForAll @Size(512) byte[] data,
            @ForAll long sector) throws GeneralSecurityException {
        sector &= Long.MAX_VALUE;
        byte[] mine = data.clone();
        new SectorCipher(CipherSpec.parse("aes", "cbc-plain").orElseThrow(), key).decrypt(mine, 0, 512, sector);
        assertArrayEquals(jceCbc(key, le(sector & 0xffffffffL, 4), data, 0), mine);
    }

    @Property(tries = 30)
    void cbcEssivEncryptsTheSectorWithTheHashOfTheKey(@ForAll @Size(32) byte[] key, @ForAll @Size(512) byte[] data,
            @ForAll @LongRange(min = 0, max = 1L << 40) long sector) throws GeneralSecurityException {
        byte[] mine = data.clone();
        new SectorCipher(CipherSpec.parse("aes", "cbc-essiv:sha256").orElseThrow(), key).decrypt(mine, 0, 512, sector);
        Cipher essiv = Cipher.getInstance("AES/ECB/NoPadding");
        essiv.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(MessageDigest.getInstance("SHA-256").digest(key), "AES"));
        byte[] iv = essiv.doFinal(le(sector, 8));
        assertArrayEquals(jceCbc(key, iv, data, 0), mine);
    }

    @ParameterizedTest
    @CsvSource({"aes, xts-plain64, 64, true", "aes, xts-plain64, 32, true", "aes, xts-plain64, 48, true",
            "aes, xts-plain64, 16, false", "aes, cbc-essiv:sha256, 32, true", "aes, cbc-essiv:sha1, 32, false",
            "twofish, xts-plain64, 64, false", "aes, ecb, 32, false", "aes, cbc-plain64, 24, true",
            "aes, cbc-plain64, 64, false", "serpent, xts-plain64, 64, true", "SERPENT, cbc-essiv:sha256, 16, true",
            "serpent, cbc-essiv:md5, 24, true", "serpent, cbc-essiv:sha512, 32, false", "aes, cbc-essiv:md5, 16, true",
            "serpent, xts-plain64, 16, false", "cast5, cbc-plain64, 16, false"})
    void knowsWhatTheKitDecrypts(String name, String mode, int keyBytes, boolean usable) {
        // sha1 gives a 20-byte digest and sha512 a 64-byte one: no key length of the cipher, so no ESSIV with them
        assertEquals(usable, CipherSpec.parse(name, mode).filter(s -> s.validKeyLength(keyBytes)).isPresent());
    }

    private static byte[] jceCbc(byte[] key, byte[] iv16, byte[] data, int sector) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
        byte[] iv = new byte[16];
        System.arraycopy(iv16, 0, iv, 0, iv16.length);
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
        return c.doFinal(data, sector * 512, 512);
    }

    private static byte[] slice(byte[] b, int sector) {
        byte[] s = new byte[512];
        System.arraycopy(b, sector * 512, s, 0, 512);
        return s;
    }

    private static byte[] le(long v, int n) {
        byte[] b = new byte[16];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }
}
