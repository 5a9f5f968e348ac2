package io.qcow2conformance.model.image;

import io.qcow2conformance.model.extensions.ExtensionRules;
import io.qcow2conformance.model.extensions.ExtensionsDecoder;
import io.qcow2conformance.model.extensions.HeaderExtension;
import io.qcow2conformance.model.extensions.HeaderExtensions;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.header.HeaderRules;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.mapping.MappingDecoder;
import io.qcow2conformance.model.rules.ImageException;

import java.io.Closeable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An opened qcow2 image: the decoded header, extensions, backing file name and active L1
 * table, plus cached access to L2 tables. Opening refuses only what leaves nothing
 * interpretable ({@link HeaderRules#requireUsable}); everything else is for the checker.
 */
public final class Qcow2Image implements Closeable {
    private static final int L2_CACHE_TABLES = 64;

    private final ImageSource source;
    private final Header header;
    private final HeaderExtensions extensions;
    private final String backingFileName;
    private final long[] l1;
    private final Limits limits;
    private final Map<Long, long[]> l2Cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, long[]> eldest) {
            return size() > L2_CACHE_TABLES;
        }
    };

    private Qcow2Image(ImageSource source, Header header, HeaderExtensions extensions, String backingFileName, long[] l1,
                       Limits limits) {
        this.source = source;
        this.header = header;
        this.extensions = extensions;
        this.backingFileName = backingFileName;
        this.l1 = l1;
        this.limits = limits;
    }

    public static Qcow2Image open(Path path, Limits limits) {
        ImageSource src = ImageSource.open(path);
        try {
            return open(src, limits);
        } catch (RuntimeException e) {
            src.close();
            throw e;
        }
    }

    /** Opens an already opened source; the image takes ownership of it. */
    public static Qcow2Image open(ImageSource src, Limits limits) {
        Header h = HeaderDecoder.decode(src);
        HeaderRules.requireUsable(h, limits, () -> unknownFeatureNames(src, h));
        HeaderExtensions ext = ExtensionsDecoder.decode(src, h);
        String backing = ExtensionsDecoder.backingFileName(src, h);
        long[] l1 = MappingDecoder.readL1(src, h.l1TableOffset(), h.l1Size(), limits, "active");
        return new Qcow2Image(src, h, ext, backing, l1, limits);
    }

    /** Names of unknown incompatible bits from the feature name table, as QEMU reports them. */
    private static String unknownFeatureNames(ImageSource src, Header h) {
        try {
            return ExtensionRules.unknownIncompatibleNames(h, ExtensionsDecoder.decode(src, h));
        } catch (ImageException e) {
            return ""; // a broken extension area must not hide the more basic fault
        }
    }

    public ImageSource source() {
        return source;
    }

    public Path path() {
        return source.path();
    }

    public Header header() {
        return header;
    }

    public HeaderExtensions extensions() {
        return extensions;
    }

    /** The backing file name as stored, or null. */
    public String backingFileName() {
        return backingFileName;
    }

    /** The backing file format from its extension, or null when the image does not name one. */
    public String backingFormat() {
        return extensions.last(HeaderExtension.BackingFormat.class).map(HeaderExtension.BackingFormat::name).orElse(null);
    }

    public Limits limits() {
        return limits;
    }

    /** The active L1 table entries (a copy is not made: callers must not modify it). */
    long[] l1() {
        return l1;
    }

    public int l1Size() {
        return l1.length;
    }

    public long l1Entry(int index) {
        return l1[index];
    }

    /** The L2 table at {@code offset} (cached); see {@link MappingDecoder#readL2}. Do not modify. */
    public long[] l2Table(long offset) {
        long[] t = l2Cache.get(offset);
        if (t == null) {
            t = MappingDecoder.readL2(source, offset, header);
            l2Cache.put(offset, t);
        }
        return t;
    }

    @Override
    public void close() {
        source.close();
    }
}
