package io.qcow2conformance.bench;

import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.read.BackingChain;
import io.qcow2conformance.model.read.Qcow2Disk;
import io.qcow2conformance.model.write.Compression;
import io.qcow2conformance.model.write.ImageDescription;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Reading 4 MiB of compressed 64 KiB clusters (deflate and zstd) through the guest view. */
@State(Scope.Benchmark)
public class CompressedReadBenchmark extends BenchmarkDefaults {
    private static final long DATA = 4L << 20;

    @Param({"DEFLATE", "ZSTD"})
    public Compression compression;

    private Path image;
    private ByteBuffer buf;

    @Setup
    public void setUp() {
        image = Images.write(ImageDescription.builder().clusterBits(16).virtualSize(DATA).compression(compression)
                .writeCompressed(0, DATA).build());
        buf = ByteBuffer.allocateDirect(1 << 20);
    }

    @Benchmark
    public long readAll() {
        long sum = 0;
        try (Qcow2Disk disk = BackingChain.open(image, Limits.DEFAULT)) {
            for (long pos = 0; pos < DATA; pos += buf.capacity()) {
                buf.clear();
                disk.read(pos, buf);
                sum += buf.get(0);
            }
        }
        return sum;
    }
}
