package io.qcow2conformance.model.robust;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Sizes the fuzz campaign from system properties, so that a long campaign needs no code
 * change (docs/robustness.md): {@code qcow2.fuzz.tries} (tries per property; CI's default
 * is the annotation's) and {@code qcow2.fuzz.seed} (jqwik's random seed, to replay a run).
 */
public final class FuzzCampaign implements AroundPropertyHook {
    static final String TRIES = "qcow2.fuzz.tries";
    static final String SEED = "qcow2.fuzz.seed";

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        Integer tries = Integer.getInteger(TRIES);
        if (tries != null) {
            context.attributes().setTries(tries);
        }
        String seed = System.getProperty(SEED);
        if (seed != null && !seed.isBlank()) {
            context.attributes().setSeed(seed);
        }
        return property.execute();
    }
}
