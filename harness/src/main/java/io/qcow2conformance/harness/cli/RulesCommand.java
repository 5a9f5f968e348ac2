package io.qcow2conformance.harness.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qcow2conformance.model.rules.Rule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** Prints the rule catalogue: the IDs that findings, scenarios and the manifest use. */
@Command(name = "rules", mixinStandardHelpOptions = true, description = "List the rule catalogue (ID, spec section, level, paraphrase).")
final class RulesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--output", paramLabel = "FORMAT", description = "human or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output = OutputFormat.HUMAN;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        if (output == OutputFormat.JSON) {
            ArrayNode rules = Json.MAPPER.createArrayNode();
            for (Rule r : Rule.values()) {
                ObjectNode n = rules.addObject();
                n.put("id", r.id());
                n.put("clause", r.clause().id());
                n.put("section", r.clause().heading());
                n.put("level", r.level().id());
                n.put("severity", r.severity().id());
                n.put("paraphrase", r.paraphrase());
                n.put("message", r.messageTemplate());
            }
            ObjectNode root = Json.object();
            root.put("spec", "qcow2.txt as shipped with QEMU 7.2");
            root.set("rules", rules);
            out.println(Json.write(root));
        } else {
            for (Rule r : Rule.values()) {
                out.printf("%-55s %-22s %-9s %s%n", r.id(), r.level().id(), r.clause().id(), r.paraphrase());
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
