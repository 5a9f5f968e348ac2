package io.qcow2conformance.model.crypto;

import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LUKS header rules on headers built byte by byte from the LUKS1 on-disk format's offsets
 * (magic 0, version 6, cipher name 8, cipher mode 40, hash spec 72, payload offset 104, key
 * bytes 108, master key digest iterations 164, key slots of 48 bytes from 208).
 */
class LuksRulesTest {
    private static final long AT = 0x10000; // where the LUKS area starts in the image file
    private static final long AREA = 2 << 20;

    /** A header as qemu-img writes one: aes-xts-plain64, sha256, 64-byte key, slot 0 active, slots 256 KiB apart. */
    private static ByteBuffer valid() {
        ByteBuffer b = ByteBuffer.allocate(LuksHeader.LENGTH);
        b.put(new byte[] {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe}).putShort((short) 1);
        put(b, 8, "aes");
        put(b, 40, "xts-plain64");
        put(b, 72, "sha256");
        b.putInt(104, 4040).putInt(108, 64).putInt(164, 1000);
        put(b, 168, "ec411dd1-8a20-4248-855e-e55d7af3a12f");
        for (int i = 0; i < 8; i++) {
            int s = 208 + 48 * i;
            b.putInt(s, i == 0 ? 0x00ac71f3 : 0x0000dead).putInt(s + 4, i == 0 ? 5000 : 0)
                    .putInt(s + 40, 8 + 512 * i).putInt(s + 44, 4000);
        }
        return b;
    }

    private static void put(ByteBuffer b, int at, String s) {
        b.put(at, s.getBytes(StandardCharsets.US_ASCII));
    }

    private static List<Finding> check(ByteBuffer b, long area) {
        List<Finding> out = new ArrayList<>();
        LuksRules.check(LuksHeader.decode(AT, b.array()), area, out);
        return out;
    }

    private static void assertOnly(Rule rule, long offset, List<Finding> findings) {
        assertEquals(1, findings.size(), findings::toString);
        assertEquals(rule, findings.get(0).rule(), findings::toString);
        assertEquals(AT + offset, findings.get(0).offset(), findings::toString);
    }

    @Test
    void aHeaderAsQemuWritesItHasNoFindings() {
        assertEquals(List.of(), check(valid(), AREA));
        LuksHeader l = LuksHeader.decode(AT, valid().array());
        assertEquals("xts-plain64", l.cipherMode());
        assertEquals(4000, l.keySlots().get(0).stripes());
        assertEquals(8 + 512 * 7, l.keySlots().get(7).keyMaterialOffset());
    }

    @Test
    void badMagicStopsThere() {
        assertOnly(Rule.LUKS_MAGIC, 0, check(valid().put(4, (byte) 0), AREA));
    }

    @Test
    void versionOtherThanOne() {
        assertOnly(Rule.LUKS_VERSION, 6, check(valid().putShort(6, (short) 2), AREA));
    }

    @Test
    void unknownCipherIsAKitLimit() {
        ByteBuffer b = valid();
        put(b, 8, "twofish");
        List<Finding> f = check(b, AREA);
        assertOnly(Rule.LUKS_CIPHER_KNOWN, 8, f);
        assertEquals(io.qcow2conformance.model.rules.Severity.LIMIT, f.get(0).severity());
    }

    @Test
    void unknownHashIsAKitLimit() {
        ByteBuffer b = valid();
        put(b, 72, "whirlpool");
        assertOnly(Rule.LUKS_HASH_KNOWN, 72, check(b, AREA));
    }

    @Test
    void keyBytesMustFitTheCipher() {
        assertOnly(Rule.LUKS_KEY_BYTES, 108, check(valid().putInt(108, 20), AREA));
    }

    @Test
    void zeroPayloadOffsetIsAWarning() {
        List<Finding> f = check(valid().putInt(104, 0), AREA);
        assertOnly(Rule.LUKS_PAYLOAD_OFFSET, 104, f);
        assertEquals(io.qcow2conformance.model.rules.Severity.WARNING, f.get(0).severity());
    }

    @Test
    void zeroMasterKeyIterations() {
        assertOnly(Rule.LUKS_MK_ITERATIONS, 164, check(valid().putInt(164, 0), AREA));
    }

    @Test
    void slotStateIsActiveOrDisabled() {
        assertOnly(Rule.LUKS_KEY_SLOT_STATE, 208 + 48 * 3, check(valid().putInt(208 + 48 * 3, 1), AREA));
    }

    @Test
    void atLeastOneSlotIsActive() {
        assertOnly(Rule.LUKS_ACTIVE_SLOT, 208, check(valid().putInt(208, 0x0000dead), AREA));
    }

    @Test
    void activeSlotNeedsIterationsAndStripes() {
        assertOnly(Rule.LUKS_KEY_SLOT_PARAMETERS, 212, check(valid().putInt(212, 0), AREA));
    }

    @Test
    void keyMaterialMayNotOverlapTheHeader() {
        // sector 1 starts at byte 512, inside the 592-byte header
        assertOnly(Rule.LUKS_KEY_MATERIAL_OFFSET, 248, check(valid().putInt(248, 1), AREA));
    }

    @Test
    void keyMaterialOfActiveSlotsMayNotOverlap() {
        ByteBuffer b = valid();
        int s1 = 208 + 48;
        b.putInt(s1, 0x00ac71f3).putInt(s1 + 4, 5000).putInt(s1 + 40, 100); // slot 0 spans sectors 8..507
        assertOnly(Rule.LUKS_KEY_MATERIAL_OFFSET, s1 + 40, check(b, AREA));
    }

    @Test
    void keyMaterialLiesInsideTheArea() {
        // 64 * 4000 bytes = 500 sectors from sector 8: the material ends at byte 508 * 512
        assertEquals(List.of(), check(valid(), 508 * 512));
        assertOnly(Rule.LUKS_KEY_MATERIAL_IN_AREA, 248, check(valid(), 508 * 512 - 1));
    }

    @Test
    void hugeKeyBytesTimesStripesDoesNotOverflow() {
        List<Finding> f = check(valid().putInt(108, -1).putInt(252, -1), AREA);
        assertTrue(f.stream().anyMatch(x -> x.rule() == Rule.LUKS_KEY_MATERIAL_IN_AREA), f::toString);
    }

    @Test
    void legacyKeyIsThePassphraseAsACStringInSixteenBytes() {
        // QEMU crypto/block-qcow.c: strlen(password), at most 16 bytes, zero-padded
        assertEquals("70770000000000000000000000000000", hex(ImageCipher.legacyKey("pw".getBytes())));
        assertEquals("30313233343536373839616263646566",
                hex(ImageCipher.legacyKey("0123456789abcdefXYZ".getBytes())));
        assertEquals("61000000000000000000000000000000", hex(ImageCipher.legacyKey(new byte[] {'a', 0, 'b'})));
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }
}
