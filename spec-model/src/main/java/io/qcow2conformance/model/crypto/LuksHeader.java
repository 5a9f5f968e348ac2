package io.qcow2conformance.model.crypto;

import io.qcow2conformance.model.extensions.HeaderExtension.FullDiskEncryption;
import io.qcow2conformance.model.image.Qcow2Image;
import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.Rule;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The LUKS1 partition header (cryptsetup's LUKS1 on-disk format) at the start of a qcow2
 * image's encryption header area (spec: Full disk encryption header pointer). Numbers are
 * big-endian; strings are NUL-terminated in fixed fields. Byte arrays are copies.
 *
 * @param offset             where the LUKS header starts in the image file
 * @param payloadOffset      in 512-byte sectors from the start of the LUKS header (unused by qcow2)
 * @param keyBytes           master key length in bytes
 * @param mkDigestIterations PBKDF2 iterations of the master key digest
 */
public record LuksHeader(
        long offset,
        byte[] magic,
        int version,
        String cipherName,
        String cipherMode,
        String hashSpec,
        long payloadOffset,
        long keyBytes,
        byte[] mkDigest,
        byte[] mkDigestSalt,
        long mkDigestIterations,
        String uuid,
        List<KeySlot> keySlots) {

    public static final int LENGTH = 592;
    public static final byte[] MAGIC = {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe};
    public static final int SLOTS = 8;
    public static final int SECTOR = 512;
    static final int OFF_VERSION = LuksField.VERSION.offset();
    static final int OFF_CIPHER_NAME = LuksField.CIPHER_NAME.offset();
    static final int OFF_PAYLOAD = LuksField.PAYLOAD_OFFSET.offset();
    static final int OFF_KEY_BYTES = LuksField.KEY_BYTES.offset();
    static final int OFF_MK_ITERATIONS = LuksField.MK_DIGEST_ITER.offset();
    public static final int OFF_SLOTS = 208;
    public static final int SLOT_LENGTH = 48;
    public static final int DIGEST_LENGTH = 20;

    /**
     * One key slot.
     *
     * @param state             0x00ac71f3 active, 0x0000dead disabled
     * @param keyMaterialOffset in 512-byte sectors from the start of the LUKS header
     */
    public record KeySlot(int index, long state, long iterations, byte[] salt, long keyMaterialOffset, long stripes) {
        public static final long ACTIVE = 0x00ac71f3L;
        public static final long DISABLED = 0x0000deadL;

        public boolean active() {
            return state == ACTIVE;
        }

        /** Where this slot's fields start, relative to the LUKS header. */
        public int fieldOffset() {
            return OFF_SLOTS + index * SLOT_LENGTH;
        }

        /** Bytes of split key material, in whole sectors. */
        public long materialLength(long keyBytes) {
            if (keyBytes > (1L << 40) / Math.max(1, stripes)) {
                return 1L << 40; // far past any area a file holds; keeps sums with offsets from overflowing
            }
            long n = keyBytes * stripes;
            return (n + SECTOR - 1) / SECTOR * SECTOR;
        }
    }

    /** The LUKS header of a crypt_method 2 image whose encryption header area is usable and long enough. */
    public static Optional<LuksHeader> of(Qcow2Image image) {
        return LuksRules.area(image.source(), image.header(), image.extensions())
                .filter(f -> f.encryptionHeaderLength() >= LENGTH)
                .map(f -> read(image.source(), f));
    }

    /** Reads and decodes the LUKS header at the start of the area {@code fde} points to. */
    static LuksHeader read(ImageSource src, FullDiskEncryption fde) {
        byte[] b = new byte[LENGTH];
        src.read(fde.encryptionHeaderOffset(), b.length, Rule.LUKS_HEADER_LENGTH, "LUKS header").get(b);
        return decode(fde.encryptionHeaderOffset(), b);
    }

    /** True when the magic and version are LUKS1's: only then do the other fields mean anything. */
    public boolean isLuks1() {
        return Arrays.equals(magic, MAGIC) && version == 1;
    }

    /** Decodes the {@link #LENGTH} bytes of {@code b}, read at file offset {@code offset}. */
    public static LuksHeader decode(long offset, byte[] b) {
        List<KeySlot> slots = new ArrayList<>(SLOTS);
        for (int i = 0; i < SLOTS; i++) {
            slots.add(new KeySlot(i, u32(b, LuksField.SLOT_ACTIVE.offsetIn(i)), u32(b, LuksField.SLOT_ITERATIONS.offsetIn(i)),
                    bytes(b, LuksField.SLOT_SALT.offsetIn(i), LuksField.SLOT_SALT.width()),
                    u32(b, LuksField.SLOT_KEY_MATERIAL_OFFSET.offsetIn(i)), u32(b, LuksField.SLOT_STRIPES.offsetIn(i))));
        }
        return new LuksHeader(offset, bytes(b, LuksField.MAGIC), BigEndian.u16(b, OFF_VERSION),
                string(b, LuksField.CIPHER_NAME), string(b, LuksField.CIPHER_MODE), string(b, LuksField.HASH_SPEC),
                u32(b, OFF_PAYLOAD), u32(b, OFF_KEY_BYTES), bytes(b, LuksField.MK_DIGEST), bytes(b, LuksField.MK_DIGEST_SALT),
                u32(b, OFF_MK_ITERATIONS), string(b, LuksField.UUID), List.copyOf(slots));
    }

    /**
     * The {@link #LENGTH} bytes of this header (the inverse of {@link #decode}); strings are
     * NUL-padded, and must leave room for a terminating NUL.
     */
    public byte[] encode() {
        byte[] b = new byte[LENGTH];
        put(b, LuksField.MAGIC.offset(), magic, LuksField.MAGIC.width());
        BigEndian.put16(b, OFF_VERSION, version);
        put(b, LuksField.CIPHER_NAME, cipherName);
        put(b, LuksField.CIPHER_MODE, cipherMode);
        put(b, LuksField.HASH_SPEC, hashSpec);
        BigEndian.put32(b, OFF_PAYLOAD, payloadOffset);
        BigEndian.put32(b, OFF_KEY_BYTES, keyBytes);
        put(b, LuksField.MK_DIGEST.offset(), mkDigest, LuksField.MK_DIGEST.width());
        put(b, LuksField.MK_DIGEST_SALT.offset(), mkDigestSalt, LuksField.MK_DIGEST_SALT.width());
        BigEndian.put32(b, OFF_MK_ITERATIONS, mkDigestIterations);
        put(b, LuksField.UUID, uuid);
        for (KeySlot s : keySlots) {
            int i = s.index();
            BigEndian.put32(b, LuksField.SLOT_ACTIVE.offsetIn(i), s.state());
            BigEndian.put32(b, LuksField.SLOT_ITERATIONS.offsetIn(i), s.iterations());
            put(b, LuksField.SLOT_SALT.offsetIn(i), s.salt(), LuksField.SLOT_SALT.width());
            BigEndian.put32(b, LuksField.SLOT_KEY_MATERIAL_OFFSET.offsetIn(i), s.keyMaterialOffset());
            BigEndian.put32(b, LuksField.SLOT_STRIPES.offsetIn(i), s.stripes());
        }
        return b;
    }

    private static void put(byte[] b, int at, byte[] value, int width) {
        if (value.length > width) {
            throw new IllegalArgumentException(value.length + " bytes in a " + width + "-byte LUKS field");
        }
        System.arraycopy(value, 0, b, at, value.length);
    }

    private static void put(byte[] b, LuksField f, String value) {
        put(b, f.offset(), value.getBytes(StandardCharsets.ISO_8859_1), f.width() - 1);
    }

    private static long u32(byte[] b, int at) {
        return BigEndian.u32(b, at);
    }

    private static byte[] bytes(byte[] b, int at, int width) {
        return Arrays.copyOfRange(b, at, at + width);
    }

    private static byte[] bytes(byte[] b, LuksField f) {
        return bytes(b, f.offset(), f.width());
    }

    private static String string(byte[] b, LuksField f) {
        return string(b, f.offset(), f.width());
    }

    private static String string(byte[] b, int from, int max) {
        int end = from;
        while (end < from + max && b[end] != 0) {
            end++;
        }
        return new String(b, from, end - from, StandardCharsets.ISO_8859_1);
    }
}
