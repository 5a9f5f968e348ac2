package io.qcow2conformance.model.bitmap;

import io.qcow2conformance.model.rules.Finding;

import java.util.List;

/**
 * One bitmap of an image as loaded: its directory entry, its table (null when it has none
 * that can be read: offset 0, outside the file, beyond the kit's limits) and the findings
 * of the rules that concern it alone.
 */
public record StoredBitmap(BitmapDirectoryEntry entry, BitmapTable table, List<Finding> findings) {
    public StoredBitmap {
        findings = List.copyOf(findings);
    }

    public String name() {
        return entry.name();
    }
}
