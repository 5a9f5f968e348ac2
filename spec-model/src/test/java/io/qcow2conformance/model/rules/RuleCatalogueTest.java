package io.qcow2conformance.model.rules;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The catalogue's IDs are stable keys: unique, dotted, lower case, and found by {@link Rule#byId}. */
class RuleCatalogueTest {

    @Test
    void idsAreUniqueDottedAndFoundById() {
        Set<String> seen = new HashSet<>();
        for (Rule r : Rule.values()) {
            assertTrue(seen.add(r.id()), "duplicate rule ID " + r.id());
            assertTrue(r.id().matches("[a-z0-9_-]+(\\.[a-z0-9_-]+)+"), "malformed rule ID " + r.id());
            assertEquals(r, Rule.byId(r.id()).orElseThrow());
            assertFalse(r.paraphrase().isBlank(), r.id());
        }
    }

    @Test
    void implementationLimitsCountAsLimits() {
        for (Rule r : Rule.values()) {
            assertEquals(r.level() == Level.IMPLEMENTATION_LIMIT, r.severity() == Severity.LIMIT, r.id());
        }
    }
}
