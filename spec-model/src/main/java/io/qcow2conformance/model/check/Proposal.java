package io.qcow2conformance.model.check;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Proposed changes to the qcow2 specification that a check can be asked to apply
 * ({@code --proposal=NAME}). They are accepted and carried to the checker; none changes a
 * verdict yet.
 */
public enum Proposal {
    /** Bitmap table offset 0 (its meaning is defined by the proposal; the bitmap checks apply it). */
    ZERO_BITMAP_TABLE_OFFSET("zero-bitmap-table-offset");

    private final String id;

    Proposal(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Optional<Proposal> byId(String id) {
        return Arrays.stream(values()).filter(p -> p.id.equals(id)).findFirst();
    }

    /** The known names, comma separated, for usage messages. */
    public static String known() {
        return Arrays.stream(values()).map(Proposal::id).collect(Collectors.joining(", "));
    }
}
