package io.qcow2conformance.harness.datafile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.harness.cli.ErrataCommand;
import io.qcow2conformance.harness.cli.ErrataCommand.Erratum;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.testkit.Cli;
import io.qcow2conformance.model.rules.Clause;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** The errata list is well-formed data, tied to the catalogue, and {@code errata} prints all of it. */
class ErrataCommandTest {
    @Test
    void everyErratumIsCompleteAndNamesKnownClausesAndRules() {
        List<Erratum> errata = ErrataCommand.load();
        Set<String> clauses = Arrays.stream(Clause.values()).map(Clause::id).collect(Collectors.toSet());
        Set<String> ids = errata.stream().map(Erratum::id).collect(Collectors.toSet());
        assertEquals(errata.size(), ids.size(), "unique IDs");
        for (Erratum e : errata) {
            assertTrue(Set.of("erratum", "gap").contains(e.kind()), e.id());
            assertTrue(clauses.contains(e.clause()), e.id() + ": unknown clause " + e.clause());
            assertTrue(!e.rules().isEmpty(), e.id());
        }
    }

    @Test
    void theRawExternalDataBitNumberIsListed() {
        Erratum e = ErrataCommand.load().stream().filter(x -> x.id().equals("autoclear-raw-external-data-bit-number"))
                .findFirst().orElseThrow();
        assertEquals("erratum", e.kind());
        assertEquals(List.of(Rule.HEADER_AUTOCLEAR_RAW_WITHOUT_DATA_FILE), e.rules());
        assertTrue(e.meant().contains("bit 2"), e.meant());
    }

    @Test
    void commandPrintsEveryErratumAsTextAndJson() throws IOException {
        List<String> ids = ErrataCommand.load().stream().map(Erratum::id).toList();
        Cli.Result human = Cli.run("errata");
        assertEquals(0, human.exitCode(), human.err());
        ids.forEach(id -> assertTrue(human.out().contains(id), id));
        Cli.Result json = Cli.run("errata", "--output=json");
        assertEquals(0, json.exitCode(), json.err());
        JsonNode root = Json.MAPPER.readTree(json.out());
        List<String> printed = new ArrayList<>();
        root.path("errata").forEach(n -> printed.add(n.path("id").asText()));
        assertEquals(ids, printed);
    }
}
