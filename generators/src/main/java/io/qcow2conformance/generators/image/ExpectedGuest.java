package io.qcow2conformance.generators.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The guest content a correct reader returns for a recipe, derived from the scenario and
 * the {@link GuestPattern} (spec: Cluster mapping): never by reading the image back.
 */
public final class ExpectedGuest {
    private ExpectedGuest() {
    }

    /** The full cluster {@code guestCluster} as a correct reader returns it. */
    public static byte[] cluster(ImageRecipe r, long guestCluster) {
        int cs = r.clusterSize();
        ClusterState s = r.clusters().get(guestCluster);
        if (s == null) {
            return r.backing().isPresent()
                    ? GuestPattern.cluster(guestCluster * cs, GuestPattern.LAYER_BACKING, cs)
                    : new byte[cs];
        }
        if (s instanceof ClusterState.Zero || s instanceof ClusterState.ZeroAllocated) {
            return new byte[cs];
        }
        if (s instanceof ClusterState.Shared sh) {
            return GuestPattern.cluster(sh.guestCluster() * cs, r.layer(), cs);
        }
        return GuestPattern.cluster(guestCluster * cs, r.layer(), cs);
    }

    /** SHA-256 (lower-case hex) of the whole guest content, {@code virtualSize} bytes. */
    public static String sha256(ImageRecipe r) {
        MessageDigest md = sha256();
        int cs = r.clusterSize();
        for (long g = 0; g < r.guestClusters(); g++) {
            long left = r.virtualSize() - g * cs;
            md.update(cluster(r, g), 0, (int) Math.min(cs, left));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    public static String sha256(byte[] data) {
        return HexFormat.of().formatHex(sha256().digest(data));
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
