package io.qcow2conformance.features;

import static io.cucumber.junit.platform.engine.Constants.GLUE_PROPERTY_NAME;
import static io.cucumber.junit.platform.engine.Constants.PLUGIN_PROPERTY_NAME;

import org.junit.platform.suite.api.ConfigurationParameter;
import org.junit.platform.suite.api.IncludeEngines;
import org.junit.platform.suite.api.SelectDirectories;
import org.junit.platform.suite.api.Suite;

/**
 * Runs every scenario of features/scenarios against the implementation chosen with
 * {@code -Dqcow2.impl=model|qemu|libqcow|7zip|command:NAME=PROGRAM} (default: model). Reports: target/cucumber.html and
 * target/cucumber-junit.xml.
 */
@Suite
@IncludeEngines("cucumber")
@SelectDirectories("scenarios")
@ConfigurationParameter(key = GLUE_PROPERTY_NAME, value = "io.qcow2conformance.features.glue")
@ConfigurationParameter(key = PLUGIN_PROPERTY_NAME,
        value = "html:target/cucumber.html, junit:target/cucumber-junit.xml, summary")
public class ScenariosTest {
}
