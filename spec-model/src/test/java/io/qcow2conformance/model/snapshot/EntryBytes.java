package io.qcow2conformance.model.snapshot;

import io.qcow2conformance.model.io.BigEndian;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds one snapshot table entry byte by byte from the spec's offsets (spec: Snapshots >
 * Snapshot table entry), independently of {@link SnapshotDecoder}. The extra data is
 * {@code extra} as given; {@link #v3Extra} builds the defined fields.
 */
final class EntryBytes {
    long l1TableOffset;
    long l1Size;
    String id = "1";
    String name = "snap";
    long dateSec = 1_700_000_000L;
    long dateNsec = 123_000_000L;
    long vmClockNsec;
    long vmStateSize32;
    byte[] extra = new byte[0];
    /** Overrides the stored extra_data_size (null: the length of {@link #extra}). */
    Long extraDataSize;
    /** Overrides the stored name length (null: the name's length). */
    Integer nameSize;

    EntryBytes(long l1TableOffset, long l1Size) {
        this.l1TableOffset = l1TableOffset;
        this.l1Size = l1Size;
    }

    EntryBytes id(String v) {
        id = v;
        return this;
    }

    EntryBytes name(String v) {
        name = v;
        return this;
    }

    EntryBytes extra(byte[] v) {
        extra = v;
        return this;
    }

    /** Extra data with the 64-bit VM state size, the virtual disk size and icount (24 bytes). */
    static byte[] v3Extra(long vmStateSize, long virtualSize, long icount) {
        byte[] b = new byte[24];
        BigEndian.put64(b, 0, vmStateSize);
        BigEndian.put64(b, 8, virtualSize);
        BigEndian.put64(b, 16, icount);
        return b;
    }

    /** The entry with its padding to a multiple of 8. */
    byte[] bytes() {
        byte[] idb = id.getBytes(StandardCharsets.UTF_8);
        byte[] nb = name.getBytes(StandardCharsets.UTF_8);
        byte[] fixed = new byte[40];
        BigEndian.put64(fixed, 0, l1TableOffset);
        BigEndian.put32(fixed, 8, l1Size);
        BigEndian.put16(fixed, 12, idb.length);
        BigEndian.put16(fixed, 14, nameSize != null ? nameSize : nb.length);
        BigEndian.put32(fixed, 16, dateSec);
        BigEndian.put32(fixed, 20, dateNsec);
        BigEndian.put64(fixed, 24, vmClockNsec);
        BigEndian.put32(fixed, 32, vmStateSize32);
        BigEndian.put32(fixed, 36, extraDataSize != null ? extraDataSize : extra.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(fixed);
        out.writeBytes(extra);
        out.writeBytes(idb);
        out.writeBytes(nb);
        while (out.size() % 8 != 0) {
            out.write(0);
        }
        return out.toByteArray();
    }

    static byte[] table(EntryBytes... entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (EntryBytes e : entries) {
            out.writeBytes(e.bytes());
        }
        return out.toByteArray();
    }
}
