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
 *   <li>{@link io.qcow2conformance.model.write.Mutation}: one fault at a structure named in the
 *       layout, tagged with the {@link io.qcow2conformance.model.rules.Rule} it breaks.</li>
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
 * Mutation m = Mutation.setRefcount(Rule.REFCOUNT_TOO_LOW, Layout.l2Table(0), 0);
 * m.apply(dir.resolve("top.qcow2"), layout);   // manifest: m.ruleId(), m.description()
 * }</pre>
 */
package io.qcow2conformance.model.write;
