package io.qcow2conformance.model.snapshot;

import io.qcow2conformance.model.crypto.Secret;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.image.Qcow2Image;
import io.qcow2conformance.model.mapping.MappingDecoder;
import io.qcow2conformance.model.read.BackingChain;
import io.qcow2conformance.model.read.GuestDisk;
import io.qcow2conformance.model.read.OpenOptions;
import io.qcow2conformance.model.read.Qcow2Disk;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The guest content of an internal snapshot (spec: Snapshots): the image read through the
 * snapshot's L1 table, over the image's backing chain, with the snapshot's own virtual
 * size (its extra data, else the header's).
 *
 * <p>Divergence from {@code qemu-img convert -l snapshot.name=...}: QEMU switches only the
 * L1 table (qcow2_snapshot_load_tmp) and keeps the active image's size, so a snapshot taken
 * before a resize comes out cut or zero-extended; its content up to the shorter of the two
 * sizes is the same. {@code qemu-img snapshot -a} (which resizes) gives the same disk as here.
 */
public final class SnapshotDisk {
    private SnapshotDisk() {
    }

    /** Decodes the snapshot table of an opened image. */
    public static SnapshotTable table(Qcow2Image image) {
        return SnapshotDecoder.decode(image.source(), image.header(), image.limits());
    }

    /**
     * Opens the snapshot whose ID, else name, is {@code idOrName}, with the image's backing
     * chain; empty when the image has no such snapshot.
     */
    public static Optional<Qcow2Disk> open(Path path, Limits limits, String idOrName) {
        return open(path, OpenOptions.of(limits), idOrName);
    }

    /**
     * As {@link #open(Path, Limits, String)}, decrypting encrypted images with the passphrase of
     * {@code options}. Its data file is not used, the image's stored name is: an image with an
     * external data file has no internal snapshots ({@link Rule#SNAPSHOT_WITH_DATA_FILE}).
     */
    public static Optional<Qcow2Disk> open(Path path, OpenOptions options, String idOrName) {
        Qcow2Image image = Qcow2Image.open(path, options.limits());
        try {
            Optional<Snapshot> s = table(image).find(idOrName);
            if (s.isEmpty()) {
                image.close();
                return Optional.empty();
            }
            return Optional.of(open(image, s.get(), options.secret()));
        } catch (RuntimeException e) {
            image.close();
            throw e;
        }
    }

    /** The disk of snapshot {@code s} of {@code image}; the disk takes ownership of the image. */
    public static Qcow2Disk open(Qcow2Image image, Snapshot s) {
        return open(image, s, Secret.NONE);
    }

    /** As {@link #open(Qcow2Image, Snapshot)}, decrypting encrypted images with {@code secret}. */
    public static Qcow2Disk open(Qcow2Image image, Snapshot s, Secret secret) {
        Header h = image.header();
        Finding fault = SnapshotRules.l1Fault(h, s, image.limits());
        if (fault != null) {
            throw new ImageException(fault.rule(), "snapshot " + s.label() + " L1 table", fault.offset(),
                    fault.message());
        }
        long[] l1 = MappingDecoder.readL1(image.source(), s.l1TableOffset(), s.l1Size(), image.limits(),
                "snapshot " + s.label());
        GuestDisk backing = BackingChain.openBacking(image, secret);
        try {
            return Qcow2Disk.ofSnapshot(image, backing, l1, s.l1TableOffset(), s.virtualSize(h), secret);
        } catch (RuntimeException e) {
            if (backing != null) {
                backing.close();
            }
            throw e;
        }
    }
}
