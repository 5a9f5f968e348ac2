package io.qcow2conformance.harness.cli;

import io.qcow2conformance.model.rules.ImageException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Entry point of {@code bin/qcow2-conformance}. Exit codes (documented in README.md):
 * 0 success / clean; 1 the input could not be used (one-line error naming rule, field and
 * offset); 2 corruptions found; 3 leaks only; 64 wrong command-line usage; 70 internal error.
 */
@Command(name = "qcow2-conformance", mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Conformance kit for the qcow2 disk image format.")
public final class Main {
    /**
     * The subcommands, in the order of the usage help. Picocli builds a command's model by
     * reflection, which dominates start-up: a command line that names one of these builds
     * only that one (see docs/performance.md); {@code help}, options and unknown names get all.
     */
    private static final List<Class<?>> SUBCOMMANDS = List.of(
            RunCommand.class,
            GenerateCommand.class,
            InfoCommand.class,
            CheckCommand.class,
            ConvertCommand.class,
            BitmapCommand.class,
            RulesCommand.class,
            ErrataCommand.class,
            ImpactCommand.class,
            CommandLine.HelpCommand.class);

    public static final int EXIT_OK = 0;
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_CORRUPTIONS = 2;
    public static final int EXIT_LEAKS = 3;
    public static final int EXIT_USAGE = 64;
    public static final int EXIT_INTERNAL = 70;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; used by the launcher and by tests (no {@code System.exit}). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        // Added before the settings below, which apply to the subcommands present when they are made.
        Class<?> named = args.length == 0 ? null : SUBCOMMANDS.stream()
                .filter(c -> c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(args[0]))
                .findFirst().orElse(null);
        for (Class<?> c : SUBCOMMANDS) {
            if (named == null || c == named) {
                cl.addSubcommand(c);
            }
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExitCodeExceptionMapper(Main::exitCodeFor);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("qcow2-conformance: usage: " + ex.getMessage());
            err.println("Try 'qcow2-conformance " + subcommandName(ex.getCommandLine()) + "--help' for more information.");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            err.println("qcow2-conformance: " + oneLine(ex));
            if (System.getenv("QCOW2_CONFORMANCE_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            return exitCodeFor(ex);
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            err.println("qcow2-conformance: internal error: out of memory (raise -Xmx or lower the --max-* limits)");
            return EXIT_INTERNAL;
        }
    }

    private static String subcommandName(CommandLine c) {
        return c.getParent() == null ? "" : c.getCommandName() + " ";
    }

    static int exitCodeFor(Throwable ex) {
        if (ex instanceof ImageException || ex instanceof UncheckedIOException || ex instanceof UserError) {
            return EXIT_ERROR;
        }
        return EXIT_INTERNAL;
    }

    /** The one line printed for an error: the rule, field and offset for image faults. */
    static String oneLine(Throwable ex) {
        if (ex instanceof ImageException || ex instanceof UserError) {
            return "error: " + ex.getMessage();
        }
        if (ex instanceof UncheckedIOException u) {
            return "error: I/O: " + u.getCause().getMessage();
        }
        return "internal error: " + ex.getClass().getSimpleName() + ": " + ex.getMessage()
                + " (set QCOW2_CONFORMANCE_DEBUG=1 for a stack trace)";
    }

    /** A mistake in what the user asked for (a missing file, a bad snapshot name). Exit 1. */
    public static final class UserError extends RuntimeException {
        public UserError(String message) {
            super(message, null, false, false);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"qcow2-conformance " + (v == null ? "dev" : v)};
        }
    }
}
