package io.qcow2conformance.model.crypto;

/**
 * The fields of the LUKS1 partition header (cryptsetup's LUKS1 on-disk format, which the
 * qcow2 spec refers to under "Full disk encryption header pointer"): name as in the LUKS1
 * specification, byte offset from the start of the header and width. The one table shared
 * by the decoder ({@link LuksHeader#decode}), the encoder ({@link LuksHeader#encode}), the
 * rules' offsets and the writer's layout.
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
    UUID("uuid", 168, 40);

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

    public int offset() {
        return offset;
    }

    public int width() {
        return width;
    }

    /** The fields of one key slot, relative to the slot's start (LUKS1: key slot). */
    public enum Slot {
        ACTIVE("active", 0, 4),
        ITERATIONS("iterations", 4, 4),
        SALT("salt", 8, 32),
        KEY_MATERIAL_OFFSET("key-material-offset", 40, 4),
        STRIPES("stripes", 44, 4);

        private final String luksName;
        private final int offset;
        private final int width;

        Slot(String luksName, int offset, int width) {
            this.luksName = luksName;
            this.offset = offset;
            this.width = width;
        }

        public String luksName() {
            return luksName;
        }

        public int offset() {
            return offset;
        }

        public int width() {
            return width;
        }

        /** Where this field of key slot {@code index} starts, relative to the LUKS header. */
        public int offsetIn(int index) {
            return LuksHeader.OFF_SLOTS + index * LuksHeader.SLOT_LENGTH + offset;
        }
    }
}
