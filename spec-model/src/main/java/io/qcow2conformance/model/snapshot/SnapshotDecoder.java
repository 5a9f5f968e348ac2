package io.qcow2conformance.model.snapshot;

import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * The one place that decodes the snapshot table (spec: Snapshots > Snapshot table entry).
 *
 * <p>Faults after which no later entry can be found are fatal ({@link ImageException}): the
 * table or an entry reaching past the end of the file, and the limits (count, extra data
 * per entry, table size), each checked before anything is allocated for it. Everything else
 * (alignment, version 3 extra data, duplicate IDs...) is left to {@link SnapshotRules}.
 */
public final class SnapshotDecoder {
    /** Byte offsets in the header (spec: Header). */
    static final int NB_SNAPSHOTS_FIELD = 60;
    static final int SNAPSHOTS_OFFSET_FIELD = 64;
    /** Byte offsets in an entry, relative to its start (spec: Snapshots > Snapshot table entry). */
    static final int L1_SIZE_FIELD = SnapshotEntryField.L1_SIZE.offset();
    static final int EXTRA_DATA_SIZE_FIELD = SnapshotEntryField.EXTRA_DATA_SIZE.offset();

    private SnapshotDecoder() {
    }

    /** Reads every entry of the table that the header names (an empty table when nb_snapshots is 0). */
    public static SnapshotTable decode(ImageSource src, Header h, Limits limits) {
        long count = h.nbSnapshots();
        long tableOffset = h.snapshotsOffset();
        if (count == 0) {
            return new SnapshotTable(tableOffset, List.of(), 0);
        }
        if (count > limits.maxSnapshots()) {
            throw new ImageException(Rule.SNAPSHOT_COUNT_MAX, "nb_snapshots", NB_SNAPSHOTS_FIELD,
                    Rule.SNAPSHOT_COUNT_MAX.format(count, limits.maxSnapshots()));
        }
        if (tableOffset < 0 || tableOffset >= src.size()) {
            throw new ImageException(Rule.SNAPSHOT_TABLE_IN_FILE, "snapshots_offset", SNAPSHOTS_OFFSET_FIELD,
                    Rule.SNAPSHOT_TABLE_IN_FILE.format(tableOffset, count, src.size()));
        }
        checkTableSize(src, count, tableOffset, limits);
        List<Snapshot> entries = new ArrayList<>();
        long pos = tableOffset;
        for (int i = 0; i < count; i++) {
            Snapshot s = decodeEntry(src, i, pos, tableOffset, limits);
            entries.add(s);
            pos += s.entryLength();
        }
        return new SnapshotTable(tableOffset, entries, pos - tableOffset);
    }

    /**
     * A first pass over the entries' fixed parts only (their extra_data_size, id_str_size and
     * name_size give each entry's length; spec: Snapshots > Snapshot table entry), so that a
     * table beyond the size limit is refused before the IDs and names of the entries before
     * it (up to 64 MiB) are read and kept. It throws only the error the full pass would throw
     * at the same entry, with the same checks in the same order: at an entry that is not whole
     * inside the file, or that the extra data or metadata limit stops, it leaves the rest to
     * the full pass. Its reads are not metadata the kit counts.
     */
    private static void checkTableSize(ImageSource src, long count, long tableOffset, Limits limits) {
        ByteBuffer f = ByteBuffer.allocate(Snapshot.FIXED_LENGTH);
        long metadata = src.metadataBytesRead();
        long pos = tableOffset;
        for (int i = 0; i < count; i++) {
            f.clear();
            if (src.readAvailable(pos, f) < Snapshot.FIXED_LENGTH) {
                return;
            }
            long extraSize = Integer.toUnsignedLong(f.getInt(EXTRA_DATA_SIZE_FIELD));
            if (extraSize > limits.maxSnapshotExtraData()) {
                return;
            }
            long unpadded = Snapshot.FIXED_LENGTH + extraSize
                    + Short.toUnsignedInt(f.getShort(SnapshotEntryField.ID_STR_SIZE.offset()))
                    + Short.toUnsignedInt(f.getShort(SnapshotEntryField.NAME_SIZE.offset()));
            long entryLength = (unpadded + 7) & ~7L;
            long tableBytes = pos + entryLength - tableOffset;
            if (tableBytes > limits.maxSnapshotTableBytes()) {
                throw tableTooLarge(i, pos, tableBytes, limits);
            }
            // the full pass has read this entry's fixed part when it checks the metadata limit
            boolean metadataLimit = metadata + Snapshot.FIXED_LENGTH + unpadded > limits.maxMetadataBytes();
            if (metadataLimit || src.size() - pos < unpadded) {
                return;
            }
            metadata += unpadded;
            pos += entryLength;
        }
    }

    private static ImageException tableTooLarge(int i, long pos, long tableBytes, Limits limits) {
        return new ImageException(Rule.SNAPSHOT_TABLE_SIZE_MAX, "snapshot table entry " + i, pos,
                Rule.SNAPSHOT_TABLE_SIZE_MAX.format(tableBytes, i, limits.maxSnapshotTableBytes()));
    }

    private static Snapshot decodeEntry(ImageSource src, int i, long pos, long tableOffset, Limits limits) {
        ByteBuffer f = read(src, i, pos, pos, Snapshot.FIXED_LENGTH, "fixed part");
        long l1TableOffset = f.getLong(0);
        long l1Size = Integer.toUnsignedLong(f.getInt(8));
        int idSize = Short.toUnsignedInt(f.getShort(12));
        int nameSize = Short.toUnsignedInt(f.getShort(14));
        long dateSec = Integer.toUnsignedLong(f.getInt(16));
        long dateNsec = Integer.toUnsignedLong(f.getInt(20));
        long vmClockNsec = f.getLong(24);
        long vmStateSize32 = Integer.toUnsignedLong(f.getInt(32));
        long extraSize = Integer.toUnsignedLong(f.getInt(EXTRA_DATA_SIZE_FIELD));
        if (extraSize > limits.maxSnapshotExtraData()) {
            throw new ImageException(Rule.SNAPSHOT_EXTRA_DATA_MAX, "snapshot table entry " + i + " extra_data_size",
                    pos + EXTRA_DATA_SIZE_FIELD, Rule.SNAPSHOT_EXTRA_DATA_MAX.format(i, extraSize,
                            limits.maxSnapshotExtraData()));
        }
        long unpadded = Snapshot.FIXED_LENGTH + extraSize + idSize + nameSize;
        long entryLength = (unpadded + 7) & ~7L;
        long tableBytes = pos + entryLength - tableOffset;
        if (tableBytes > limits.maxSnapshotTableBytes()) {
            throw tableTooLarge(i, pos, tableBytes, limits);
        }
        if (src.metadataBytesRead() + unpadded > limits.maxMetadataBytes()) {
            throw new ImageException(Rule.LIMIT_METADATA_BYTES, "snapshot table entry " + i, pos,
                    Rule.LIMIT_METADATA_BYTES.format(limits.maxMetadataBytes()));
        }
        long at = pos + Snapshot.FIXED_LENGTH;
        ByteBuffer extra = read(src, i, pos, at, (int) extraSize, "extra data");
        at += extraSize;
        String id = string(read(src, i, pos, at, idSize, "ID string"));
        at += idSize;
        String name = string(read(src, i, pos, at, nameSize, "name"));
        // bytes of a field that the extra data does not hold whole are kept with the unknown ones
        int known = (int) Math.min(extraSize & ~7L, 24);
        byte[] unknown = Arrays.copyOfRange(extra.array(), known, (int) extraSize);
        return new Snapshot(i, pos, l1TableOffset, l1Size, id, name, dateSec, dateNsec, vmClockNsec, vmStateSize32,
                extraSize, extraField(extra, 0), extraField(extra, 8), extraField(extra, 16), unknown, entryLength);
    }

    /** The 64-bit extra data field at {@code at} (relative to the extra data), when the extra data reaches its end. */
    private static OptionalLong extraField(ByteBuffer extra, int at) {
        return extra.capacity() >= at + 8 ? OptionalLong.of(extra.getLong(at)) : OptionalLong.empty();
    }

    private static ByteBuffer read(ImageSource src, int i, long entry, long at, int length, String part) {
        if (at > src.size() || src.size() - at < length) {
            throw new ImageException(Rule.SNAPSHOT_ENTRY_IN_FILE, "snapshot table entry " + i + " " + part, at,
                    Rule.SNAPSHOT_ENTRY_IN_FILE.format(i, entry, part, length, at, src.size()));
        }
        return src.read(at, length, Rule.SNAPSHOT_ENTRY_IN_FILE, "snapshot table entry " + i + " " + part);
    }

    private static String string(ByteBuffer b) {
        return new String(b.array(), StandardCharsets.UTF_8);
    }
}
