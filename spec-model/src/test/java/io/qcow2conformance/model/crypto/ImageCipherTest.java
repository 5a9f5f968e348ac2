package io.qcow2conformance.model.crypto;

import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Unlocking refuses work beyond the kit's limits before doing any (a header can ask for 2^32 iterations); secrets stay secret. */
class ImageCipherTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "slot iterations {0}, mk iterations {1}, stripes {2}")
    @CsvSource({"4294967295, 1000, 4000", "1000, 4294967295, 4000", "1000, 1000, 4294967295"})
    void workBeyondTheLimitsIsRefused(long slotIterations, long mkIterations, long stripes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(LuksHeader.LENGTH);
        b.put(LuksHeader.MAGIC).putShort((short) 1);
        b.put(8, "aes".getBytes(StandardCharsets.US_ASCII)).put(40, "xts-plain64".getBytes(StandardCharsets.US_ASCII))
                .put(72, "sha256".getBytes(StandardCharsets.US_ASCII));
        b.putInt(108, 64).putInt(164, (int) mkIterations);
        b.putInt(208, 0x00ac71f3).putInt(212, (int) slotIterations).putInt(248, 8).putInt(252, (int) stripes);
        Path file = dir.resolve("luks");
        Files.write(file, b.array());
        LuksHeader l = LuksHeader.decode(0, b.array());
        try (ImageSource src = ImageSource.open(file)) {
            ImageException e = assertThrows(ImageException.class, () -> ImageCipher.unlock(src, l,
                    CipherSpec.parse("aes", "xts-plain64").orElseThrow(), "pw".getBytes(StandardCharsets.US_ASCII)));
            assertEquals(Rule.LUKS_WORK_LIMIT, e.rule(), e.getMessage());
            assertEquals(208, e.offset());
        }
    }

    @Test
    void anEmptyPassphraseIsGivenAndNoSecretEverPrintsItsBytes() {
        assertEquals(false, Secret.NONE.present());
        assertEquals(true, Secret.ofText("").present());
        assertEquals("Secret[given]", Secret.ofText("hunter2").toString());
    }
}
