package io.qcow2conformance.bench;

import io.qcow2conformance.model.check.CheckReport;
import io.qcow2conformance.model.check.ImageChecker;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.read.BackingChain;
import io.qcow2conformance.model.read.Qcow2Disk;
import io.qcow2conformance.model.write.ImageDescription;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.file.Path;

/**
 * The L2 table walk and the refcount cross-check on an image of 512-byte clusters with
 * 16 MiB written (32768 L2 entries, as image (a) of bench/compare-qemu.sh but smaller):
 * {@code check} walks every L2 table, counts every cluster and compares with the stored
 * refcounts; {@code mapWalk} asks the reader for the extent of every guest cluster.
 */
@State(Scope.Benchmark)
public class L2WalkBenchmark extends BenchmarkDefaults {
    @Param({"9", "16"})
    public int clusterBits;

    private Path image;

    @Setup
    public void setUp() {
        image = Images.write(ImageDescription.builder().clusterBits(clusterBits).virtualSize(64L << 20)
                .write(0, 16L << 20).build());
    }

    @Benchmark
    public CheckReport check() {
        return new ImageChecker(Limits.DEFAULT).check(image);
    }

    /** Every guest cluster classified once (holes and data), without reading guest data. */
    @Benchmark
    public long mapWalk() {
        long n = 0;
        try (Qcow2Disk disk = BackingChain.open(image, Limits.DEFAULT)) {
            long step = 1L << clusterBits;
            for (long pos = 0; pos < disk.size(); pos += step) {
                n += disk.holeLength(pos, step);
            }
        }
        return n;
    }
}
