package io.qcow2conformance.model.crypto;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * PBKDF2 against the published vectors: RFC 6070 (HMAC-SHA1) and RFC 7914 section 11
 * (HMAC-SHA256); its HMAC against RFC 2202 (MD5), RFC 4231 (SHA-256) and RFC 2286 (RIPEMD-160),
 * and against the JDK's own HMAC for every hash the JDK has.
 */
class Pbkdf2Test {

    @ParameterizedTest(name = "{0} {1} c={3}")
    @CsvSource({
            // RFC 6070
            "SHA1, password, salt, 1, 20, 0c60c80f961f0e71f3a9b524af6012062fe037a6",
            "SHA1, password, salt, 2, 20, ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
            "SHA1, password, salt, 4096, 20, 4b007901b765489abead49d926f721d065a429c1",
            "SHA1, passwordPASSWORDpassword, saltSALTsaltSALTsaltSALTsaltSALTsalt, 4096, 25, "
                    + "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038",
            "SHA1, pass\\0word, sa\\0lt, 4096, 16, 56fa6aa75548099dcc37d7f03425e0c3",
            // RFC 7914, section 11
            "SHA256, passwd, salt, 1, 64, 55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                    + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
            "SHA256, Password, NaCl, 80000, 64, 4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
                    + "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d",
    })
    void matchesTheRfcVectors(LuksHash hash, String password, String salt, long iterations, int length, String expected) {
        byte[] dk = Pbkdf2.derive(hash, bytes(password), bytes(salt), iterations, length);
        assertEquals(expected, HexFormat.of().formatHex(dk));
    }

    /** Keys and data in hex, from the RFCs. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "RFC 2202 case 2, MD5, 4a656665, 7768617420646f2079612077616e7420666f72206e6f7468696e673f, "
                    + "750c783e6ab0b503eaa86e310a5db738",
            "RFC 4231 case 2, SHA256, 4a656665, 7768617420646f2079612077616e7420666f72206e6f7468696e673f, "
                    + "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "RFC 2286 case 1, RIPEMD160, 0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b, 4869205468657265, "
                    + "24cb4bd67d20fc1a5d2ed7732dcc39377f0a5668",
            "RFC 2286 case 2, RIPEMD160, 4a656665, 7768617420646f2079612077616e7420666f72206e6f7468696e673f, "
                    + "dda6c0213a485a9e24f4742064a7f033b43c4069",
    })
    void hmacMatchesTheRfcVectors(String vector, LuksHash hash, String key, String data, String mac) {
        HexFormat hex = HexFormat.of();
        assertEquals(mac, hex.formatHex(Pbkdf2.hmac(hash, hex.parseHex(key), hex.parseHex(data))));
    }

    /** The JDK's HMAC is an independent reference for every hash it has, with keys shorter than, as long as and longer than a block. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"SHA1, HmacSHA1", "SHA224, HmacSHA224", "SHA256, HmacSHA256", "SHA384, HmacSHA384", "SHA512, HmacSHA512",
            "MD5, HmacMD5"})
    void hmacMatchesTheJdk(LuksHash hash, String jdk) throws GeneralSecurityException {
        byte[] data = bytes("the data");
        for (int keyLength : new int[] {1, 20, 64, 65, 128, 129, 300}) {
            byte[] key = new byte[keyLength];
            Arrays.fill(key, (byte) keyLength);
            Mac mac = Mac.getInstance(jdk);
            mac.init(new SecretKeySpec(key, jdk));
            assertEquals(HexFormat.of().formatHex(mac.doFinal(data)), HexFormat.of().formatHex(Pbkdf2.hmac(hash, key, data)),
                    "key of " + keyLength + " bytes");
        }
    }

    /** The vectors write a NUL byte as "\0". */
    private static byte[] bytes(String s) {
        return s.replace("\\0", "\0").getBytes(StandardCharsets.ISO_8859_1);
    }
}
