package io.qcow2conformance.harness.adapter;

import java.time.Duration;
import java.util.List;

/** Implementations by name: the bundled adapters and {@code command:NAME=PROGRAM [ARG...]} protocol speakers. */
public final class Adapters {
    /** The bundled adapters' names, in the order {@code run} reports them. */
    public static final List<String> BUILT_IN = List.of("model", "qemu", "libqcow", "7zip");

    private Adapters() {
    }

    /**
     * The implementation called {@code name}.
     *
     * @throws IllegalArgumentException for an unknown name or a malformed {@code command:} spec
     */
    public static Implementation named(String name, Duration timeout) {
        if (name.startsWith(CommandAdapter.PREFIX)) {
            return CommandAdapter.parse(name, timeout);
        }
        return switch (name) {
            case "model" -> new ModelAdapter(timeout);
            case "qemu" -> new QemuAdapter(timeout);
            case "libqcow" -> new LibqcowAdapter(timeout);
            case "7zip" -> new SevenZipAdapter(timeout);
            default -> throw new IllegalArgumentException("unknown implementation '" + name + "' (known: "
                    + String.join(", ", BUILT_IN) + ", command:NAME=PROGRAM)");
        };
    }
}
