package io.qcow2conformance.harness.cli;

/** {@code --output=human|json}, as qemu-img. */
public enum OutputFormat {
    HUMAN, JSON
}
