package io.qcow2conformance.model.write;

import java.nio.charset.StandardCharsets;

/**
 * An external data file of an {@link ImageDescription} (spec: Header, incompatible feature
 * bit 2 and autoclear feature bit 1; Header extensions, external data file name; Cluster
 * mapping, L2 table entry). The image then holds metadata only: every guest cluster with a
 * host cluster lives in the data file at its guest offset, is not refcounted and its L2
 * entry has the copied flag. {@link Qcow2Writer#writeChain} writes the file next to the image
 * under {@code name}; {@link DataFileWriter} says what it holds.
 *
 * @param name              the file's name, stored in the external data file name extension
 * @param raw               sets autoclear bit 1: the data file alone is the guest disk (zeros under zero
 *                          and unallocated clusters, as long as the virtual disk). Without it, the data
 *                          file holds the layer's pattern under those clusters, which a reader must never
 *                          return (a reader that takes the data file for a raw image is caught)
 * @param named             whether the name extension is written (the spec makes it optional; without it
 *                          a reader needs the file from its user)
 * @param endsAtLastCluster the data file ends where the last cluster with a host cluster ends, before the
 *                          end of the virtual disk (never with {@code raw})
 */
public record ExternalDataFile(String name, boolean raw, boolean named, boolean endsAtLastCluster) {

    /** A named data file, with or without the raw bit, as long as the virtual disk. */
    public static ExternalDataFile of(String name, boolean raw) {
        return new ExternalDataFile(name, raw, true, false);
    }

    public ExternalDataFile withNamed(boolean on) {
        return new ExternalDataFile(name, raw, on, endsAtLastCluster);
    }

    public ExternalDataFile withEndsAtLastCluster(boolean on) {
        return new ExternalDataFile(name, raw, named, on);
    }

    /** The name extension to write. */
    Extension nameExtension() {
        return Extension.externalDataFile(name);
    }

    /** Refuses descriptions no valid image with this data file can have. */
    void validate(ImageDescription d) {
        int len = name.getBytes(StandardCharsets.UTF_8).length;
        require(len > 0 && len <= 1023, "the data file name must be 1..1023 bytes");
        require(d.version() == 3, "an external data file needs version 3 (incompatible feature bit 2)");
        require(!raw || d.backingFileName() == null, "the raw external data bit excludes a backing file "
                + "(spec: Header, backing_file_offset)");
        require(!(raw && endsAtLastCluster), "a raw data file is a whole raw image of the guest");
        require(d.operations().stream().noneMatch(o -> o instanceof GuestOp.WriteCompressed || o instanceof GuestOp.Share),
                "with an external data file no cluster is compressed and host clusters are at their guest offsets,"
                        + " so none is shared (spec: Header, incompatible feature bit 2)");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
