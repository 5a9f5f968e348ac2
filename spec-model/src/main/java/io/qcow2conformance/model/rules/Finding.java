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

    /** Names read from the image (snapshot, bitmap, file names) may hold any byte: the message stays one line. */
    public Finding {
        message = oneLine(message);
    }

    /** Longest message kept, in characters. */
    public static final int MAX_MESSAGE = 512;

    /**
     * {@code text} with control characters (line breaks included) written as escapes (a
     * backslash, x and two hex digits; above 0xff u and four), so that a message built from
     * bytes of the image is one line; cut after {@value #MAX_MESSAGE} characters (a name in
     * the image may be 65535 bytes long).
     */
    public static String oneLine(String text) {
        if (text == null || (text.length() <= MAX_MESSAGE && text.chars().noneMatch(Finding::isControl))) {
            return text;
        }
        StringBuilder b = new StringBuilder(text.length() + 16);
        text.chars().forEach(c -> {
            if (!isControl(c)) {
                b.append((char) c);
            } else if (c < 0x100) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.append(String.format("\\u%04x", c));
            }
        });
        return b.length() <= MAX_MESSAGE ? b.toString() : b.substring(0, MAX_MESSAGE) + "...";
    }

    private static boolean isControl(int c) {
        return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029;
    }

    public static Finding of(Rule rule, long offset, Object... args) {
        return new Finding(rule, rule.severity(), offset, rule.format(args));
    }

    /** One line: {@code corruption header.cluster_bits.min at 0x14: ... [Header]}. */
    @Override
    public String toString() {
        return String.format("%s %s at 0x%x: %s [%s]", severity.id(), rule.id(), offset, message, rule.clause().heading());
    }
}
