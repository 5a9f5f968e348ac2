package io.qcow2conformance.model.snapshot;

import io.qcow2conformance.model.header.Header;

import java.util.OptionalLong;

/**
 * One snapshot table entry as stored (spec: Snapshots > Snapshot table entry). Unsigned
 * 32-bit fields are held in {@code long}s. The fields of the extra data are present only
 * when the entry's extra data reaches them; extra data past the known fields is kept as is.
 *
 * @param index            position in the snapshot table, from 0
 * @param entryOffset      byte offset of the entry in the image file
 * @param l1TableOffset    bytes 0-7
 * @param l1Size           bytes 8-11
 * @param id               the unique ID string
 * @param name             the name
 * @param dateSec          bytes 16-19
 * @param dateNsec         bytes 20-23
 * @param vmClockNsec      bytes 24-31
 * @param vmStateSize32    bytes 32-35
 * @param extraDataSize    bytes 36-39
 * @param vmStateSize64    extra data bytes 40-47 (entry-relative), when present
 * @param virtualDiskSize  extra data bytes 48-55, when present
 * @param icount           extra data bytes 56-63, when present (-1: icount was disabled)
 * @param unknownExtraData extra data past the last field this model knows that it holds whole
 * @param entryLength      bytes of the entry, padding to a multiple of 8 included
 */
public record Snapshot(
        int index,
        long entryOffset,
        long l1TableOffset,
        long l1Size,
        String id,
        String name,
        long dateSec,
        long dateNsec,
        long vmClockNsec,
        long vmStateSize32,
        long extraDataSize,
        OptionalLong vmStateSize64,
        OptionalLong virtualDiskSize,
        OptionalLong icount,
        byte[] unknownExtraData,
        long entryLength) {

    /** Bytes of the fixed part of an entry, before the extra data. */
    public static final int FIXED_LENGTH = 40;
    /** Extra data a version 3 entry needs: up to and including the virtual disk size. */
    public static final int V3_MIN_EXTRA_DATA = 16;

    public Snapshot {
        unknownExtraData = unknownExtraData.clone();
    }

    @Override
    public byte[] unknownExtraData() {
        return unknownExtraData.clone();
    }

    /** The VM state size: the 64-bit field when present, else the 32-bit one. */
    public long vmStateSize() {
        return vmStateSize64.orElse(vmStateSize32);
    }

    /** The snapshot's virtual disk size: from its extra data, else the image header's. */
    public long virtualSize(Header header) {
        return virtualDiskSize.orElse(header.size());
    }

    /** Byte offset of the ID string in the file. */
    public long idOffset() {
        return entryOffset + FIXED_LENGTH + extraDataSize;
    }

    /** {@code ID (name)}, for messages; each at most {@value #LABEL_PART} characters (a name may be 65535 bytes). */
    public String label() {
        return cut(id) + " (" + cut(name) + ")";
    }

    private static final int LABEL_PART = 64;

    private static String cut(String s) {
        return s.length() <= LABEL_PART ? s : s.substring(0, LABEL_PART) + "...";
    }
}
