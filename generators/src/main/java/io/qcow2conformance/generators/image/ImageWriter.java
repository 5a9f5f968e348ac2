package io.qcow2conformance.generators.image;

/**
 * Turns a recipe into image bytes. The generator depends on this interface only; the
 * implementation is {@link ModelImageWriter}, on top of the model's deterministic writer
 * ({@code io.qcow2conformance.model.write}).
 *
 * <p>Contract: deterministic (no time, no randomness, no host paths in the output); the
 * image is valid unless the recipe's {@link io.qcow2conformance.model.write.Mutation}s or
 * cluster states make it otherwise; {@code backingName} is the file name to store for a
 * backing file, {@code dataFileName} the one for an external data file.
 */
public interface ImageWriter {
    /** The name stored for an external data file when the caller gives none. */
    String DATA_FILE_NAME = "image.data";

    default WrittenImage write(ImageRecipe recipe, String backingName) {
        return write(recipe, backingName, DATA_FILE_NAME);
    }

    /** As {@link #write(ImageRecipe, String)}, storing {@code dataFileName} for an external data file. */
    WrittenImage write(ImageRecipe recipe, String backingName, String dataFileName);
}
