package io.qcow2conformance.generators.image;

import io.qcow2conformance.model.extensions.HeaderExtension;
import io.qcow2conformance.model.write.DataFileWriter;
import io.qcow2conformance.model.write.Extension;
import io.qcow2conformance.model.write.ExternalDataFile;
import io.qcow2conformance.model.write.ExtendedL2;
import io.qcow2conformance.model.write.GuestContent;
import io.qcow2conformance.model.write.GuestOp;
import io.qcow2conformance.model.write.ImageDescription;
import io.qcow2conformance.model.write.Layout;
import io.qcow2conformance.model.write.Mutation;
import io.qcow2conformance.model.write.Mutations;
import io.qcow2conformance.model.write.Qcow2Writer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@link ImageWriter} on top of the model's deterministic writer ({@code model.write}):
 * a recipe becomes an {@link ImageDescription}, {@link Qcow2Writer} lays it out, then the
 * recipe's unreferenced clusters and {@link Mutation}s are applied through the writer's
 * {@link Layout}.
 */
public final class ModelImageWriter implements ImageWriter {

    /** The model writer's description of {@code r}; {@code backingName} is stored as the backing file name. */
    public static ImageDescription describe(ImageRecipe r, String backingName) {
        return describe(r, backingName, DATA_FILE_NAME);
    }

    /** As {@link #describe(ImageRecipe, String)}, with {@code dataFileName} stored for an external data file. */
    public static ImageDescription describe(ImageRecipe r, String backingName, String dataFileName) {
        ImageDescription.Builder b = ImageDescription.builder()
                .version(r.version())
                .clusterBits(r.clusterBits())
                .virtualSize(r.virtualSize())
                .refcountOrder(r.refcountOrder())
                .compression(r.compression())
                .layer(r.layer());
        if (r.version() >= 3) {
            b.headerLength(r.headerLength());
        }
        if (r.backing().isPresent()) {
            if (!r.backingFormatLast()) {
                b.extension(Extension.backingFormat(r.backingFormatName()));
            }
            if (r.backingNameAtClusterEnd()) {
                b.backingPlacement(ImageDescription.BackingPlacement.END_OF_FIRST_CLUSTER);
            }
            if (r.backingFile() == ImageRecipe.BackingFile.SHIPPED) {
                b.backing(backingName, describe(r.backingRecipe(), null));
            } else {
                b.backingFileName(backingName);
            }
        }
        r.extensions().forEach(e -> b.extension(Extension.raw(e.type(), e.data())));
        if (!r.featureNames().isEmpty()) {
            b.extension(Extension.featureNameTable(r.featureNames().stream()
                    .map(f -> new HeaderExtension.FeatureName(f.type(), f.bit(), f.name())).toList()));
        }
        if (r.backing().isPresent() && r.backingFormatLast()) {
            b.extension(Extension.backingFormat(r.backingFormatName()));
        }
        List<ImageRecipe.Snapshot> snapshots = r.snapshots();
        List<GuestOp> shares = new ArrayList<>();
        int operations = 0;
        for (int k = 0; k <= snapshots.size(); k++) {
            // the clusters described between snapshot k - 1 and snapshot k (or the end)
            Map<Long, ClusterState> view = k < snapshots.size() ? snapshots.get(k).clusters() : r.clusters();
            for (Map.Entry<Long, ClusterState> e : view.entrySet()) {
                int epoch = k < snapshots.size() ? snapshots.get(k).epoch(e.getKey()) : r.epoch(e.getKey());
                if (epoch == k) {
                    operations += describe(b, r, e.getKey(), e.getValue(), shares);
                }
            }
            // shares last in their stretch, once their sources are written; the snapshot after them captures them
            shares.forEach(s -> b.share(((GuestOp.Share) s).guestCluster(), ((GuestOp.Share) s).sourceCluster()));
            operations += shares.size();
            shares.clear();
            if (k < snapshots.size()) {
                b.snapshot(snapshots.get(k).description(operations, k));
            }
        }
        b.truncateCompressedTail(r.endAfterCompressedData());
        b.extendedL2(r.extendedL2());
        r.bitmaps().forEach(bm -> b.bitmap(bm.description()));
        r.dataFile().ifPresent(f -> b.dataFile(ExternalDataFile.of(dataFileName, f.raw()).withNamed(f.named())
                .withEndsAtLastCluster(f.endsAtLastCluster())));
        r.encryption().ifPresent(b::encryption);
        return b.build();
    }

    /**
     * One write per run of allocated subclusters and one zero per run of zero subclusters; the
     * rest stays unallocated. Returns how many operations were added. A preallocated cluster is first zeroed whole on its host cluster,
     * then its unallocated subclusters discarded one by one (a discard of the whole cluster
     * would free the host cluster: see {@link ExtendedL2}).
     */
    private static int subclusters(ImageDescription.Builder b, long clusterOffset, long sc, ClusterState.Subclusters x) {
        int added = 0;
        if (x.preallocated()) {
            b.zero(clusterOffset, ExtendedL2.SUBCLUSTERS * sc, true);
            added++;
            int unallocated = ~(x.allocated() | x.zero());
            for (int i = 0; i < ExtendedL2.SUBCLUSTERS; i++) {
                if ((unallocated >>> i & 1) != 0) {
                    b.discard(clusterOffset + i * sc, sc);
                    added++;
                }
            }
        }
        for (int i = 0; i < ExtendedL2.SUBCLUSTERS; ) {
            boolean data = (x.allocated() >>> i & 1) != 0;
            boolean zero = (x.zero() >>> i & 1) != 0;
            int j = i + 1;
            while (j < ExtendedL2.SUBCLUSTERS && (x.allocated() >>> j & 1) == (data ? 1 : 0)
                    && (x.zero() >>> j & 1) == (zero ? 1 : 0)) {
                j++;
            }
            if (data) {
                b.write(clusterOffset + i * sc, (j - i) * sc);
                added++;
            } else if (zero && !x.preallocated()) { // a preallocated cluster is zero already
                b.zero(clusterOffset + i * sc, (j - i) * sc, false);
                added++;
            }
            i = j;
        }
        return added;
    }

    /** Adds the operation that gives guest cluster {@code g} state {@code s}; returns how many were added. */
    private static int describe(ImageDescription.Builder b, ImageRecipe r, long g, ClusterState s, List<GuestOp> shares) {
        long cs = r.clusterSize();
        long off = g * cs;
        long len = Math.min(cs, r.virtualSize() - off);
        if (s instanceof ClusterState.Data) {
            b.write(off, len);
        } else if (s instanceof ClusterState.Zero) {
            b.zero(off, len, false);
        } else if (s instanceof ClusterState.ZeroAllocated) {
            b.zero(off, len, true);
        } else if (s instanceof ClusterState.Compressed c) {
            b.writeCompressed(off, len);
            if (c.oddOffset()) {
                b.packCompressed(true);
            }
        } else if (s instanceof ClusterState.Shared sh) {
            shares.add(new GuestOp.Share(g, sh.guestCluster()));
            return 0;
        } else if (s instanceof ClusterState.Subclusters x) {
            return subclusters(b, off, cs / ExtendedL2.SUBCLUSTERS, x);
        }
        return 1;
    }

    @Override
    public WrittenImage write(ImageRecipe r, String backingName, String dataFileName) {
        ImageDescription d = describe(r, backingName, dataFileName);
        Path dir = null;
        try {
            dir = Files.createTempDirectory("qcow2-generate-");
            Layout layout = Qcow2Writer.write(d, dir.resolve("image.qcow2"));
            byte[] bytes = Files.readAllBytes(dir.resolve("image.qcow2"));
            bytes = leak(bytes, layout, r.leakedClusters());
            for (Mutation m : r.mutations()) {
                bytes = Mutations.apply(bytes, layout, m);
            }
            Optional<WrittenImage.Backing> backing = Optional.empty();
            if (d.backing() != null) {
                byte[] b;
                if (r.backing().orElseThrow() == ImageRecipe.BackingFormat.RAW) {
                    try (InputStream in = GuestContent.of(d.backing()).stream()) {
                        b = in.readAllBytes();
                    }
                } else {
                    Qcow2Writer.write(d.backing(), dir.resolve("backing.qcow2"));
                    b = Files.readAllBytes(dir.resolve("backing.qcow2"));
                }
                backing = Optional.of(new WrittenImage.Backing(backingName, r.backing().get(), b));
            }
            Optional<WrittenImage.DataFile> dataFile = Optional.empty();
            if (d.dataFile() != null) {
                Path data = dir.resolve("image.data");
                DataFileWriter.write(d, data);
                dataFile = Optional.of(new WrittenImage.DataFile(dataFileName, Files.readAllBytes(data)));
            }
            return new WrittenImage(bytes, layout, backing, dataFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            delete(dir);
        }
    }

    /** Appends {@code n} clusters that nothing references, each with refcount 1 (spec: Host cluster management). */
    private static byte[] leak(byte[] bytes, Layout layout, int n) {
        if (n == 0) {
            return bytes;
        }
        int cs = (int) layout.clusterSize();
        long first = (bytes.length + cs - 1) / cs;
        byte[] out = Arrays.copyOf(bytes, (int) ((first + n) * cs));
        for (long c = first; c < first + n; c++) {
            Mutations.putRefcount(out, layout, c, 1);
        }
        return out;
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
