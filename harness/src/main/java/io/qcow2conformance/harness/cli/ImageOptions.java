package io.qcow2conformance.harness.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/**
 * What every command that examines one image takes: the image, the output format, the
 * spec proposals to apply and the model's options (limits, data file, passphrase).
 */
public final class ImageOptions {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The qcow2 image file.")
    Path image;

    @Option(names = "--output", paramLabel = "FORMAT", description = "human or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output = OutputFormat.HUMAN;

    @Mixin
    ProposalOptions proposals;

    @Mixin
    ModelOptions model;

    boolean json() {
        return output == OutputFormat.JSON;
    }
}
