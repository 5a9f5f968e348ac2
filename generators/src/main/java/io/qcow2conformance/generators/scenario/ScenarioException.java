package io.qcow2conformance.generators.scenario;

/** A feature file that breaks the scenario-writing rules; the message names file and line. */
public final class ScenarioException extends RuntimeException {
    public ScenarioException(String feature, long line, String message) {
        super(feature + ":" + line + ": " + message, null, false, false);
    }
}
