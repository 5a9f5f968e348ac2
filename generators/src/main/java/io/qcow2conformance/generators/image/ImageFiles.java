package io.qcow2conformance.generators.image;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The files of one generated image, named from {@code leaf}: {@code LEAF.qcow2} and, when
 * the recipe ships one, its backing file {@code LEAF.backing.qcow2} (or {@code .raw}), its
 * external data file {@code LEAF.data}, and for an encrypted image the passphrase readers are
 * given, {@code LEAF.passphrase} (its UTF-8 bytes, no newline: what QEMU's {@code secret}
 * object reads with {@code file=} and the model with {@code --passphrase-file}). The corpus
 * and the Cucumber glue both name files through here.
 *
 * @param image       the image's file name
 * @param bytes       the image
 * @param backing     the backing file's name and bytes, when a file is to be written
 * @param dataFile    the external data file's name and bytes, when a file is to be written
 * @param passphrase  the passphrase file's name and bytes, for an encrypted image
 */
public record ImageFiles(String image, byte[] bytes, Optional<WrittenImage.Backing> backing,
                         Optional<WrittenImage.DataFile> dataFile, Optional<Passphrase> passphrase) {
    /** The file that holds the passphrase readers are given. */
    public record Passphrase(String name, byte[] bytes) {
    }

    public static ImageFiles write(ImageWriter writer, ImageRecipe r, String leaf) {
        String image = leaf + ".qcow2";
        String backingName = r.backingFile() == ImageRecipe.BackingFile.SELF ? image
                : leaf + ".backing." + (r.backing().orElse(ImageRecipe.BackingFormat.QCOW2) == ImageRecipe.BackingFormat.RAW
                ? "raw" : "qcow2");
        WrittenImage w = writer.write(r, backingName, leaf + ".data");
        return new ImageFiles(image, w.bytes(),
                r.backingFile() == ImageRecipe.BackingFile.SHIPPED ? w.backing() : Optional.empty(),
                r.dataFile().filter(ImageRecipe.DataFile::shipped).flatMap(f -> w.dataFile()),
                r.readerPassphrase().map(p -> new Passphrase(leaf + ".passphrase", p.getBytes(StandardCharsets.UTF_8))));
    }
}
