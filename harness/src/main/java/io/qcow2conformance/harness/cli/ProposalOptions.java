package io.qcow2conformance.harness.cli;

import io.qcow2conformance.model.check.Proposal;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** {@code --proposal=NAME}, shared by every command that judges an image ({@code check}, {@code info}, {@code bitmap}). */
public final class ProposalOptions {
    @Option(names = "--proposal", paramLabel = "NAME", converter = ProposalConverter.class,
            description = "Apply a proposed spec change (repeatable): its rules replace the published rules they "
                    + "relax. Known: ${COMPLETION-CANDIDATES}.",
            completionCandidates = KnownProposals.class)
    List<Proposal> proposals = new ArrayList<>();

    public Set<Proposal> applied() {
        Set<Proposal> applied = EnumSet.noneOf(Proposal.class);
        applied.addAll(proposals);
        return applied;
    }

    /** Turns {@code --proposal=NAME} into a {@link Proposal}; an unknown name is a usage error (exit 64). */
    static final class ProposalConverter implements CommandLine.ITypeConverter<Proposal> {
        @Override
        public Proposal convert(String value) {
            return Proposal.byId(value).orElseThrow(() -> new CommandLine.TypeConversionException(
                    "unknown proposal '" + value + "' (known: " + Proposal.known() + ")"));
        }
    }

    static final class KnownProposals extends ArrayList<String> {
        KnownProposals() {
            for (Proposal p : Proposal.values()) {
                add(p.id());
            }
        }
    }
}
