package io.qcow2conformance.harness.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Placeholder: being written. */
@Command(name = "check", description = "(being written)")
final class CheckCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new Main.UserError("check is not written yet");
    }
}
