package io.qcow2conformance.model.crypto;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Serpent against published vectors, in the byte order of Linux, nettle and libgcrypt (the one
 * cryptsetup and QEMU use, so the one LUKS images hold).
 */
class SerpentTest {
    private static final HexFormat HEX = HexFormat.of();

    /**
     * NESSIE vectors, Set 4, vectors 0 and 1 of each key size (Biham's Serpent page,
     * https://www.cs.technion.ac.il/~biham/Reports/Serpent/, files Serpent-128-128, -192-128 and
     * -256-128.verified.test-vectors). They are printed in the byte order LUKS uses.
     */
    @ParameterizedTest(name = "NESSIE set 4, {0}")
    @CsvSource({
            "128 #0, 000102030405060708090a0b0c0d0e0f, 00112233445566778899aabbccddeeff, 563e2cf8740a27c164804560391e9b27",
            "128 #1, 2bd6459f82c5b300952c49104881ff48, ea024714ad5c4d84ea024714ad5c4d84, 92d7f8ef2c36c53409f275902f06539f",
            "192 #0, 000102030405060708090a0b0c0d0e0f1011121314151617, 00112233445566778899aabbccddeeff, "
                    + "6ab816c82de53b93005008afa2246a02",
            "192 #1, 2bd6459f82c5b300952c49104881ff482bd6459f82c5b300, ea024714ad5c4d84ea024714ad5c4d84, "
                    + "827b18c2678a239dfc5512842000e204",
            "256 #0, 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f, "
                    + "00112233445566778899aabbccddeeff, 2868b7a2d28ecd5e4fdefac3c4330074",
            "256 #1, 2bd6459f82c5b300952c49104881ff482bd6459f82c5b300952c49104881ff48, "
                    + "ea024714ad5c4d84ea024714ad5c4d84, 3e507730776b93fdea661235e1dd99f0",
    })
    void matchesTheNessieVectors(String vector, String key, String plain, String cipher) {
        assertBothWays(HEX.parseHex(key), HEX.parseHex(plain), HEX.parseHex(cipher));
    }

    /**
     * The first vector of each key size in ecb_vk.txt (variable key) and ecb_vt.txt (variable
     * text) of the Serpent AES submission package. The submission prints key, plaintext and
     * ciphertext as big-endian numbers, so each is byte-reversed here before use.
     */
    @ParameterizedTest(name = "submission {0}")
    @CsvSource({
            "ecb_vk 128 I=1, 80000000000000000000000000000000, 00000000000000000000000000000000, 49afbfad9d5a34052cd8ffa5986bd2dd",
            "ecb_vt 128 I=1, 00000000000000000000000000000000, 80000000000000000000000000000000, 10b5ffb720b8cb9002a1142b0ba2e94a",
            "ecb_vk 192 I=1, 800000000000000000000000000000000000000000000000, 00000000000000000000000000000000, "
                    + "e78e5402c7195568ac3678f7a3f60c66",
            "ecb_vt 192 I=1, 000000000000000000000000000000000000000000000000, 80000000000000000000000000000000, "
                    + "b10b271ba25257e1294f2b51f076d0d9",
            "ecb_vk 256 I=1, 8000000000000000000000000000000000000000000000000000000000000000, "
                    + "00000000000000000000000000000000, abed96e766bf28cbc0ebd21a82ef0819",
            "ecb_vt 256 I=1, 0000000000000000000000000000000000000000000000000000000000000000, "
                    + "80000000000000000000000000000000, da5a7992b1b4ae6f8c004bc8a7de5520",
    })
    void matchesTheSubmissionVectorsWithTheirBytesReversed(String vector, String key, String plain, String cipher) {
        assertBothWays(reversed(key), reversed(plain), reversed(cipher));
    }

    @Property(tries = 50)
    void decryptUndoesEncryptOverSeveralBlocks(@ForAll @Size(32) byte[] key, @ForAll @Size(64) byte[] data) {
        Serpent s = new Serpent(key);
        byte[] buf = data.clone();
        s.encrypt(buf, 0, buf.length, buf, 0);
        s.decrypt(buf, 0, buf.length, buf, 0);
        assertArrayEquals(data, buf);
    }

    @ParameterizedTest
    @CsvSource({"0", "15", "20", "33"})
    void refusesKeysOfOtherLengths(int length) {
        assertThrows(IllegalArgumentException.class, () -> new Serpent(new byte[length]));
    }

    private static void assertBothWays(byte[] key, byte[] plain, byte[] cipher) {
        Serpent s = new Serpent(key);
        byte[] out = new byte[16];
        s.encrypt(plain, 0, 16, out, 0);
        assertEquals(HEX.formatHex(cipher), HEX.formatHex(out));
        s.decrypt(cipher, 0, 16, out, 0);
        assertEquals(HEX.formatHex(plain), HEX.formatHex(out));
    }

    private static byte[] reversed(String hex) {
        byte[] b = HEX.parseHex(hex);
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[b.length - 1 - i];
        }
        return r;
    }
}
