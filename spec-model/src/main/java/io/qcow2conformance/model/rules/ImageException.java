package io.qcow2conformance.model.rules;

/**
 * The image cannot be used any further: a structure that everything else depends on breaks
 * a rule. The message is one line that names the rule, the field and the byte offset.
 */
public final class ImageException extends RuntimeException {
    private final Rule rule;
    private final String field;
    private final long offset;
    private final String detail;

    public ImageException(Rule rule, String field, long offset, String detail) {
        super(String.format("%s: %s at offset 0x%x: %s [%s]", rule.id(), Finding.oneLine(field), offset,
                Finding.oneLine(detail), rule.clause().heading()), null, false, false);
        this.rule = rule;
        this.field = field;
        this.offset = offset;
        this.detail = detail;
    }

    /** The same fault as a {@link Finding}, for reports that list it with the others. */
    public Finding toFinding() {
        return new Finding(rule, rule.severity(), offset, field + ": " + detail);
    }

    public Rule rule() {
        return rule;
    }

    public String field() {
        return field;
    }

    public long offset() {
        return offset;
    }

    public String detail() {
        return detail;
    }
}
