package io.qcow2conformance.model.extensions;

import java.util.List;
import java.util.Optional;

/**
 * All header extensions of an image, in file order (spec: Header extensions).
 *
 * @param entries         the extensions before the end marker, repeats included
 * @param areaStart       offset where the extension area starts (the end of the header)
 * @param areaEnd         offset where the area must end: the backing file name, or the end of the first cluster
 * @param endMarkerOffset offset of the end marker, or -1 when the area has none
 */
public record HeaderExtensions(List<HeaderExtension> entries, long areaStart, long areaEnd, long endMarkerOffset) {
    public HeaderExtensions {
        entries = List.copyOf(entries);
    }

    /** The last extension of a class: QEMU lets the last of repeated extensions win. */
    public <T extends HeaderExtension> Optional<T> last(Class<T> kind) {
        T found = null;
        for (HeaderExtension e : entries) {
            if (kind.isInstance(e)) {
                found = kind.cast(e);
            }
        }
        return Optional.ofNullable(found);
    }

    /** The offset just past the end marker (or the last extension when the marker is missing). */
    public long usedEnd() {
        if (endMarkerOffset >= 0) {
            return endMarkerOffset + 8;
        }
        long end = areaStart;
        for (HeaderExtension e : entries) {
            end = Math.max(end, e.offset() + 8 + ((e.length() + 7L) & ~7L));
        }
        return end;
    }
}
