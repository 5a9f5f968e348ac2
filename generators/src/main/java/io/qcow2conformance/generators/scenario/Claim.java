package io.qcow2conformance.generators.scenario;

import io.qcow2conformance.model.rules.Rule;

/** What one Then step states about the image, from the spec. */
public sealed interface Claim {
    /** The image is valid; a check finds {@code leaks} leaked clusters (0: clean). */
    record Valid(int leaks) implements Claim {
    }

    /** A reader must refuse to open the image (spec rule {@code rule}). */
    record RejectOpen(Rule rule) implements Claim {
    }

    /** A reader must refuse to read guest cluster {@code guestCluster}, or refuse the image earlier. */
    record RejectRead(long guestCluster, Rule rule) implements Claim {
    }

    /** A consistency check must report corruption. */
    record CheckCorruption(Rule rule) implements Claim {
    }

    /** The spec leaves the outcome open ({@code limit}: an implementation limit); {@code never} is what no reader may do. */
    record Open(boolean limit, String never) implements Claim {
    }

    /** Where the guest data of one cluster comes from. */
    enum Source { ZEROS, OWN_DATA, BACKING_DATA, DATA_OF }

    /** Reading guest cluster {@code guestCluster} returns {@code source} ({@code of}: the cluster for DATA_OF). */
    record ClusterContent(long guestCluster, Source source, long of) implements Claim {
    }

    /** Reading subcluster {@code subcluster} of guest cluster {@code guestCluster} returns {@code source} (extended L2 entries). */
    record SubclusterContent(long guestCluster, int subcluster, Source source) implements Claim {
    }

    /** Persistent bitmap {@code name} reads as the ranges set in it (none: {@code empty}). */
    record BitmapContent(String name, boolean empty) implements Claim {
    }

    /** Persistent bitmap {@code name} must not be used: a reader refuses to report its content (the image stays readable). */
    record BitmapUnusable(String name) implements Claim {
    }

    /** Internal snapshot {@code name} reads as the guest content described before it was taken. */
    record SnapshotContent(String name) implements Claim {
    }

    /** The whole guest content equals the pattern the image was written with. */
    record GuestMatches() implements Claim {
    }
}
