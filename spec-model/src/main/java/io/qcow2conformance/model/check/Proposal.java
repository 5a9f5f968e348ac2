package io.qcow2conformance.model.check;

import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Proposed changes to the qcow2 specification that a check can be asked to apply
 * ({@code --proposal=NAME}). A proposal is data: the published rules it replaces (not
 * reported while it is applied) and the rules it brings (reported only while it is
 * applied). The model always evaluates both; {@link #applicable} keeps the findings that
 * count under the proposals applied, so no other code tests for a proposal.
 */
public enum Proposal {
    /**
     * Bitmap table offset 0 means the bitmap has no table and reads as all zeros, with a table
     * size of 0 (qemu-block, 2016, "spec/qcow2: bitmaps: zero bitmap table offset"; never merged).
     */
    ZERO_BITMAP_TABLE_OFFSET("zero-bitmap-table-offset",
            Set.of(Rule.BITMAP_TABLE_OFFSET_NON_ZERO),
            Set.of(Rule.BITMAP_TABLE_OFFSET_ZERO_SIZE));

    private final String id;
    private final Set<Rule> replaces;
    private final Set<Rule> adds;

    Proposal(String id, Set<Rule> replaces, Set<Rule> adds) {
        this.id = id;
        this.replaces = Set.copyOf(replaces);
        this.adds = Set.copyOf(adds);
    }

    public String id() {
        return id;
    }

    /** Published rules that do not hold while this proposal is applied. */
    public Set<Rule> replaces() {
        return replaces;
    }

    /** Rules that hold only while this proposal is applied. */
    public Set<Rule> adds() {
        return adds;
    }

    public static Optional<Proposal> byId(String id) {
        return Arrays.stream(values()).filter(p -> p.id.equals(id)).findFirst();
    }

    /** The known names, comma separated, for usage messages. */
    public static String known() {
        return Arrays.stream(values()).map(Proposal::id).collect(Collectors.joining(", "));
    }

    /** True when a finding of {@code rule} counts with the proposals {@code applied}. */
    public static boolean counts(Rule rule, Set<Proposal> applied) {
        for (Proposal p : values()) {
            boolean on = applied.contains(p);
            if (on && p.replaces.contains(rule) || !on && p.adds.contains(rule)) {
                return false;
            }
        }
        return true;
    }

    /** The findings that count with the proposals {@code applied}, in their order. */
    public static List<Finding> applicable(List<Finding> findings, Set<Proposal> applied) {
        return findings.stream().filter(f -> counts(f.rule(), applied)).toList();
    }

    /**
     * The proposals an image needs: those that replace the rule of one of its findings under
     * the published spec ({@code findings} as evaluated with no proposal filtered out).
     */
    public static Set<Proposal> needed(List<Finding> findings) {
        Set<Proposal> out = EnumSet.noneOf(Proposal.class);
        for (Proposal p : values()) {
            if (findings.stream().anyMatch(f -> p.replaces.contains(f.rule()))) {
                out.add(p);
            }
        }
        return out;
    }
}
