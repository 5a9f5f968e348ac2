package io.qcow2conformance.model.write;

import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * What a reader must see in the guest disk of an {@link ImageDescription}: the final state
 * of every guest cluster and its bytes, computed from the description alone (never from a
 * written file). Content is produced a cluster at a time, so the full guest content and
 * its SHA-256 are streamed, whatever the virtual size. A backing file that is named but not
 * described ({@link ImageDescription.Builder#backingFileName}) is taken to read as zeros,
 * both here and for the parts of clusters the writer copies from below.
 */
public final class GuestContent {
    private final ImageDescription d;
    private final NavigableMap<Long, ClusterState> clusters;
    /** The layer of each cluster's written data, where it is not the description's layer (after a snapshot). */
    private final Map<Long, Integer> layers = new HashMap<>();
    private final GuestContent backing;

    private GuestContent(ImageDescription d) {
        this.d = d;
        this.clusters = Collections.unmodifiableNavigableMap(apply(d, layers));
        this.backing = d.backing() == null ? null : new GuestContent(d.backing());
    }

    /** The guest content snapshot {@code index} of the description captured (spec: Snapshots). */
    public GuestContent snapshot(int index) {
        return new GuestContent(d.snapshotView(index));
    }

    /** The {@link GuestPattern} layer of the data in guest cluster {@code c}. */
    public int layer(long c) {
        return layers.getOrDefault(c, d.layer());
    }

    public static GuestContent of(ImageDescription d) {
        return new GuestContent(d);
    }

    public ImageDescription description() {
        return d;
    }

    /** The state of every guest cluster that is not unallocated, by guest cluster index. */
    public NavigableMap<Long, ClusterState> clusters() {
        return clusters;
    }

    /** The backing image's content, or null. */
    public GuestContent backing() {
        return backing;
    }

    private static NavigableMap<Long, ClusterState> apply(ImageDescription d, Map<Long, Integer> layers) {
        recordLayers(d, layers);
        if (d.extendedL2()) {
            return ExtendedL2.apply(d);
        }
        long cs = d.clusterSize();
        TreeMap<Long, ClusterState> m = new TreeMap<>();
        for (int i = 0; i < d.operations().size(); i++) {
            GuestOp op = d.operations().get(i);
            if (op instanceof GuestOp.Share s) {
                m.put(s.guestCluster(), new ClusterState.Shared(s.sourceCluster()));
                continue;
            }
            long first = op.offset() / cs;
            long last = (op.offset() + op.length() - 1) / cs;
            for (long c = first; c <= last; c++) {
                long start = Math.max(op.offset(), c * cs) - c * cs;
                long end = Math.min(op.offset() + op.length(), (c + 1) * cs) - c * cs;
                if (op instanceof GuestOp.Write) {
                    m.put(c, written(m.get(c), c, start, end, d));
                } else if (op instanceof GuestOp.Zero z) {
                    m.put(c, new ClusterState.Zero(z.preallocated()));
                } else if (op instanceof GuestOp.Discard) {
                    m.remove(c);
                } else if (op instanceof GuestOp.WriteCompressed) {
                    m.put(c, new ClusterState.Compressed());
                }
            }
        }
        m.forEach((c, s) -> {
            if (s instanceof ClusterState.Shared sh && !(m.get(sh.source()) instanceof ClusterState.Normal)) {
                throw new IllegalArgumentException("guest cluster " + c + " shares guest cluster " + sh.source()
                        + ", which is not a normal cluster");
            }
        });
        return m;
    }

    /**
     * Notes the layer of each cluster whose last operation wrote with another layer than the
     * description's: one after a snapshot, which covers whole clusters (ImageDescription), so
     * each cluster holds one layer.
     */
    private static void recordLayers(ImageDescription d, Map<Long, Integer> layers) {
        long cs = d.clusterSize();
        for (int i = 0; i < d.operations().size(); i++) {
            GuestOp op = d.operations().get(i);
            if (op instanceof GuestOp.Share) {
                continue;
            }
            for (long c = op.offset() / cs; c <= (op.offset() + op.length() - 1) / cs; c++) {
                if (d.layerOf(i) != d.layer()) {
                    layers.put(c, d.layerOf(i));
                } else {
                    layers.remove(c);
                }
            }
        }
    }

    private static ClusterState written(ClusterState prev, long c, long start, long end, ImageDescription d) {
        long visible = Math.min(d.clusterSize(), d.virtualSize() - c * d.clusterSize());
        boolean full = start == 0 && end >= visible;
        if (prev instanceof ClusterState.Normal n) {
            return n.plus(start, end);
        }
        if (prev instanceof ClusterState.Compressed) {
            return new ClusterState.Normal(false, new long[] {0, d.clusterSize()});
        }
        if (prev instanceof ClusterState.Shared && !full) {
            throw new IllegalArgumentException("a partial write over shared guest cluster " + c + " is not modelled");
        }
        return new ClusterState.Normal(prev instanceof ClusterState.Zero, new long[0]).plus(start, end);
    }

    /** Fills {@code buf[0, clusterSize)} with the host data of guest cluster {@code c} (also past the virtual size). */
    public void cluster(long c, byte[] buf) {
        int cs = (int) d.clusterSize();
        long base = c * cs;
        ClusterState s = clusters.get(c);
        if (s == null) {
            underlying(base, buf, 0, cs);
        } else if (s instanceof ClusterState.Zero) {
            Arrays.fill(buf, 0, cs, (byte) 0);
        } else if (s instanceof ClusterState.Compressed) {
            GuestPattern.fill(base, layer(c), buf, 0, cs);
        } else if (s instanceof ClusterState.Shared sh) {
            cluster(sh.source(), buf);
        } else if (s instanceof ClusterState.Subclusters x) {
            ExtendedL2.fill(x, base, layer(c), cs, buf, this::underlying);
        } else if (s instanceof ClusterState.Normal n) {
            if (n.zeroBase()) {
                Arrays.fill(buf, 0, cs, (byte) 0);
            } else {
                underlying(base, buf, 0, cs);
            }
            long[] w = n.written();
            for (int i = 0; i < w.length; i += 2) {
                GuestPattern.fill(base + w[i], layer(c), buf, (int) w[i], (int) (w[i + 1] - w[i]));
            }
        }
    }

    /**
     * Fills {@code buf[0, clusterSize)} with what the writer stores in the host cluster of guest
     * cluster {@code c}: its guest bytes, except that a preallocated zero cluster and a cluster
     * of subclusters hold the pattern in every byte, so that a reader that ignores the zero flag
     * or the subcluster bitmap is caught.
     */
    void hostData(long c, byte[] buf) {
        ClusterState s = clusters.get(c);
        if (s instanceof ClusterState.Zero || s instanceof ClusterState.Subclusters) {
            int cs = (int) d.clusterSize();
            GuestPattern.fill(c * cs, layer(c), buf, 0, cs);
        } else {
            cluster(c, buf);
        }
    }

    /** What the layer below shows at {@code [offset, offset+len)}: the backing image, zeros past its end. */
    private void underlying(long offset, byte[] buf, int pos, int len) {
        Arrays.fill(buf, pos, pos + len, (byte) 0);
        if (backing == null) {
            return; // no backing file, or one named but not described: taken to read as zeros
        }
        long avail = backing.d.virtualSize() - offset;
        if (avail > 0) {
            backing.read(offset, buf, pos, (int) Math.min(len, avail));
        }
    }

    /** Reads guest bytes {@code [offset, offset+len)}, which must lie inside the virtual disk. */
    public void read(long offset, byte[] dst, int pos, int len) {
        if (offset < 0 || len < 0 || offset + len > d.virtualSize()) {
            throw new IllegalArgumentException("read outside the virtual disk");
        }
        int cs = (int) d.clusterSize();
        byte[] buf = new byte[cs];
        int done = 0;
        while (done < len) {
            long o = offset + done;
            long c = o / cs;
            int in = (int) (o - c * cs);
            int n = Math.min(cs - in, len - done);
            if (!clusters.containsKey(c)) {
                underlying(o, dst, pos + done, n);
            } else {
                cluster(c, buf);
                System.arraycopy(buf, in, dst, pos + done, n);
            }
            done += n;
        }
    }

    /** The whole guest disk, streamed a cluster at a time. */
    public InputStream stream() {
        return new InputStream() {
            private final byte[] chunk = new byte[1 << 16];
            private long pos;
            private int have;
            private int next;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (len == 0) {
                    return 0;
                }
                if (next == have) {
                    if (pos >= d.virtualSize()) {
                        return -1;
                    }
                    have = (int) Math.min(chunk.length, d.virtualSize() - pos);
                    GuestContent.this.read(pos, chunk, 0, have);
                    pos += have;
                    next = 0;
                }
                int n = Math.min(len, have - next);
                System.arraycopy(chunk, next, b, off, n);
                next += n;
                return n;
            }
        };
    }

    /** SHA-256 of the whole guest disk. */
    public byte[] sha256() {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = stream()) {
            int n;
            while ((n = in.read(buf, 0, buf.length)) > 0) {
                md.update(buf, 0, n);
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return md.digest();
    }
}
