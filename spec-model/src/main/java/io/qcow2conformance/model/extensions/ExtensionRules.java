package io.qcow2conformance.model.extensions;

import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.rules.Finding;

import java.util.List;

/** The header extensions' rules (spec: Header extensions and the sections of each extension). */
public final class ExtensionRules {
    private ExtensionRules() {
    }

    /** Every extension rule that can be judged from the header and the extension area, as findings. */
    public static void check(Header h, HeaderExtensions ext, long fileSize, List<Finding> out) {
        // being written
    }
}
