package io.qcow2conformance.model.bitmap;

import io.qcow2conformance.model.check.CheckContext;
import io.qcow2conformance.model.check.ClusterRole;
import io.qcow2conformance.model.check.ReferenceSource;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;

import java.util.Optional;

/**
 * The bitmaps' part of the refcount cross-check: the bitmap directory, every bitmap table
 * and every bitmap data cluster each hold one reference (as {@code qemu-img check} counts
 * them, qcow2-bitmap.c qcow2_check_bitmaps_refcounts), and the bitmap rules' findings.
 *
 * <p>With autoclear bit 0 clear the bitmaps are inconsistent (spec: autoclear_features bit
 * 0) and nothing in them is trusted or counted: their clusters show as leaks, as QEMU, which
 * ignores the extension then, reports them. The extension rule
 * {@code extensions.bitmaps.autoclear-bit-clear} says why.
 *
 * <p>A directory larger than the decoder reads (QEMU's maximum, {@link BitmapDecoder#MAX_DIRECTORY_BYTES})
 * stops the check: the clusters of its tables and data cannot be told from leaks, and QEMU
 * refuses to open such an image at all.
 */
public final class BitmapReferences implements ReferenceSource {

    @Override
    public void addReferences(CheckContext ctx) {
        Header h = ctx.header();
        if (!h.hasAutoclear(Header.AUTOCLEAR_BITMAPS)) {
            return;
        }
        Optional<PersistentBitmaps> loaded;
        try {
            loaded = PersistentBitmaps.load(ctx.source(), h, ctx.extensions(), ctx.limits());
        } catch (ImageException e) {
            if (e.rule() == Rule.EXTENSIONS_BITMAPS_DIRECTORY_SIZE_QEMU_MAX) {
                // The directory is beyond what the kit reads (QEMU's limit): its entries' tables and data
                // cannot be counted, and calling them leaks would be wrong. The check stops, as qemu-img's.
                throw e;
            }
            if (!judgedByExtensionRules(e)) {
                ctx.report(e.toFinding());
            }
            return;
        }
        if (loaded.isEmpty()) {
            return;
        }
        PersistentBitmaps bitmaps = loaded.get();
        bitmaps.findings().forEach(ctx::report);
        BitmapDirectory dir = bitmaps.directory();
        ctx.reference(dir.offset(), dir.size(), ClusterRole.BITMAP_DIRECTORY, null);
        long cs = h.clusterSize();
        for (StoredBitmap b : bitmaps.bitmaps()) {
            BitmapTable t = b.table();
            if (t == null) {
                continue;
            }
            String name = "bitmap table of '" + b.name() + "'";
            ctx.reference(t.offset(), t.size() * 8L, ClusterRole.BITMAP_TABLE, name);
            for (int i = 0; i < t.size(); i++) {
                long offset = BitmapTableEntry.offset(t.entry(i));
                if (offset != 0) {
                    // a cluster past the end of the file is reported as bitmaps.data.in-file
                    ctx.reference(offset, cs, ClusterRole.BITMAP_DATA,
                            String.format("bitmap data of '%s' (table entry %d)", b.name(), i));
                }
            }
        }
    }

    /** Faults of the directory's placement that {@code ExtensionRules} already reports. */
    static boolean judgedByExtensionRules(ImageException e) {
        return e.rule() == Rule.FILE_STRUCTURE_IN_BOUNDS;
    }
}
