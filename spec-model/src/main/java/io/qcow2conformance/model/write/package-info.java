/**
 * The deterministic image writer that produces the golden corpus.
 *
 * <ul>
 *   <li>{@link io.qcow2conformance.model.write.ImageDescription} (+ {@code Builder}): an immutable
 *       description of one valid image: header values, {@link io.qcow2conformance.model.write.Extension}s,
 *       backing file, and {@link io.qcow2conformance.model.write.GuestOp}s in order, with
 *       {@link io.qcow2conformance.model.write.InternalSnapshot}s taken between them (laid out by
 *       {@code SnapshotPlan}: clusters unchanged since a snapshot are shared).</li>
 *   <li>{@link io.qcow2conformance.model.write.GuestPattern}: the self-checking byte of every guest
 *       offset and layer; {@link io.qcow2conformance.model.write.GuestContent}: the guest disk a
 *       reader must see (per-cluster {@link io.qcow2conformance.model.write.ClusterState}, streamed
 *       bytes, SHA-256), computed from the description alone.</li>
 *   <li>{@link io.qcow2conformance.model.write.Qcow2Writer}: writes the image (and its backing chain)
 *       and returns a {@link io.qcow2conformance.model.write.Layout}: every structure by name.</li>
 *   <li>{@link io.qcow2conformance.model.write.ExtendedL2}: with extended L2 entries
 *       ({@code Builder.extendedL2(true)}) operations work per subcluster; the per-cluster state is
 *       {@code ClusterState.Subclusters} and each L2 entry is followed by its subcluster bitmap
 *       (layout name {@code l2_bitmap[c]}).</li>
 *   <li>{@link io.qcow2conformance.model.write.Mutation}: one fault at a structure found through the
 *       layout (a {@link io.qcow2conformance.model.write.Structure} names a host structure, such as an
 *       L2 table, for refcount and pointer faults); {@link io.qcow2conformance.model.write.Mutations}
 *       applies it to the image bytes or file. The scenario or test that makes the fault names the
 *       rule it breaks.</li>
 * </ul>
 *
 * <pre>{@code
 * ImageDescription base = ImageDescription.builder().clusterBits(12).virtualSize(64 << 10).layer(1)
 *         .write(0, 16 << 10).writeCompressed(16 << 10, 8 << 10).build();
 * ImageDescription top = ImageDescription.builder().clusterBits(16).virtualSize(256 << 10).layer(2)
 *         .backing("base.qcow2", base).extension(Extension.backingFormat("qcow2"))
 *         .write(100, 300)                      // the rest of cluster 0 is copied from base
 *         .zero(64 << 10, 64 << 10, false)      // reads as zeros, not as base
 *         .build();
 * Layout layout = Qcow2Writer.writeChain(top, dir.resolve("top.qcow2"));
 * byte[] expectedSha256 = GuestContent.of(top).sha256();
 * Mutations.apply(dir.resolve("top.qcow2"), layout,   // refcount of the first L2 table: 0
 *         new Mutation.Refcount(new Structure.L2Table(0), 0));
 * }</pre>
 */
package io.qcow2conformance.model.write;
