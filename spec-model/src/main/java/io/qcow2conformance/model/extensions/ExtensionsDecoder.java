package io.qcow2conformance.model.extensions;

import io.qcow2conformance.model.extensions.HeaderExtension.BackingFormat;
import io.qcow2conformance.model.extensions.HeaderExtension.Bitmaps;
import io.qcow2conformance.model.extensions.HeaderExtension.ExternalDataFile;
import io.qcow2conformance.model.extensions.HeaderExtension.FeatureName;
import io.qcow2conformance.model.extensions.HeaderExtension.FeatureNameTable;
import io.qcow2conformance.model.extensions.HeaderExtension.FullDiskEncryption;
import io.qcow2conformance.model.extensions.HeaderExtension.Unknown;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that decodes the header extension area and the backing file name
 * (spec: Header extensions, String header extensions, Feature name table, Bitmaps
 * extension, Full disk encryption header pointer). An extension that runs past the area
 * makes the rest of the area unreadable and is an error; all other faults are left to
 * {@link ExtensionRules}.
 */
public final class ExtensionsDecoder {
    static final int FEATURE_NAME_ENTRY = 48;

    private ExtensionsDecoder() {
    }

    /**
     * Where the extension area must end: the backing file name, else the end of the first
     * cluster. A name stored right after the header (as early version 2 images did) leaves
     * an empty area, as in QEMU, rather than being read as extensions.
     */
    public static long areaEnd(Header h) {
        long clusterEnd = h.clusterSize();
        if (h.hasBackingFile() && h.backingFileOffset() >= 0 && h.backingFileOffset() < clusterEnd) {
            return h.backingFileOffset();
        }
        return clusterEnd;
    }

    public static HeaderExtensions decode(ImageSource src, Header h) {
        long start = h.extensionsOffset();
        long end = Math.min(areaEnd(h), src.size());
        List<HeaderExtension> out = new ArrayList<>();
        if (start >= end) {
            return new HeaderExtensions(out, start, end, -1);
        }
        ByteBuffer area = src.read(start, (int) (end - start), Rule.FILE_STRUCTURE_IN_BOUNDS, "header extensions");
        byte[] a = new byte[area.remaining()];
        area.get(a);
        int pos = 0;
        while (pos + 8 <= a.length) {
            long offset = start + pos;
            long type = BigEndian.u32(a, pos);
            long length = BigEndian.u32(a, pos + 4);
            if (type == HeaderExtension.TYPE_END) {
                return new HeaderExtensions(out, start, end, offset);
            }
            if (length > a.length - pos - 8) {
                throw new ImageException(Rule.EXTENSIONS_IN_FIRST_CLUSTER, "header extension length", offset + 4,
                        Rule.EXTENSIONS_IN_FIRST_CLUSTER.format(type, offset, length, end));
            }
            byte[] data = new byte[(int) length];
            System.arraycopy(a, pos + 8, data, 0, data.length);
            out.add(decodeOne(type, offset, data));
            pos += 8 + (int) ((length + 7) & ~7L);
        }
        return new HeaderExtensions(out, start, end, -1);
    }

    static HeaderExtension decodeOne(long type, long offset, byte[] d) {
        int len = d.length;
        if (type == HeaderExtension.TYPE_BACKING_FORMAT) {
            return new BackingFormat(offset, len, HeaderExtension.string(d));
        }
        if (type == HeaderExtension.TYPE_EXTERNAL_DATA_FILE) {
            return new ExternalDataFile(offset, len, HeaderExtension.string(d));
        }
        if (type == HeaderExtension.TYPE_FEATURE_NAME_TABLE) {
            List<FeatureName> names = new ArrayList<>();
            for (int i = 0; i + FEATURE_NAME_ENTRY <= len; i += FEATURE_NAME_ENTRY) {
                int n = 0;
                while (n < FEATURE_NAME_ENTRY - 2 && d[i + 2 + n] != 0) {
                    n++;
                }
                byte[] name = new byte[n];
                System.arraycopy(d, i + 2, name, 0, n);
                names.add(new FeatureName(d[i] & 0xff, d[i + 1] & 0xff, HeaderExtension.string(name)));
            }
            return new FeatureNameTable(offset, len, names);
        }
        if (type == HeaderExtension.TYPE_BITMAPS) {
            return len >= 24
                    ? new Bitmaps(offset, len, BigEndian.u32(d, 0), BigEndian.u32(d, 4), BigEndian.u64(d, 8), BigEndian.u64(d, 16))
                    : new Bitmaps(offset, len, 0, 0, 0, 0);
        }
        if (type == HeaderExtension.TYPE_FULL_DISK_ENCRYPTION) {
            return len >= 16
                    ? new FullDiskEncryption(offset, len, BigEndian.u64(d, 0), BigEndian.u64(d, 8))
                    : new FullDiskEncryption(offset, len, 0, 0);
        }
        return new Unknown(type, offset, len, d);
    }

    /**
     * Reads the backing file name (spec: Header, backing_file_offset/backing_file_size).
     * Names longer than 1023 bytes break {@link Rule#HEADER_BACKING_FILE_SIZE_MAX} and are not read.
     */
    public static String backingFileName(ImageSource src, Header h) {
        if (!h.hasBackingFile()) {
            return null;
        }
        if (h.backingFileSize() > 1023) {
            throw new ImageException(Rule.HEADER_BACKING_FILE_SIZE_MAX, "backing_file_size", 16,
                    Rule.HEADER_BACKING_FILE_SIZE_MAX.format(h.backingFileSize()));
        }
        ByteBuffer b = src.read(h.backingFileOffset(), (int) h.backingFileSize(), Rule.FILE_STRUCTURE_IN_BOUNDS,
                "backing file name");
        byte[] name = new byte[b.remaining()];
        b.get(name);
        return HeaderExtension.string(name);
    }
}
