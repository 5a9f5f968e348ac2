package io.qcow2conformance.features.impl;

import io.qcow2conformance.harness.adapter.Implementation;
import io.qcow2conformance.harness.adapter.ModelAdapter;
import io.qcow2conformance.harness.adapter.QemuAdapter;

import java.time.Duration;

/** The implementation under test, chosen with {@code -Dqcow2.impl=NAME}. */
public final class Implementations {
    public static final String PROPERTY = "qcow2.impl";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Implementations() {
    }

    public static Implementation selected() {
        String name = System.getProperty(PROPERTY, "model");
        return switch (name) {
            case "model" -> new ModelAdapter(TIMEOUT);
            case "qemu" -> new QemuAdapter(TIMEOUT);
            default -> throw new IllegalArgumentException("-D" + PROPERTY + "=" + name + ": use model or qemu");
        };
    }
}
