package io.qcow2conformance.model.crypto;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * RIPEMD-160 against the test vectors its authors publish with the algorithm (Bosselaers,
 * "The hash function RIPEMD-160", https://homes.esat.kuleuven.be/~bosselae/ripemd160.html,
 * also in ISO/IEC 10118-3 Annex).
 */
class Ripemd160Test {
    private static final HexFormat HEX = HexFormat.of();

    @ParameterizedTest(name = "\"{0}\"")
    @CsvSource(value = {
            "'', 9c1185a5c5e9fc54612808977ee8f548b2258d31",
            "a, 0bdc9d2d256b3ee9daae347be6f4dc835a467ffe",
            "abc, 8eb208f7e05d987a9b044a8e98c6b087f15a0bfc",
            "message digest, 5d0689ef49d2fae572b881b123a85ffa21595f36",
            "abcdefghijklmnopqrstuvwxyz, f71c27109c692c1b56bbdceb5b9d2865b3708dbc",
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq, 12a053384a9c0c88e405a06c27dcf49ada62eb2b",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789, b0e20b6e3116640286ed3a87a5713079b21f5189",
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890, "
                    + "9b752e45573d4b39f4dbd3323cab82bf63326bfb",
    })
    void matchesThePublishedVectors(String message, String digest) {
        assertEquals(digest, HEX.formatHex(new Ripemd160().digest(message.getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void aMillionAsFedInPiecesAndThroughACopy() throws CloneNotSupportedException {
        MessageDigest md = new Ripemd160();
        byte[] chunk = "a".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 500; i++) {
            md.update(chunk);
        }
        MessageDigest copy = (MessageDigest) md.clone();
        for (int i = 0; i < 500; i++) {
            copy.update(chunk);
        }
        assertEquals("52783243c1697bdbe16d37f97f68f08325dc1528", HEX.formatHex(copy.digest()));
    }
}
