package io.qcow2conformance.bench;

import io.qcow2conformance.model.refcount.RefcountDecoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Random;

/**
 * Decoding one 64 KiB refcount block at every refcount width (spec: Host cluster
 * management > refcount block entry), the inner loop of {@code StoredRefcounts}.
 */
@State(Scope.Thread)
public class RefcountDecodeBenchmark extends BenchmarkDefaults {
    @Param({"0", "1", "2", "3", "4", "5", "6"})
    public int refcountOrder;

    private byte[] block;
    private long[] out;

    @Setup
    public void setUp() {
        block = new byte[64 << 10];
        new Random(42).nextBytes(block);
        out = new long[block.length * 8 >> refcountOrder];
    }

    @Benchmark
    public long[] decodeBlock() {
        RefcountDecoder.decodeBlock(block, refcountOrder, out);
        return out;
    }
}
