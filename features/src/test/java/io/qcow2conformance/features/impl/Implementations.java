package io.qcow2conformance.features.impl;

import io.qcow2conformance.harness.adapter.Adapters;
import io.qcow2conformance.harness.adapter.Implementation;

import java.time.Duration;

/**
 * The implementation under test, chosen with {@code -Dqcow2.impl=NAME}: {@code model} (the
 * default), {@code qemu}, {@code libqcow}, {@code 7zip} or {@code command:NAME=PROGRAM [ARG...]}.
 */
public final class Implementations {
    public static final String PROPERTY = "qcow2.impl";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Implementations() {
    }

    public static Implementation selected() {
        String name = System.getProperty(PROPERTY, "model");
        try {
            return Adapters.named(name, TIMEOUT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + name + ": " + e.getMessage());
        }
    }
}
