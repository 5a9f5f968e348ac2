package io.qcow2conformance.model.crypto;

import io.qcow2conformance.model.crypto.LuksHeader.KeySlot;
import io.qcow2conformance.model.extensions.HeaderExtension.FullDiskEncryption;
import io.qcow2conformance.model.extensions.HeaderExtensions;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The LUKS header rules (spec: Full disk encryption header pointer, and the LUKS1 on-disk
 * format it refers to). The pointer extension's own rules (presence, length, alignment,
 * inside the file) are {@code ExtensionRules}'; these look inside the area it points to.
 */
public final class LuksRules {
    private LuksRules() {
    }

    /**
     * Adds the findings of the LUKS header of an image with crypt_method 2 whose encryption
     * header pointer is usable (16 bytes, area inside the file); nothing otherwise.
     */
    public static void check(ImageSource src, Header h, HeaderExtensions ext, List<Finding> out) {
        area(src, h, ext).ifPresent(fde -> {
            if (fde.encryptionHeaderLength() < LuksHeader.LENGTH) {
                out.add(Finding.of(Rule.LUKS_HEADER_LENGTH, fde.offset() + 12, fde.encryptionHeaderLength()));
                return;
            }
            check(LuksHeader.read(src, fde), fde.encryptionHeaderLength(), out);
        });
    }

    /** The encryption header pointer of a LUKS image, when it points inside the file. */
    static Optional<FullDiskEncryption> area(ImageSource src, Header h, HeaderExtensions ext) {
        if (h.cryptMethod() != 2) {
            return Optional.empty();
        }
        return ext.last(FullDiskEncryption.class).filter(f -> f.length() == 16
                && f.encryptionHeaderOffset() >= 0 && f.encryptionHeaderLength() >= 0
                && f.encryptionHeaderOffset() <= src.size()
                && f.encryptionHeaderLength() <= src.size() - f.encryptionHeaderOffset());
    }

    /** Adds the findings of a decoded LUKS header whose area is {@code areaLength} bytes long. */
    public static void check(LuksHeader l, long areaLength, List<Finding> out) {
        long at = l.offset();
        if (!Arrays.equals(l.magic(), LuksHeader.MAGIC)) {
            out.add(Finding.of(Rule.LUKS_MAGIC, at, HexFormat.of().formatHex(l.magic())));
            return; // not a LUKS header: nothing else in it means anything
        }
        if (l.version() != 1) {
            out.add(Finding.of(Rule.LUKS_VERSION, at + LuksHeader.OFF_VERSION, l.version()));
            return;
        }
        Optional<CipherSpec> spec = CipherSpec.parse(l.cipherName(), l.cipherMode());
        if (spec.isEmpty()) {
            out.add(Finding.of(Rule.LUKS_CIPHER_KNOWN, at + LuksHeader.OFF_CIPHER_NAME, l.cipherName(), l.cipherMode()));
        } else if (!spec.get().validKeyLength(l.keyBytes())) {
            out.add(Finding.of(Rule.LUKS_KEY_BYTES, at + LuksHeader.OFF_KEY_BYTES, l.keyBytes(), l.cipherName(), l.cipherMode()));
        }
        if (LuksHash.byName(l.hashSpec()).isEmpty()) {
            out.add(Finding.of(Rule.LUKS_HASH_KNOWN, at + LuksField.HASH_SPEC.offset(), l.hashSpec()));
        }
        if (l.mkDigestIterations() == 0) {
            out.add(Finding.of(Rule.LUKS_MK_ITERATIONS, at + LuksHeader.OFF_MK_ITERATIONS));
        }
        if (l.payloadOffset() == 0) {
            out.add(Finding.of(Rule.LUKS_PAYLOAD_OFFSET, at + LuksHeader.OFF_PAYLOAD));
        }
        keySlots(l, areaLength, out);
    }

    private static void keySlots(LuksHeader l, long areaLength, List<Finding> out) {
        long at = l.offset();
        int materialField = LuksField.SLOT_KEY_MATERIAL_OFFSET.offset();
        boolean anyActive = false;
        for (KeySlot s : l.keySlots()) {
            long slotAt = at + s.fieldOffset();
            if (s.state() != KeySlot.ACTIVE && s.state() != KeySlot.DISABLED) {
                out.add(Finding.of(Rule.LUKS_KEY_SLOT_STATE, slotAt, s.index(), s.state()));
            }
            if (!s.active()) {
                continue;
            }
            anyActive = true;
            if (s.iterations() == 0 || s.stripes() == 0) {
                out.add(Finding.of(Rule.LUKS_KEY_SLOT_PARAMETERS, slotAt + LuksField.SLOT_ITERATIONS.offset(), s.index(),
                        s.iterations(), s.stripes()));
            }
            long start = s.keyMaterialOffset() * LuksHeader.SECTOR;
            long end = start + s.materialLength(l.keyBytes());
            if (start < LuksHeader.LENGTH) {
                out.add(Finding.of(Rule.LUKS_KEY_MATERIAL_OFFSET, slotAt + materialField, s.index(), s.keyMaterialOffset(),
                        "overlaps the LUKS header"));
            } else if (end > areaLength) {
                out.add(Finding.of(Rule.LUKS_KEY_MATERIAL_IN_AREA, slotAt + materialField, s.index(), end, areaLength));
            }
            for (KeySlot o : l.keySlots()) {
                long oStart = o.keyMaterialOffset() * LuksHeader.SECTOR;
                if (o.index() < s.index() && o.active() && start < oStart + o.materialLength(l.keyBytes()) && oStart < end) {
                    out.add(Finding.of(Rule.LUKS_KEY_MATERIAL_OFFSET, slotAt + materialField, s.index(), s.keyMaterialOffset(),
                            "overlaps the key material of key slot " + o.index()));
                }
            }
        }
        if (!anyActive) {
            out.add(Finding.of(Rule.LUKS_ACTIVE_SLOT, at + LuksHeader.OFF_SLOTS));
        }
    }
}
