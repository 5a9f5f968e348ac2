package io.qcow2conformance.generators.image;

import io.qcow2conformance.model.write.Layout;

import java.util.Optional;

/**
 * The bytes of one written image, where its structures are, its backing file when the
 * recipe asks for one ({@code name} is the name stored in the image header) and its external
 * data file when it has one.
 */
public record WrittenImage(byte[] bytes, Layout layout, Optional<Backing> backing, Optional<DataFile> dataFile) {
    public record Backing(String name, ImageRecipe.BackingFormat format, byte[] bytes) {
    }

    /** An external data file, under the name the image stores (spec: Header extensions). */
    public record DataFile(String name, byte[] bytes) {
    }

    public WrittenImage(byte[] bytes, Layout layout, Optional<Backing> backing) {
        this(bytes, layout, backing, Optional.empty());
    }
}
