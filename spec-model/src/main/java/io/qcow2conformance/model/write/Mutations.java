package io.qcow2conformance.model.write;

import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.mapping.L2Entry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The one place that applies a {@link Mutation} to a written image, locating the target by
 * name in the {@link Layout} that {@link Qcow2Writer} returned (never by hard-coded offsets).
 */
public final class Mutations {
    private Mutations() {
    }

    /** Applies {@code m} to the image file {@code file}, which {@code layout} describes. */
    public static void apply(Path file, Layout layout, Mutation m) throws IOException {
        Files.write(file, apply(Files.readAllBytes(file), layout, m));
    }

    /**
     * Applies {@code m} to the image bytes {@code img}, which {@code layout} describes. Returns
     * the image: {@code img} itself, edited in place, or a shorter copy for {@link Mutation.Truncate}.
     */
    public static byte[] apply(byte[] img, Layout layout, Mutation m) {
        if (m instanceof Mutation.Truncate t) {
            return Arrays.copyOf(img, (int) (layout.region(t.region()).offset() + t.relOffset()));
        } else if (m instanceof Mutation.Overwrite o) {
            byte[] b = o.bytes();
            System.arraycopy(b, 0, img, (int) (layout.region(o.region()).offset() + o.relOffset()), b.length);
        } else if (m instanceof Mutation.HeaderValue h) {
            update(img, (int) layout.headerField(h.field()).offset(), h.field().width(), h.op(), h.value());
        } else if (m instanceof Mutation.HeaderByte b) {
            img[b.offset()] = (byte) b.value();
        } else if (m instanceof Mutation.TableEntry t) {
            int at = entry(layout, t.l1(), t.guestCluster());
            BigEndian.put64(img, at, op(BigEndian.u64(img, at), t.op(), value(t.value(), img)));
        } else if (m instanceof Mutation.HostOffset h) {
            int at = entry(layout, h.l1(), h.guestCluster());
            long e = BigEndian.u64(img, at);
            long offset = op(e & L2Entry.OFFSET_MASK, h.op(), value(h.value(), img));
            BigEndian.put64(img, at, (e & ~L2Entry.OFFSET_MASK) | (offset & L2Entry.OFFSET_MASK));
        } else if (m instanceof Mutation.SubclusterBitmap sb) {
            int at = (int) layout.region(Layout.l2Bitmap(sb.guestCluster())).offset();
            BigEndian.put64(img, at, op(BigEndian.u64(img, at), sb.op(), value(sb.value(), img)));
        } else if (m instanceof Mutation.PointAt p) {
            int at = entry(layout, false, p.guestCluster());
            long e = BigEndian.u64(img, at);
            BigEndian.put64(img, at, (e & ~L2Entry.OFFSET_MASK) | hostOffset(layout, p.structure()));
        } else if (m instanceof Mutation.RefcountTableEntry t) {
            int at = (int) layout.region(Layout.refcountTableEntry(t.index())).offset();
            BigEndian.put64(img, at, op(BigEndian.u64(img, at), t.op(), value(t.value(), img)));
        } else if (m instanceof Mutation.Refcount rc) {
            putRefcount(img, layout, hostOffset(layout, rc.structure()) / layout.clusterSize(), rc.value());
        } else if (m instanceof Mutation.ExtensionLength e) {
            BigEndian.put32(img, (int) extension(img, layout, e.type()) + 4, e.length());
        } else if (m instanceof Mutation.BitmapEntryField f) {
            update(img, (int) layout.region(Layout.bitmapDirectoryEntry(f.bitmap())).offset() + f.offset(), f.width(), f.op(),
                    f.value());
        } else if (m instanceof Mutation.BitmapTableEntry t) {
            int at = (int) layout.region(Layout.bitmapTableEntry(t.bitmap(), t.entry())).offset();
            BigEndian.put64(img, at, op(BigEndian.u64(img, at), t.op(), value(t.value(), img)));
        } else if (m instanceof Mutation.SnapshotEntryField f) {
            int at = (int) layout.region(Layout.snapshotEntry(f.snapshot())).offset() + f.offset();
            put(img, at, f.width(), op(get(img, at, f.width()), f.op(), value(f.value(), img)));
        } else if (m instanceof Mutation.BitmapDataLastByte d) {
            img[(int) layout.region(Layout.bitmapData(d.bitmap(), d.entry())).end() - 1] = (byte) d.value();
        } else if (m instanceof Mutation.RegionValue v) {
            Layout.Region r = layout.region(v.region());
            if (r.length() > 8) {
                throw new IllegalArgumentException("'" + v.region() + "' is " + r.length() + " bytes long, not a number");
            }
            update(img, (int) r.offset(), (int) r.length(), v.op(), v.value());
        } else if (m instanceof Mutation.ExtensionField f) {
            update(img, (int) extension(img, layout, f.type()) + 8 + f.offset(), f.width(), f.op(), f.value());
        } else if (m instanceof Mutation.CompressedSectors c) {
            int at = entry(layout, false, c.guestCluster());
            int clusterBits = layout.clusterBits();
            int shift = 62 - (clusterBits - 8);
            long mask = ((1L << (clusterBits - 8)) - 1) << shift;
            long e = BigEndian.u64(img, at);
            if ((e & L2Entry.COMPRESSED) == 0) {
                throw new IllegalArgumentException("guest cluster " + c.guestCluster() + " is not compressed");
            }
            BigEndian.put64(img, at, (e & ~mask) | ((c.sectors() << shift) & mask));
        }
        return img;
    }

    /** Stores {@code value} as the refcount of host cluster {@code cluster}, whatever the refcount width. */
    public static void putRefcount(byte[] img, Layout layout, long cluster, long value) {
        Layout.RefcountSlot s = layout.refcountSlot(cluster);
        Qcow2Writer.putRefcount(img, s.byteOffset() * 8 + s.bitShift(), s.bits(), value);
    }

    private static long hostOffset(Layout layout, Structure s) {
        if (s instanceof Structure.RefcountTable) {
            return layout.region(Layout.REFCOUNT_TABLE).offset();
        } else if (s instanceof Structure.RefcountBlock b) {
            return layout.region(Layout.refcountBlock(b.index())).offset();
        } else if (s instanceof Structure.L1Table) {
            return layout.region(Layout.L1_TABLE).offset();
        } else if (s instanceof Structure.L2Table l) {
            return layout.region(Layout.l2Table(layout.l1Index(l.guestCluster()))).offset();
        } else if (s instanceof Structure.SnapshotTable) {
            return layout.region(Layout.SNAPSHOT_TABLE).offset();
        } else if (s instanceof Structure.SnapshotL1Table t) {
            return layout.region(Layout.snapshotL1Table(t.index())).offset();
        } else if (s instanceof Structure.DataCluster d) {
            return layout.region(Layout.data(d.guestCluster())).offset();
        }
        return 0; // the header cluster
    }

    private static int entry(Layout layout, boolean l1, long guestCluster) {
        String name = l1 ? Layout.l1Entry(layout.l1Index(guestCluster)) : Layout.l2Entry(guestCluster);
        return (int) layout.region(name).offset();
    }

    /** Offset of the first header extension of {@code type}, found by walking the extension regions. */
    private static long extension(byte[] img, Layout layout, long type) {
        for (int i = 0; layout.find(Layout.extension(i)).isPresent(); i++) {
            long at = layout.region(Layout.extension(i)).offset();
            if (BigEndian.u32(img, (int) at) == type) {
                return at;
            }
        }
        throw new IllegalArgumentException(String.format("the image has no header extension of type 0x%08x", type));
    }

    /** Applies {@code op} with operand {@code v} to the big-endian number of {@code width} bytes at {@code at}. */
    private static void update(byte[] img, int at, int width, Mutation.Op op, long v) {
        put(img, at, width, op(get(img, at, width), op, value(v, img)));
    }

    private static long value(long v, byte[] img) {
        return v == Mutation.END_OF_FILE ? img.length : v;
    }

    private static long op(long current, Mutation.Op op, long v) {
        return switch (op) {
            case SET -> v;
            case ADD -> current + v;
            case SET_BIT -> current | 1L << v;
            case CLEAR_BIT -> current & ~(1L << v);
        };
    }

    private static long get(byte[] img, int at, int width) {
        long v = 0;
        for (int i = 0; i < width; i++) {
            v = v << 8 | (img[at + i] & 0xff);
        }
        return v;
    }

    private static void put(byte[] img, int at, int width, long v) {
        for (int i = 0; i < width; i++) {
            img[at + i] = (byte) (v >>> (8 * (width - 1 - i)));
        }
    }
}
