package io.qcow2conformance.model.write;

/** A host structure a scenario can name, for example to change its refcount. */
public sealed interface Structure {
    record HeaderCluster() implements Structure {
    }

    record RefcountTable() implements Structure {
    }

    record RefcountBlock(int index) implements Structure {
    }

    record L1Table() implements Structure {
    }

    /** The L2 table that maps {@code guestCluster}. */
    record L2Table(long guestCluster) implements Structure {
    }

    /** The snapshot table (spec: Snapshots). */
    record SnapshotTable() implements Structure {
    }

    /** The L1 table of the {@code index}th snapshot of the table. */
    record SnapshotL1Table(int index) implements Structure {
    }

    /** The host cluster holding the data of {@code guestCluster}. */
    record DataCluster(long guestCluster) implements Structure {
    }
}
