package io.qcow2conformance.harness.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Placeholder: being written. */
@Command(name = "convert", description = "(being written)")
final class ConvertCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new Main.UserError("convert is not written yet");
    }
}
