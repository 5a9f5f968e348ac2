package io.qcow2conformance.model.check;

/**
 * Hook for checking the content of compressed clusters ({@code mapping.compressed.data}):
 * called once for every compressed L2 entry whose data starts inside the file. The
 * checker's default, {@link DecompressingDataCheck}, decompresses with the image's
 * compression type and reports a finding through the context; {@link #NONE} skips it.
 */
@FunctionalInterface
public interface CompressedDataCheck {
    CompressedDataCheck NONE = (context, guestOffset, hostOffset, length) -> { };

    /**
     * @param guestOffset guest offset of the compressed cluster (for the active table and snapshots alike)
     * @param hostOffset  byte offset of the compressed data in the file
     * @param length      bytes the descriptor names (to the end of its last 512-byte sector)
     */
    void check(CheckContext context, long guestOffset, long hostOffset, long length);
}
