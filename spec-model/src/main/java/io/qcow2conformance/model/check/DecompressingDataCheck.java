package io.qcow2conformance.model.check;

import io.qcow2conformance.model.read.ClusterDecompressor;
import io.qcow2conformance.model.rules.ImageException;

/**
 * The checker's default {@link CompressedDataCheck}: decompresses every compressed cluster
 * with the image's compression type and reports {@code mapping.compressed.data} when it
 * does not yield a whole cluster (spec: Compressed Clusters Descriptor; Header >
 * compression_type). {@code qemu-img check} does not do this; a conformance check must,
 * because such a cluster cannot be read. One instance per check: it keeps the
 * decompressor and its buffers for the image being checked.
 */
final class DecompressingDataCheck implements CompressedDataCheck, AutoCloseable {
    private ClusterDecompressor decompressor;
    private byte[] out;

    @Override
    public void check(CheckContext context, long guestOffset, long hostOffset, long length) {
        if (decompressor == null) {
            decompressor = new ClusterDecompressor(context.header());
            out = new byte[decompressor.clusterSize()];
        }
        try {
            decompressor.decompress(context.source(), hostOffset, length, guestOffset, out);
        } catch (ImageException e) {
            context.report(e.toFinding());
        }
    }

    @Override
    public void close() {
        if (decompressor != null) {
            decompressor.close();
        }
    }
}
