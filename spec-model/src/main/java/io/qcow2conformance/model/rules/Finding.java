package io.qcow2conformance.model.rules;

/**
 * One violation of one rule, at one byte offset of the image file.
 *
 * @param rule     the catalogue entry that is broken
 * @param severity how it counts (usually the rule's own severity)
 * @param offset   byte offset in the image file of the field or structure concerned
 * @param message  the rule's message with its arguments filled in
 */
public record Finding(Rule rule, Severity severity, long offset, String message) {

    public static Finding of(Rule rule, long offset, Object... args) {
        return new Finding(rule, rule.severity(), offset, rule.format(args));
    }

    /** One line: {@code corruption header.cluster_bits.min at 0x14: ... [Header]}. */
    @Override
    public String toString() {
        return String.format("%s %s at 0x%x: %s [%s]", severity.id(), rule.id(), offset, message, rule.clause().heading());
    }
}
