package io.qcow2conformance.harness.testkit;

import io.qcow2conformance.harness.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the kit's own command line in-process, capturing output and exit code. */
public final class Cli {
    private Cli() {
    }

    public record Result(int exitCode, String out, String err) {
    }

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(rc, out.toString(), err.toString());
    }
}
