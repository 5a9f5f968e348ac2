package io.qcow2conformance.model.bitmap;

import io.qcow2conformance.model.check.Proposal;
import io.qcow2conformance.model.extensions.ExtensionRules;
import io.qcow2conformance.model.extensions.HeaderExtension.Bitmaps;
import io.qcow2conformance.model.extensions.HeaderExtensions;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Clause;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;
import io.qcow2conformance.model.rules.Severity;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The persistent bitmaps of an image (spec: Bitmaps extension, Bitmaps): the directory, each
 * bitmap's table, and every finding of {@link BitmapRules}, decoded once for {@code check},
 * {@code info} and {@code bitmap}. Whether the bitmaps may be trusted at all is
 * {@link #consistent()}: the spec makes the extension's data inconsistent when autoclear bit
 * 0 is clear.
 */
public final class PersistentBitmaps {
    /** Findings that leave a bitmap's content untrusted although they are not corruptions. */
    private static final Set<Rule> UNTRUSTED = EnumSet.of(Rule.EXTENSIONS_BITMAPS_AUTOCLEAR_CLEAR, Rule.BITMAP_IN_USE,
            Rule.BITMAP_EXTRA_DATA_UNUSABLE);

    private final Bitmaps extension;
    private final boolean consistent;
    private final List<Finding> extensionFindings;
    private final BitmapDirectory directory;
    private final List<Finding> directoryFindings;
    private final List<StoredBitmap> bitmaps;

    private PersistentBitmaps(Bitmaps extension, boolean consistent, List<Finding> extensionFindings,
                              BitmapDirectory directory, List<Finding> directoryFindings, List<StoredBitmap> bitmaps) {
        this.extension = extension;
        this.consistent = consistent;
        this.extensionFindings = List.copyOf(extensionFindings);
        this.directory = directory;
        this.directoryFindings = List.copyOf(directoryFindings);
        this.bitmaps = List.copyOf(bitmaps);
    }

    /** The image's bitmaps extension when its fields can be read (24 bytes long). */
    public static Optional<Bitmaps> extension(HeaderExtensions ext) {
        return ext.last(Bitmaps.class).filter(b -> b.length() == 24);
    }

    /**
     * Loads the directory and tables. Empty when the image has no usable bitmaps extension.
     *
     * @throws ImageException when the directory cannot be read (outside the file, beyond the limits)
     */
    public static Optional<PersistentBitmaps> load(ImageSource src, Header h, HeaderExtensions ext, Limits limits) {
        Optional<Bitmaps> b = extension(ext);
        if (b.isEmpty()) {
            return Optional.empty();
        }
        BitmapDirectory dir = BitmapDecoder.readDirectory(src, b.get(), limits);
        List<Finding> dirFindings = new ArrayList<>();
        BitmapRules.directory(dir, dirFindings);
        List<StoredBitmap> loaded = new ArrayList<>();
        for (BitmapDirectoryEntry e : dir.entries()) {
            loaded.add(loadOne(src, h, e, limits));
        }
        List<Finding> extFindings = new ArrayList<>();
        ExtensionRules.check(h, ext, src.size(), extFindings);
        extFindings.removeIf(f -> f.rule().clause() != Clause.BITMAPS_EXTENSION
                && f.rule() != Rule.EXTENSIONS_BITMAPS_AUTOCLEAR_CLEAR);
        return Optional.of(new PersistentBitmaps(b.get(), h.hasAutoclear(Header.AUTOCLEAR_BITMAPS), extFindings, dir,
                dirFindings, loaded));
    }

    private static StoredBitmap loadOne(ImageSource src, Header h, BitmapDirectoryEntry e, Limits limits) {
        List<Finding> f = new ArrayList<>();
        BitmapTable table = null;
        if (BitmapRules.entry(h, e, src.size(), f)) {
            try {
                table = BitmapDecoder.readTable(src, e, limits);
            } catch (ImageException ex) {
                f.add(ex.toFinding());
            }
        }
        if (table != null) {
            BitmapRules.tableEntries(h, e, table, src.size(), f);
            checkTail(src, h, e, table, f);
        }
        return new StoredBitmap(e, table, f);
    }

    /** The tail rule for the cluster holding the bitmap's last bit, when it is stored (not for in_use bitmaps). */
    private static void checkTail(ImageSource src, Header h, BitmapDirectoryEntry e, BitmapTable t, List<Finding> f) {
        long needed = e.tableEntriesNeeded(h.size(), h.clusterSize());
        if (e.inUse() || needed == 0 || needed > t.size()) {
            return;
        }
        int last = (int) needed - 1;
        long offset = BitmapTableEntry.offset(t.entry(last));
        if (offset == 0 || offset >= src.size()) {
            return;
        }
        BitmapRules.tailBits(h, e, offset, last, readCluster(src, offset, (int) h.clusterSize()), f);
    }

    /** One bitmap data cluster; bytes past the end of the file read as zeros. */
    static byte[] readCluster(ImageSource src, long offset, int clusterSize) {
        byte[] b = new byte[clusterSize];
        src.readAvailable(offset, ByteBuffer.wrap(b));
        return b;
    }

    public Bitmaps extension() {
        return extension;
    }

    /** False when autoclear bit 0 is clear: every bitmap is then inconsistent and must not be trusted. */
    public boolean consistent() {
        return consistent;
    }

    public BitmapDirectory directory() {
        return directory;
    }

    public List<StoredBitmap> bitmaps() {
        return bitmaps;
    }

    public Optional<StoredBitmap> byName(String name) {
        return bitmaps.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /** Findings about the directory as a whole (entries, count, names). */
    public List<Finding> directoryFindings() {
        return directoryFindings;
    }

    /**
     * Why the content of {@code b} must not be trusted with the proposals {@code applied}: the
     * first finding, of the bitmaps extension, the directory or the bitmap itself, that is a
     * corruption or makes the bitmap inconsistent (autoclear bit 0 clear, in_use, unknown extra
     * data). Empty when the bitmap can be read as it is stored.
     */
    public Optional<Finding> distrust(StoredBitmap b, Set<Proposal> applied) {
        List<Finding> all = new ArrayList<>(extensionFindings);
        all.addAll(directoryFindings);
        all.addAll(b.findings());
        return Proposal.applicable(all, applied).stream()
                .filter(f -> f.severity() == Severity.CORRUPTION || UNTRUSTED.contains(f.rule()))
                .findFirst();
    }

    /** Every finding: the directory's, then each bitmap's. */
    public List<Finding> findings() {
        List<Finding> all = new ArrayList<>(directoryFindings);
        bitmaps.forEach(b -> all.addAll(b.findings()));
        return all;
    }
}
