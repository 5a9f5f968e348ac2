package io.qcow2conformance.model.crypto;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** PBKDF2 against the published vectors: RFC 6070 (HMAC-SHA1) and RFC 7914 section 11 (HMAC-SHA256). */
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

    /** The vectors write a NUL byte as "\0". */
    private static byte[] bytes(String s) {
        return s.replace("\\0", "\0").getBytes(StandardCharsets.ISO_8859_1);
    }
}
