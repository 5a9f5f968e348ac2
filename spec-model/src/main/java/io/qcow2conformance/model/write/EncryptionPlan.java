package io.qcow2conformance.model.write;

import io.qcow2conformance.model.crypto.AfSplitter;
import io.qcow2conformance.model.crypto.CipherSpec;
import io.qcow2conformance.model.crypto.ImageCipher;
import io.qcow2conformance.model.crypto.LuksField;
import io.qcow2conformance.model.crypto.LuksHash;
import io.qcow2conformance.model.crypto.LuksHeader;
import io.qcow2conformance.model.crypto.Pbkdf2;
import io.qcow2conformance.model.crypto.SectorCipher;
import io.qcow2conformance.model.extensions.HeaderExtension;
import io.qcow2conformance.model.io.BigEndian;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@link Qcow2Writer} needs to write an encrypted image (spec: Data encryption, Full disk
 * encryption header pointer), or nothing for an unencrypted one. Deterministic: salts, master
 * key, UUID and the anti-forensic filler are derived from fixed strings, never from a random
 * source or the clock.
 *
 * <p>LUKS images get what {@code qemu-img create -o encrypt.format=luks} writes: a LUKS1 header
 * for the description's cipher, mode and hash (by default aes-256 xts-plain64 with sha256, as
 * qemu-img's defaults), key slot 0
 * active, every slot with 4000 stripes and its key material at a 4 KiB-aligned offset (for
 * 64-byte keys slot i at sector 8 + i * 504), the
 * payload offset just after slot 7's material, and that whole area in its own host clusters
 * (placed after the L1 table, as QEMU does), pointed to by the extension. Only the PBKDF2
 * iteration counts are small ({@link #ITERATIONS}), so that the images open fast and stay far
 * inside the kit's work limit (rule encryption.luks.work.limit). Data clusters are encrypted
 * with IVs from their host sector; AES images with IVs from the guest sector and the
 * passphrase as key. Compressed clusters are stored unencrypted, as QEMU 7.2 stores them
 * (errata: compressed-clusters-in-encrypted-images).
 */
final class EncryptionPlan {
    /** The hash of the deterministic expander ({@link #derive}), whatever hash the image uses. */
    private static final LuksHash EXPANDER = LuksHash.SHA256;
    static final int STRIPES = 4000;
    /** PBKDF2 iterations of key slot 0 and of the master key digest (cryptsetup's minimum is 1000). */
    static final int ITERATIONS = 1000;
    /** Key material is aligned to 4 KiB, in 512-byte sectors (as cryptsetup and QEMU align it). */
    private static final int ALIGN_SECTORS = 8;
    static final String UUID = "0c0f2c6e-9a5b-4d0e-8f51-6c756b733031";

    private final ImageCipher cipher;
    private final LuksHeader luks;
    private final byte[] keyMaterial;

    private EncryptionPlan(ImageCipher cipher, LuksHeader luks, byte[] keyMaterial) {
        this.cipher = cipher;
        this.luks = luks;
        this.keyMaterial = keyMaterial;
    }

    static EncryptionPlan of(ImageDescription d) {
        Encryption e = d.encryption();
        if (e == null) {
            return new EncryptionPlan(null, null, null);
        }
        if (e.method() == Encryption.Method.AES) {
            return new EncryptionPlan(ImageCipher.forWriting(e.method().cryptMethod(), null, e.passphraseBytes()), null, null);
        }
        CipherSpec spec = CipherSpec.parse(e.cipher().luksName(), e.cipherMode()).orElseThrow();
        LuksHash hash = e.hash();
        int keyBytes = e.keyBytes();
        byte[] masterKey = derive("master key", keyBytes);
        byte[] slotSalt = derive("key slot 0 salt", 32);
        byte[] digestSalt = derive("master key digest salt", 32);
        long materialSectors = ((long) keyBytes * STRIPES + LuksHeader.SECTOR - 1) / LuksHeader.SECTOR;
        long slotSectors = (materialSectors + ALIGN_SECTORS - 1) / ALIGN_SECTORS * ALIGN_SECTORS;
        List<LuksHeader.KeySlot> slots = new ArrayList<>();
        for (int i = 0; i < LuksHeader.SLOTS; i++) {
            boolean active = i == 0;
            slots.add(new LuksHeader.KeySlot(i, active ? LuksHeader.KeySlot.ACTIVE : LuksHeader.KeySlot.DISABLED,
                    active ? ITERATIONS : 0, active ? slotSalt : new byte[32], ALIGN_SECTORS + i * slotSectors, STRIPES));
        }
        long payload = ALIGN_SECTORS + LuksHeader.SLOTS * slotSectors;
        byte[] digest = Pbkdf2.derive(hash, masterKey, digestSalt, ITERATIONS, LuksHeader.DIGEST_LENGTH);
        LuksHeader header = new LuksHeader(0, LuksHeader.MAGIC, 1, e.cipher().luksName(), e.cipherMode(), hash.luksName(),
                payload, keyBytes, digest, digestSalt, ITERATIONS, UUID, slots);
        byte[] material = Arrays.copyOf(AfSplitter.split(hash, masterKey, STRIPES,
                derive("anti-forensic filler", keyBytes * (STRIPES - 1))), (int) (materialSectors * LuksHeader.SECTOR));
        byte[] slotKey = Pbkdf2.derive(hash, e.passphraseBytes(), slotSalt, ITERATIONS, keyBytes);
        new SectorCipher(spec, slotKey).encrypt(material, 0, material.length, 0);
        return new EncryptionPlan(ImageCipher.forWriting(e.method().cryptMethod(), spec, masterKey), header, material);
    }

    /** Fixed bytes for one purpose: PBKDF2 of the purpose's name with one iteration (a deterministic expander). */
    private static byte[] derive(String purpose, int length) {
        return Pbkdf2.derive(EXPANDER, ("qcow2-conformance LUKS " + purpose).getBytes(StandardCharsets.US_ASCII),
                "qcow2-conformance".getBytes(StandardCharsets.US_ASCII), 1, length);
    }

    /** The full disk encryption header pointer to write (its data is filled in by {@link #place}). */
    Optional<Extension> extension() {
        return luks == null ? Optional.empty()
                : Optional.of(Extension.raw(HeaderExtension.TYPE_FULL_DISK_ENCRYPTION, new byte[16]));
    }

    /** Length of the LUKS area: the header and every key slot's material (the LUKS payload offset). */
    private long areaLength() {
        return luks.payloadOffset() * LuksHeader.SECTOR;
    }

    /** Host clusters the encryption header area takes. */
    long clusters(long cs) {
        return luks == null ? 0 : (areaLength() + cs - 1) / cs;
    }

    /**
     * Writes the LUKS area at {@code areaOffset} and fills the pointer extension whose data
     * starts at byte {@code extensionData} of the first cluster {@code first}.
     */
    void place(byte[] first, long extensionData, long areaOffset, Map<Long, byte[]> writes, RegionSink regions) {
        if (luks == null) {
            return;
        }
        BigEndian.put64(first, (int) extensionData, areaOffset);
        BigEndian.put64(first, (int) extensionData + 8, areaLength());
        regions.region(Layout.LUKS_AREA, areaOffset, areaLength());
        regions.region(Layout.LUKS_HEADER, areaOffset, LuksHeader.LENGTH);
        for (LuksField f : LuksField.headerFields()) {
            regions.region(Layout.luksField(f.luksName()), areaOffset + f.offset(), f.width());
        }
        for (int i = 0; i < LuksHeader.SLOTS; i++) {
            for (LuksField f : LuksField.keySlotFields()) {
                regions.region(Layout.luksKeySlotField(i, f.luksName()), areaOffset + f.offsetIn(i), f.width());
            }
        }
        writes.put(areaOffset, luks.encode());
        long material = areaOffset + luks.keySlots().get(0).keyMaterialOffset() * LuksHeader.SECTOR;
        regions.region(Layout.luksKeyMaterial(0), material, keyMaterial.length);
        writes.put(material, keyMaterial.clone());
    }

    /** Encrypts one guest data cluster in place, to be stored at {@code hostOffset}. */
    void encrypt(byte[] cluster, long hostOffset, long guestOffset) {
        if (cipher != null) {
            cipher.encrypt(cluster, 0, cluster.length, hostOffset, guestOffset);
        }
    }
}
