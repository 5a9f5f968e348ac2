package io.qcow2conformance.model.crypto;

import java.util.Arrays;
import java.util.List;

/**
 * The fields of the LUKS1 partition header (cryptsetup's LUKS1 on-disk format, which the
 * qcow2 spec refers to under "Full disk encryption header pointer"): name as in the LUKS1
 * specification, byte offset and width. Header fields count from the start of the header;
 * key slot fields ({@code SLOT_*}) from the start of their slot. The one table shared by the
 * decoder ({@link LuksHeader#decode}), the encoder ({@link LuksHeader#encode}), the rules'
 * offsets and the writer's layout.
 */
public enum LuksField {
    MAGIC("magic", 0, 6),
    VERSION("version", 6, 2),
    CIPHER_NAME("cipher-name", 8, 32),
    CIPHER_MODE("cipher-mode", 40, 32),
    HASH_SPEC("hash-spec", 72, 32),
    PAYLOAD_OFFSET("payload-offset", 104, 4),
    KEY_BYTES("key-bytes", 108, 4),
    MK_DIGEST("mk-digest", 112, 20),
    MK_DIGEST_SALT("mk-digest-salt", 132, 32),
    MK_DIGEST_ITER("mk-digest-iter", 164, 4),
    UUID("uuid", 168, 40),
    SLOT_ACTIVE("active", 0, 4),
    SLOT_ITERATIONS("iterations", 4, 4),
    SLOT_SALT("salt", 8, 32),
    SLOT_KEY_MATERIAL_OFFSET("key-material-offset", 40, 4),
    SLOT_STRIPES("stripes", 44, 4);

    private final String luksName;
    private final int offset;
    private final int width;

    LuksField(String luksName, int offset, int width) {
        this.luksName = luksName;
        this.offset = offset;
        this.width = width;
    }

    public String luksName() {
        return luksName;
    }

    /** From the start of the header, or for a key slot field from the start of its slot. */
    public int offset() {
        return offset;
    }

    public int width() {
        return width;
    }

    public boolean inKeySlot() {
        return name().startsWith("SLOT_");
    }

    /** Where this key slot field of slot {@code index} starts, relative to the LUKS header. */
    public int offsetIn(int index) {
        if (!inKeySlot()) {
            throw new IllegalStateException(luksName + " is not a key slot field");
        }
        return LuksHeader.OFF_SLOTS + index * LuksHeader.SLOT_LENGTH + offset;
    }

    /** The header's own fields, in order. */
    public static List<LuksField> headerFields() {
        return Arrays.stream(values()).filter(f -> !f.inKeySlot()).toList();
    }

    /** The fields of one key slot, in order. */
    public static List<LuksField> keySlotFields() {
        return Arrays.stream(values()).filter(LuksField::inKeySlot).toList();
    }
}
