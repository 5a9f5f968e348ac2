package io.qcow2conformance.harness.runner;

import io.qcow2conformance.harness.adapter.Implementation;

/**
 * One call made while judging an image: {@code open}, {@code read}, {@code read:SNAPSHOT},
 * {@code check}; {@code digest} is the SHA-256 of the guest content a successful read returned.
 */
public record Step(String name, String status, int exitCode, String detail, String digest) {
    static Step of(String name, Implementation.Result r, String digest) {
        return new Step(name, r.status().id(), r.exitCode(), r.detail(), digest);
    }
}
