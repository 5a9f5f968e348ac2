package io.qcow2conformance.harness.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.model.rules.Rule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code errata}: the known slips and gaps of the spec text the kit follows, each with its
 * section, what the text says, what is meant, why, and the rules concerned. The list is data
 * ({@value #RESOURCE} in spec-model); {@link #load} reads it.
 */
@Command(name = "errata", mixinStandardHelpOptions = true,
        description = "List known errata and gaps of the qcow2 spec text (QEMU 7.2) and how the kit reads them.")
public final class ErrataCommand implements Callable<Integer> {
    static final String RESOURCE = "/io/qcow2conformance/model/rules/errata.json";

    /** One entry of the errata list; {@code kind} is "erratum" (the text is wrong) or "gap" (it is silent). */
    public record Erratum(String id, String kind, String section, String clause, String specSays, String meant,
                          String why, List<Rule> rules) {
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--output", paramLabel = "FORMAT", description = "human or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output = OutputFormat.HUMAN;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Erratum> errata = load(); // validated before anything is printed
        if (output == OutputFormat.JSON) {
            out.println(Json.write(raw()));
        } else {
            for (Erratum e : errata) {
                out.printf("%s (%s) — %s%n  spec says: %s%n  meant:     %s%n  why:       %s%n  rules:     %s%n%n",
                        e.id(), e.kind(), e.section(), e.specSays(), e.meant(), e.why(),
                        String.join(", ", e.rules().stream().map(Rule::id).toList()));
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }

    /** The errata list; a rule ID that the catalogue does not know is an error in the data. */
    public static List<Erratum> load() {
        List<Erratum> list = new ArrayList<>();
        for (JsonNode n : raw().path("errata")) {
            List<Rule> rules = new ArrayList<>();
            for (JsonNode r : n.path("rules")) {
                rules.add(Rule.byId(r.asText()).orElseThrow(() -> new IllegalStateException(
                        RESOURCE + ": erratum " + n.path("id").asText() + " names unknown rule " + r.asText())));
            }
            list.add(new Erratum(text(n, "id"), text(n, "kind"), text(n, "section"), text(n, "clause"),
                    text(n, "specSays"), text(n, "meant"), text(n, "why"), List.copyOf(rules)));
        }
        return List.copyOf(list);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new IllegalStateException(RESOURCE + ": erratum " + n.path("id").asText() + " has no " + field);
        }
        return v.asText();
    }

    private static JsonNode raw() {
        try (InputStream in = ErrataCommand.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
