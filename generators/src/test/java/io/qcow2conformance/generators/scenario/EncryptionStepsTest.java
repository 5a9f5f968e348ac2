package io.qcow2conformance.generators.scenario;

import io.qcow2conformance.generators.image.ImageFiles;
import io.qcow2conformance.generators.image.ImageRecipe;
import io.qcow2conformance.generators.image.ModelImageWriter;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The encryption steps: each one-fault step changes exactly the bytes of the field it names,
 * located here from the spec and the LUKS1 format (the pointer extension found by walking the
 * header extensions; magic at byte 0 of the LUKS area, key slots of 48 bytes from byte 208,
 * the slot state first), never from the writer's layout; the passphrase file holds what
 * readers are given.
 */
class EncryptionStepsTest {
    private static final long FDE = 0x0537be77L;

    private static ImageRecipe recipe(String... faults) {
        ImageRecipe r = new ImageRecipe();
        List<String> steps = new ArrayList<>(List.of("a version 3 image with 4 KiB clusters and a 64 KiB virtual disk",
                "the image is encrypted with LUKS using the passphrase \"conformance\"",
                "the LUKS cipher is aes in mode \"cbc-essiv:sha256\" with a 16-byte key",
                "guest clusters 0 to 1 hold data"));
        steps.addAll(List.of(faults));
        steps.forEach(s -> Vocabulary.apply(s, r));
        return r;
    }

    private static byte[] image(ImageRecipe r) {
        return ImageFiles.write(new ModelImageWriter(), r, "x").bytes();
    }

    /** Offset of the data of the full disk encryption header pointer (spec: Header extensions, after header_length). */
    private static int pointerData(byte[] img) {
        ByteBuffer b = ByteBuffer.wrap(img);
        int at = b.getInt(100); // header_length (spec: Header, bytes 100-103)
        while (b.getInt(at) != 0) {
            if (Integer.toUnsignedLong(b.getInt(at)) == FDE) {
                return at + 8;
            }
            at += 8 + (b.getInt(at + 4) + 7) / 8 * 8;
        }
        throw new AssertionError("no full disk encryption header pointer");
    }

    /** The positions where the two images differ. */
    private static List<Integer> differences(byte[] a, byte[] b) {
        assertEquals(a.length, b.length);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                out.add(i);
            }
        }
        return out;
    }

    @Test
    void theMagicStepChangesTheFirstSixBytesOfTheLuksArea() {
        byte[] plain = image(recipe());
        byte[] faulty = image(recipe("field \"magic\" of the LUKS header is set to 0x4c554b530000"));
        int area = (int) ByteBuffer.wrap(plain).getLong(pointerData(plain));
        assertArrayEquals(new byte[] {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe}, Arrays.copyOfRange(plain, area, area + 6));
        assertEquals(List.of(area + 4, area + 5), differences(plain, faulty));
        assertEquals(0, faulty[area + 4]);
    }

    @Test
    void aKeySlotStepChangesThatSlotsField() {
        byte[] plain = image(recipe());
        byte[] faulty = image(recipe("field \"active\" of LUKS key slot 3 is set to 0x12345678"));
        int slot = (int) ByteBuffer.wrap(plain).getLong(pointerData(plain)) + 208 + 3 * 48;
        assertEquals(0x0000dead, ByteBuffer.wrap(plain).getInt(slot), "slot 3 is disabled");
        assertEquals(0x12345678, ByteBuffer.wrap(faulty).getInt(slot));
        assertTrue(differences(plain, faulty).stream().allMatch(i -> i >= slot && i < slot + 4));
    }

    @Test
    void thePointerStepChangesTheExtensionData() {
        byte[] plain = image(recipe());
        byte[] faulty = image(recipe("field \"length\" of the full disk encryption header pointer is set to 512"));
        int data = pointerData(plain);
        assertEquals(512, ByteBuffer.wrap(faulty).getLong(data + 8));
        assertTrue(differences(plain, faulty).stream().allMatch(i -> i >= data + 8 && i < data + 16));
    }

    @Test
    void readersGetTheImagesPassphraseUnlessAScenarioNamesAnotherOrNone() {
        assertArrayEquals("conformance".getBytes(StandardCharsets.UTF_8),
                ImageFiles.write(new ModelImageWriter(), recipe(), "x").passphrase().orElseThrow().bytes());
        ImageFiles wrong = ImageFiles.write(new ModelImageWriter(), recipe("readers are given the passphrase \"wrong\""), "x");
        assertEquals("x.passphrase", wrong.passphrase().orElseThrow().name());
        assertArrayEquals("wrong".getBytes(StandardCharsets.UTF_8), wrong.passphrase().orElseThrow().bytes());
        assertTrue(ImageFiles.write(new ModelImageWriter(), recipe("readers are given no passphrase"), "x")
                .passphrase().isEmpty(), "no passphrase file");
    }

    /** cipher-name at byte 8 and hash-spec at byte 72 of the LUKS header, NUL-padded to 32 bytes (LUKS1 on-disk format). */
    @Test
    void theCipherAndHashStepsNameThemInTheLuksHeader() {
        byte[] img = image(recipe("the LUKS cipher is serpent in mode \"cbc-plain64\" with a 32-byte key", "the LUKS hash is md5"));
        int area = (int) ByteBuffer.wrap(img).getLong(pointerData(img));
        assertEquals("serpent", luksString(img, area + 8));
        assertEquals("cbc-plain64", luksString(img, area + 40));
        assertEquals("md5", luksString(img, area + 72));
        assertEquals(32, ByteBuffer.wrap(img).getInt(area + 108), "key-bytes");
        byte[] plain = image(recipe());
        assertEquals("aes", luksString(plain, area + 8));
        assertEquals("sha256", luksString(plain, area + 72), "qemu-img's default hash");
    }

    @Test
    void aCipherOrHashTheKitLacksIsAStepError() {
        StepException cipher = assertThrows(StepException.class,
                () -> recipe("the LUKS cipher is twofish in mode \"cbc-plain64\" with a 16-byte key"));
        assertTrue(cipher.getMessage().contains("serpent"), cipher.getMessage());
        StepException hash = assertThrows(StepException.class, () -> recipe("the LUKS hash is whirlpool"));
        assertTrue(hash.getMessage().contains("md5"), hash.getMessage());
    }

    private static String luksString(byte[] img, int at) {
        int end = at;
        while (img[end] != 0) {
            end++;
        }
        return new String(img, at, end - at, StandardCharsets.US_ASCII);
    }

    @Test
    void unknownOrNonNumericFieldsAreStepErrors() {
        StepException e = assertThrows(StepException.class,
                () -> recipe("field \"cipher-name\" of the LUKS header is set to 1"));
        assertTrue(e.getMessage().contains("mk-digest-iter"), e.getMessage());
        assertThrows(StepException.class,
                () -> Vocabulary.apply("the LUKS cipher is aes in mode \"xts-plain64\" with a 16-byte key", recipe()));
    }
}
