package io.qcow2conformance.generators.scenario;

import io.qcow2conformance.generators.image.ImageRecipe;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The step that adds many bitmaps at once: names are the prefix and the number from 0, padded
 * with zeros to the digits asked; a number that does not fit the digits, or a name already
 * taken, is refused rather than silently made ambiguous.
 */
class ManyBitmapsStepTest {

    private static ImageRecipe recipe(String... steps) {
        ImageRecipe r = new ImageRecipe();
        Vocabulary.apply("a version 3 image with 512-byte clusters and a 64 KiB virtual disk", r);
        for (String s : steps) {
            Vocabulary.apply(s, r);
        }
        return r;
    }

    @Test
    void namesAreThePrefixAndTheNumberFromZero() {
        ImageRecipe r = recipe("the image has 12 bitmaps named \"b\" and their number, with a granularity of 64 KiB");
        List<ImageRecipe.Bitmap> b = r.bitmaps();
        assertEquals(12, b.size());
        assertEquals("b0", b.get(0).name());
        assertEquals("b11", b.get(11).name());
        assertEquals(16, b.get(5).granularityBits());
        assertEquals(7, r.bitmapIndex("b7"));
        assertTrue(b.stream().allMatch(x -> x.description().set().isEmpty()), "no bit is set");
    }

    @Test
    void digitsPadEveryNumberToTheSameLength() {
        ImageRecipe r = recipe("the image has 3 bitmaps named \"d\" and their number in 6 digits, with a granularity of 512 bytes");
        assertEquals(List.of("d000000", "d000001", "d000002"), r.bitmaps().stream().map(ImageRecipe.Bitmap::name).toList());
        assertEquals(9, r.bitmaps().get(0).granularityBits());
    }

    @Test
    void aNumberWiderThanTheDigitsIsRefused() {
        assertThrows(RuntimeException.class,
                () -> recipe("the image has 11 bitmaps named \"d\" and their number in 1 digits, with a granularity of 64 KiB"));
    }

    @Test
    void aNameTakenByAnEarlierBitmapIsRefused() {
        assertThrows(RuntimeException.class, () -> recipe("the image has a bitmap \"b1\" with a granularity of 64 KiB",
                "the image has 2 bitmaps named \"b\" and their number, with a granularity of 64 KiB"));
    }
}
