package io.qcow2conformance.harness.runner;

import java.util.Locale;

/** The judgement of one image on one implementation. Only {@link #PASS} conforms. */
public enum Verdict {
    PASS, FAIL, CRASH, TIMEOUT, SKIPPED, ADAPTER_ERROR;

    /** What kind of failure a {@link #FAIL} is. */
    public enum Kind {
        /** Returned guest data whose digest differs from the expected content. */
        WRONG_DATA,
        /** Accepted (opened, read or checked clean) an image it must refuse. */
        WRONGLY_ACCEPTED,
        /** Refused an image it must accept. */
        WRONGLY_REJECTED,
        /** The consistency check's exit code differs from the expected one. */
        WRONG_CHECK;

        public String id() {
            return Verdict.id(name());
        }
    }

    public String id() {
        return id(name());
    }

    /** Parses {@code pass}, {@code adapter-error}, ... */
    public static Verdict parse(String id) {
        return valueOf(id.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    static Kind parseKind(String id) {
        return Kind.valueOf(id.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    static String id(String constant) {
        return constant.toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
