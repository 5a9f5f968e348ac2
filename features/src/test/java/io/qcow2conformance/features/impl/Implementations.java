package io.qcow2conformance.features.impl;

import io.qcow2conformance.harness.adapter.Implementation;

/** The implementation under test, chosen with {@code -Dqcow2.impl=NAME}. */
public final class Implementations {
    public static final String PROPERTY = "qcow2.impl";

    private Implementations() {
    }

    public static Implementation selected() {
        String name = System.getProperty(PROPERTY, "model");
        return switch (name) {
            case "model" -> new InterimModelCliImplementation();
            case "qemu" -> new InterimQemuImplementation();
            default -> throw new IllegalArgumentException("-D" + PROPERTY + "=" + name + ": use model or qemu");
        };
    }
}
