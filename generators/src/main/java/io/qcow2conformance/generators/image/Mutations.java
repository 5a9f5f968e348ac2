package io.qcow2conformance.generators.image;

import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.mapping.L2Entry;

/** Applies one {@link Mutation} to written image bytes, locating the target through the {@link Layout}. */
final class Mutations {
    private Mutations() {
    }

    static void apply(byte[] img, Layout layout, ImageRecipe r, Mutation m) {
        if (m instanceof Mutation.HeaderValue h) {
            int at = h.field().offset();
            int width = h.field().width();
            put(img, at, width, op(get(img, at, width), h.op(), value(h.value(), layout)));
        } else if (m instanceof Mutation.HeaderByte b) {
            img[b.offset()] = (byte) b.value();
        } else if (m instanceof Mutation.TableEntry t) {
            int at = (int) entryOffset(layout, t.l1(), t.guestCluster());
            BigEndian.put64(img, at, op(BigEndian.u64(img, at), t.op(), value(t.value(), layout)));
        } else if (m instanceof Mutation.HostOffset h) {
            int at = (int) entryOffset(layout, h.l1(), h.guestCluster());
            long entry = BigEndian.u64(img, at);
            long offset = op(entry & L2Entry.OFFSET_MASK, h.op(), value(h.value(), layout));
            BigEndian.put64(img, at, (entry & ~L2Entry.OFFSET_MASK) | (offset & L2Entry.OFFSET_MASK));
        } else if (m instanceof Mutation.RefcountTableEntry t) {
            int at = (int) (layout.refcountTable() + 8L * t.index());
            BigEndian.put64(img, at, op(BigEndian.u64(img, at), t.op(), value(t.value(), layout)));
        } else if (m instanceof Mutation.PointAt pa) {
            int at = (int) entryOffset(layout, false, pa.guestCluster());
            long entry = BigEndian.u64(img, at);
            BigEndian.put64(img, at, (entry & ~L2Entry.OFFSET_MASK) | layout.hostOffset(pa.structure()));
        } else if (m instanceof Mutation.Refcount rc) {
            InterimImageWriter.putRefcount(img, layout, layout.hostOffset(rc.structure()) / layout.clusterSize(),
                    rc.value());
        } else if (m instanceof Mutation.ExtensionLength e) {
            Long at = layout.extensions().get(e.type());
            if (at == null) {
                throw new IllegalArgumentException(String.format("the image has no header extension of type 0x%08x", e.type()));
            }
            BigEndian.put32(img, (int) (at + 4), e.length());
        } else if (m instanceof Mutation.CompressedSectors c) {
            if (!layout.compressedData().containsKey(c.guestCluster())) {
                throw new IllegalArgumentException("guest cluster " + c.guestCluster() + " is not compressed");
            }
            int at = (int) entryOffset(layout, false, c.guestCluster());
            int shift = 62 - (r.clusterBits() - 8);
            long mask = ((1L << (r.clusterBits() - 8)) - 1) << shift;
            long entry = BigEndian.u64(img, at);
            BigEndian.put64(img, at, (entry & ~mask) | ((c.sectors() << shift) & mask));
        }
    }

    private static long entryOffset(Layout layout, boolean l1, long guestCluster) {
        if (l1) {
            return layout.l1EntryOffset(guestCluster);
        }
        return layout.l2EntryOffset(guestCluster).orElseThrow(() -> new IllegalArgumentException(
                "guest cluster " + guestCluster + " has no L2 table; describe it first"));
    }

    private static long value(long v, Layout layout) {
        return v == Mutation.END_OF_FILE ? layout.fileSize() : v;
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
