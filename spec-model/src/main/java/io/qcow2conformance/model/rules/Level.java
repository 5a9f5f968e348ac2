package io.qcow2conformance.model.rules;

/** How binding a rule is, as the spec words it. */
public enum Level {
    /** The spec requires it ("must", "must not", "valid values are"). */
    MUST,
    /** The spec recommends it ("should"), or a reserved field is documented as "set to 0". */
    SHOULD,
    /** A limit that an implementation may impose (QEMU's notes) or that this kit imposes. */
    IMPLEMENTATION_LIMIT;

    public String id() {
        return name().toLowerCase().replace('_', '-');
    }
}
