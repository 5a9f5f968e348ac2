package io.qcow2conformance.model.robust;

import io.qcow2conformance.model.bitmap.BitmapReader;
import io.qcow2conformance.model.bitmap.PersistentBitmaps;
import io.qcow2conformance.model.bitmap.StoredBitmap;
import io.qcow2conformance.model.check.CheckReport;
import io.qcow2conformance.model.check.ImageChecker;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.image.Qcow2Image;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.read.BackingChain;
import io.qcow2conformance.model.read.GuestDisk;
import io.qcow2conformance.model.read.Qcow2Disk;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.snapshot.Snapshot;
import io.qcow2conformance.model.snapshot.SnapshotDisk;
import io.qcow2conformance.model.snapshot.SnapshotTable;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the fuzz properties do with an image: the model's entry points, each allowed to end
 * in a result or an {@link ImageException} only. Guest reads are bounded (chunks, bytes and
 * steps) so that a mutated virtual size of 2^63 costs no more than a valid image.
 */
final class Drive {
    static final Limits LIMITS = Limits.DEFAULT;
    /** Guest bytes read per disk, at most. */
    static final long READ_BUDGET = 4L << 20;
    /** Read or hole steps per disk, at most. */
    static final int STEP_BUDGET = 2048;
    /** Snapshots read per image, at most. */
    static final int SNAPSHOT_BUDGET = 4;

    private final ByteBuffer chunk = ByteBuffer.allocate(64 << 10);

    /** {@code ImageChecker.check}: always a report, never an exception. */
    String check(Path image) {
        CheckReport r = new ImageChecker(LIMITS).check(image);
        assertNotNull(r);
        if (r.fatal() != null) {
            return refused(r.fatal());
        }
        return r.findings().isEmpty() ? "clean" : "findings";
    }

    /** {@code BackingChain.open} and guest reads of every range, holes skipped. */
    String read(Path image) {
        try (Qcow2Disk disk = BackingChain.open(image, LIMITS)) {
            readAll(disk);
            return "read";
        } catch (ImageException e) {
            return refused(e);
        }
    }

    /** The snapshot table, and reads of each snapshot's disk. */
    String snapshots(Path image) {
        SnapshotTable table;
        try (Qcow2Image img = Qcow2Image.open(image, LIMITS)) {
            table = SnapshotDisk.table(img);
        } catch (ImageException e) {
            return refused(e);
        }
        List<Snapshot> entries = table.entries();
        String outcome = entries.isEmpty() ? "no snapshots" : "snapshots read";
        for (int i = 0; i < Math.min(SNAPSHOT_BUDGET, entries.size()); i++) {
            try {
                Optional<Qcow2Disk> disk = SnapshotDisk.open(image, LIMITS, entries.get(i).id());
                if (disk.isPresent()) {
                    try (Qcow2Disk d = disk.get()) {
                        readAll(d);
                    }
                }
            } catch (ImageException e) {
                outcome = refused(e);
            }
        }
        return outcome;
    }

    /** The bitmaps extension, directory, tables and each bitmap's set ranges. */
    String bitmaps(Path image) {
        try (Qcow2Image img = Qcow2Image.open(image, LIMITS)) {
            ImageSource src = img.source();
            Header h = img.header();
            Optional<PersistentBitmaps> loaded = PersistentBitmaps.load(src, h, img.extensions(), LIMITS);
            if (loaded.isEmpty()) {
                return "no bitmaps";
            }
            PersistentBitmaps b = loaded.get();
            assertNotNull(b.findings());
            String outcome = "bitmaps read";
            for (StoredBitmap sb : b.bitmaps()) {
                try {
                    assertNotNull(BitmapReader.ranges(src, h, sb));
                } catch (ImageException e) {
                    outcome = refused(e);
                }
            }
            return outcome;
        } catch (ImageException e) {
            return refused(e);
        }
    }

    private void readAll(GuestDisk disk) {
        long size = disk.size();
        assertTrue(size >= 0, "negative virtual size " + size);
        long offset = 0;
        long read = 0;
        for (int step = 0; step < STEP_BUDGET && offset < size && read < READ_BUDGET; step++) {
            long hole = disk.holeLength(offset, size - offset);
            assertTrue(hole >= 0 && hole <= size - offset, "hole of " + hole + " bytes at " + offset);
            if (hole > 0) {
                offset += hole;
                continue;
            }
            int n = (int) Math.min(chunk.capacity(), size - offset);
            chunk.clear().limit(n);
            disk.read(offset, chunk);
            assertEquals(n, chunk.position(), "read did not fill the buffer");
            offset += n;
            read += n;
        }
        if (size > 0) {
            chunk.clear().limit(1);
            disk.read(size - 1, chunk); // the last byte, wherever the budget stopped
        }
    }

    /** A refusal must be one line; its label is the rule it names. */
    private static String refused(ImageException e) {
        String m = e.getMessage();
        assertNotNull(m);
        assertTrue(!m.contains("\n"), "multi-line error: " + m);
        return "refused: " + e.rule().id();
    }
}
