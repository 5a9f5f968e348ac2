package io.qcow2conformance.generators.scenario;

/** A step the vocabulary cannot run (unknown text, or it contradicts the steps before it). */
public final class StepException extends RuntimeException {
    public StepException(String message) {
        super(message, null, false, false);
    }
}
