package io.qcow2conformance.model.write;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an external data file changes in {@link Qcow2Writer}'s plan (spec: Header,
 * incompatible feature bit 2): the name extension joins the extensions, guest clusters take
 * no host cluster of the image file (they are not refcounted there) and each one's host
 * offset is its guest offset in the data file. Without a data file it changes nothing.
 */
final class ExternalData {
    private final ImageDescription d;

    ExternalData(ImageDescription d) {
        this.d = d;
    }

    boolean present() {
        return d.dataFile() != null;
    }

    /** Adds the external data file name extension, when the name is stored (before the bitmaps extension). */
    void addExtension(List<Extension> exts) {
        if (present() && d.dataFile().named()) {
            exts.add(d.dataFile().nameExtension());
        }
    }

    /** The guest clusters among {@code dataClusters} that take a host cluster of the image file. */
    List<Long> inImage(List<Long> dataClusters) {
        return present() ? List.of() : dataClusters;
    }

    /** Host offsets fixed before the image file is laid out: with a data file, each guest cluster's own offset. */
    Map<Long, Long> hostOffsets(List<Long> dataClusters) {
        Map<Long, Long> out = new LinkedHashMap<>();
        if (present()) {
            dataClusters.forEach(c -> out.put(c, c * d.clusterSize()));
        }
        return out;
    }
}
