package io.qcow2conformance.model.write;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the {@link ExternalDataFile} of an {@link ImageDescription}: guest cluster {@code c}
 * is at byte {@code c * cluster_size} (spec: Header, incompatible feature bit 2). A cluster with
 * a host cluster (normal, or preallocated zero) holds what the writer would have put in the
 * image file; with the raw bit every other byte reads as the guest disk does (spec: Header,
 * autoclear feature bit 1), without it zero and unallocated clusters hold the layer's pattern,
 * which a reader must never return (with extended L2 entries, also under the zero and
 * unallocated subclusters of a cluster). In an encrypted image the clusters with a host
 * offset are encrypted as they would be in the image file. The file is as long as the virtual disk, or ends with
 * the last cluster that has a host cluster; zeros are left as holes.
 */
public final class DataFileWriter {
    private DataFileWriter() {
    }

    /** The data file's length in bytes. */
    public static long length(ImageDescription d) {
        ExternalDataFile f = dataFile(d);
        if (!f.endsAtLastCluster()) {
            return d.virtualSize();
        }
        long last = -1;
        for (Map.Entry<Long, ClusterState> e : GuestContent.of(d).clusters().entrySet()) {
            if (e.getValue().hasHostCluster()) {
                last = e.getKey();
            }
        }
        return Math.min(d.virtualSize(), (last + 1) * d.clusterSize());
    }

    /** Writes the data file of {@code d} to {@code file} (replacing it). */
    public static void write(ImageDescription d, Path file) throws IOException {
        ExternalDataFile f = dataFile(d);
        GuestContent content = GuestContent.of(d);
        EncryptionPlan encryption = EncryptionPlan.of(d);
        int cs = (int) d.clusterSize();
        long length = length(d);
        byte[] buf = new byte[cs];
        Files.deleteIfExists(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            FileChannel ch = raf.getChannel();
            for (long c = 0; c * cs < length; c++) {
                ClusterState s = content.clusters().get(c);
                if (s instanceof ClusterState.Normal || f.raw()) {
                    content.cluster(c, buf);
                } else {
                    GuestPattern.fill(c * cs, d.layer(), buf, 0, cs); // stale data a reader must not return
                }
                if (s != null && s.hasHostCluster()) {
                    encryption.encrypt(buf, c * cs, c * cs); // the host offset is the guest offset (spec: Data encryption)
                }
                int n = (int) Math.min(cs, length - c * cs);
                Qcow2Writer.writeSparse(ch, c * cs, n == cs ? buf : java.util.Arrays.copyOf(buf, n));
            }
            raf.setLength(length);
        }
    }

    private static ExternalDataFile dataFile(ImageDescription d) {
        if (d.dataFile() == null) {
            throw new IllegalArgumentException("the image has no external data file");
        }
        return d.dataFile();
    }
}
