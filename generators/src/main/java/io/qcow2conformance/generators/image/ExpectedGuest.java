package io.qcow2conformance.generators.image;

import io.qcow2conformance.model.write.GuestContent;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The guest content a correct reader returns for a recipe, computed by the model writer's
 * {@link GuestContent} from the description alone (spec: Cluster mapping), never by
 * reading the image back.
 */
public final class ExpectedGuest {
    private ExpectedGuest() {
    }

    /** The full cluster {@code guestCluster} as a correct reader returns it. */
    public static byte[] cluster(ImageRecipe r, long guestCluster) {
        byte[] buf = new byte[r.clusterSize()];
        content(r).cluster(guestCluster, buf);
        return buf;
    }

    /** SHA-256 (lower-case hex) of the whole guest content, {@code virtualSize} bytes. */
    public static String sha256(ImageRecipe r) {
        return HexFormat.of().formatHex(content(r).sha256());
    }

    /** The pattern layer of the data in guest cluster {@code guestCluster} (snapshots change it for later writes). */
    public static int layer(ImageRecipe r, long guestCluster) {
        return content(r).layer(guestCluster);
    }

    /** SHA-256 (lower-case hex) of the guest content snapshot {@code index} captured (spec: Snapshots). */
    public static String snapshotSha256(ImageRecipe r, int index) {
        return HexFormat.of().formatHex(content(r).snapshot(index).sha256());
    }

    /** The virtual size of snapshot {@code index}: its own, else the image's. */
    public static long snapshotVirtualSize(ImageRecipe r, int index) {
        return ModelImageWriter.describe(r, "backing").snapshotVirtualSize(index);
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    private static GuestContent content(ImageRecipe r) {
        return GuestContent.of(ModelImageWriter.describe(r, "backing"));
    }
}
