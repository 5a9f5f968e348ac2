package io.qcow2conformance.generators.image;

import io.qcow2conformance.model.extensions.HeaderExtension;
import io.qcow2conformance.model.write.Extension;
import io.qcow2conformance.model.write.GuestContent;
import io.qcow2conformance.model.write.GuestOp;
import io.qcow2conformance.model.write.ImageDescription;
import io.qcow2conformance.model.write.Layout;
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
            b.extension(Extension.backingFormat(r.backingFormatName()));
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
        long cs = r.clusterSize();
        List<GuestOp> shares = new ArrayList<>();
        for (Map.Entry<Long, ClusterState> e : r.clusters().entrySet()) {
            long off = e.getKey() * cs;
            long len = Math.min(cs, r.virtualSize() - off);
            ClusterState s = e.getValue();
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
                shares.add(new GuestOp.Share(e.getKey(), sh.guestCluster()));
            }
        }
        shares.forEach(s -> b.share(((GuestOp.Share) s).guestCluster(), ((GuestOp.Share) s).sourceCluster()));
        b.truncateCompressedTail(r.endAfterCompressedData());
        r.bitmaps().forEach(bm -> b.bitmap(bm.description()));
        r.encryption().ifPresent(b::encryption);
        return b.build();
    }

    @Override
    public WrittenImage write(ImageRecipe r, String backingName) {
        ImageDescription d = describe(r, backingName);
        Path dir = null;
        try {
            dir = Files.createTempDirectory("qcow2-generate-");
            Layout layout = Qcow2Writer.write(d, dir.resolve("image.qcow2"));
            byte[] bytes = Files.readAllBytes(dir.resolve("image.qcow2"));
            bytes = leak(bytes, layout, r.leakedClusters());
            for (Mutation m : r.mutations()) {
                Mutations.apply(bytes, layout, m);
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
            return new WrittenImage(bytes, layout, backing);
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
