package io.qcow2conformance.harness.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Placeholder: being written. */
@Command(name = "info", description = "(being written)")
final class InfoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new Main.UserError("info is not written yet");
    }
}
