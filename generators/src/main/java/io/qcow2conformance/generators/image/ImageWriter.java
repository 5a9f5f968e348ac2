package io.qcow2conformance.generators.image;

/**
 * Turns a recipe into image bytes. The generator depends on this interface only, so the
 * model's deterministic writer ({@code model.write}) can replace {@link InterimImageWriter}
 * without touching the vocabulary or the corpus code.
 *
 * <p>Contract: deterministic (no time, no randomness, no host paths in the output); the
 * image is valid unless the recipe's {@link Mutation}s or cluster states make it otherwise;
 * {@code backingName} is the file name to store for a backing file.
 */
public interface ImageWriter {
    WrittenImage write(ImageRecipe recipe, String backingName);
}
