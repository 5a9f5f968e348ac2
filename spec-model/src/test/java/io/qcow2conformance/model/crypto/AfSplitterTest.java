package io.qcow2conformance.model.crypto;

import io.qcow2conformance.model.rules.Finding;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The AF merge, checked on two stripes against the LUKS1 format's definition written out
 * here: the key is the second stripe XOR the diffusion of the first, where diffusion hashes
 * each digest-sized piece after its big-endian 32-bit index (the last piece cut short).
 */
class AfSplitterTest {

    @Property(tries = 50)
    void twoStripesWithAShortLastDigestPiece(@ForAll @Size(128) byte[] material) throws NoSuchAlgorithmException {
        // 64-byte key, SHA-1's 20-byte digest: pieces of 20, 20, 20 and 4 bytes
        byte[] expected = new byte[64];
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        for (int piece = 0; piece < 4; piece++) {
            sha1.update(new byte[] {0, 0, 0, (byte) piece});
            sha1.update(material, 20 * piece, Math.min(20, 64 - 20 * piece));
            byte[] h = sha1.digest();
            for (int i = 0; i < Math.min(20, 64 - 20 * piece); i++) {
                expected[20 * piece + i] = (byte) (h[i] ^ material[64 + 20 * piece + i]);
            }
        }
        assertArrayEquals(expected, AfSplitter.merge(LuksHash.SHA1, material, 64, 2));
    }

    @Property(tries = 20)
    void oneStripeIsTheKeyItself(@ForAll @Size(32) byte[] material) {
        assertArrayEquals(material, AfSplitter.merge(LuksHash.SHA256, material, 32, 1));
    }

    /** The writer's direction: merging what split made gives the key back, and the filler is kept as the first stripes. */
    @Property(tries = 30)
    void mergeUndoesSplit(@ForAll @Size(64) byte[] key, @ForAll @Size(64 * 4) byte[] filler,
            @ForAll @IntRange(min = 1, max = 5) int stripes) {
        byte[] fill = Arrays.copyOf(filler, 64 * (stripes - 1));
        byte[] material = AfSplitter.split(LuksHash.SHA1, key, stripes, fill);
        assertEquals(64 * stripes, material.length);
        assertArrayEquals(fill, Arrays.copyOf(material, fill.length));
        assertArrayEquals(key, AfSplitter.merge(LuksHash.SHA1, material, 64, stripes));
    }

    /** Whatever a LUKS header holds, the rules report findings and never throw. */
    @Property(tries = 300)
    void anyLuksHeaderGivesFindingsNotExceptions(@ForAll @Size(592) byte[] header, @ForAll long areaLength) {
        System.arraycopy(LuksHeader.MAGIC, 0, header, 0, 6);
        header[6] = 0;
        header[7] = 1;
        List<Finding> out = new ArrayList<>();
        LuksRules.check(LuksHeader.decode(0, header), Math.abs(areaLength % (1L << 40)), out);
        assertEquals(out.size(), out.stream().filter(f -> f.rule().id().startsWith("encryption.luks.")).count(), out::toString);
    }
}
