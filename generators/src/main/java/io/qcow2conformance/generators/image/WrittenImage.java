package io.qcow2conformance.generators.image;

import io.qcow2conformance.model.write.Layout;

import java.util.Optional;

/**
 * The bytes of one written image, where its structures are, and its backing file when the
 * recipe asks for one ({@code name} is the name stored in the image header).
 */
public record WrittenImage(byte[] bytes, Layout layout, Optional<Backing> backing) {
    public record Backing(String name, ImageRecipe.BackingFormat format, byte[] bytes) {
    }
}
