package io.qcow2conformance.model.crypto;

import io.qcow2conformance.model.crypto.LuksHeader.KeySlot;
import io.qcow2conformance.model.extensions.HeaderExtension.FullDiskEncryption;
import io.qcow2conformance.model.extensions.HeaderExtensions;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Qcow2Image;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;
import io.qcow2conformance.model.rules.Severity;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decrypts the guest data clusters of an encrypted image (spec: Data encryption):
 * <ul>
 * <li>crypt_method 1 (AES): AES-CBC with plain64 IVs from the <em>guest</em> sector. The key
 * is the passphrase up to its first NUL byte, truncated or zero-padded to 16 bytes: QEMU
 * (crypto/block-qcow.c) uses AES-128, although the spec says 256-bit keys.</li>
 * <li>crypt_method 2 (LUKS): the cipher, mode and IV generator of the LUKS header, IVs from
 * the <em>host</em> sector (the offset in the image file), with the master key unlocked from a
 * key slot by the passphrase.</li>
 * </ul>
 * Sectors are 512 bytes. Not thread-safe: one per reader.
 */
public final class ImageCipher {
    static final long MAX_ITERATIONS = 1L << 26;
    static final long MAX_KEY_MATERIAL = 16L << 20;
    private static final int LEGACY_KEY_BYTES = 16;

    private final SectorCipher cipher;
    private final boolean hostSectors;

    private ImageCipher(SectorCipher cipher, boolean hostSectors) {
        this.cipher = cipher;
        this.hostSectors = hostSectors;
    }

    /** The cipher of {@code image}, or null when it is not encrypted; fails when it cannot be unlocked. */
    public static ImageCipher open(Qcow2Image image, Secret secret) {
        return open(image.source(), image.header(), image.extensions(), secret);
    }

    /** As {@link #open(Qcow2Image, Secret)}, for callers that decode the header themselves (the checker). */
    public static ImageCipher open(ImageSource src, Header h, HeaderExtensions extensions, Secret secret) {
        if (h.cryptMethod() == 0) {
            return null;
        }
        String what = h.cryptMethod() == 1 ? "AES, crypt_method 1" : "LUKS, crypt_method 2";
        if (!secret.present()) {
            throw new ImageException(Rule.ENCRYPTION_PASSPHRASE_REQUIRED, "crypt_method", 32,
                    Rule.ENCRYPTION_PASSPHRASE_REQUIRED.format(what));
        }
        if (h.cryptMethod() == 1) {
            return new ImageCipher(new SectorCipher(CipherSpec.AES_CBC_PLAIN64, legacyKey(secret.bytes())), false);
        }
        return luks(src, h, extensions, secret);
    }

    /**
     * The cipher an image writer encrypts with: crypt_method 1 (AES, {@code key} the passphrase,
     * made into a key as a reader does) or 2 (LUKS, {@code key} the master key for {@code spec}).
     */
    public static ImageCipher forWriting(int cryptMethod, CipherSpec spec, byte[] key) {
        if (cryptMethod == 1) {
            return new ImageCipher(new SectorCipher(CipherSpec.AES_CBC_PLAIN64, legacyKey(key)), false);
        }
        if (cryptMethod != 2) {
            throw new IllegalArgumentException("crypt_method " + cryptMethod);
        }
        return new ImageCipher(new SectorCipher(spec, key), true);
    }

    /** crypt_method 1: the passphrase as a C string, cut or zero-padded to an AES-128 key. */
    static byte[] legacyKey(byte[] passphrase) {
        int len = 0;
        while (len < passphrase.length && passphrase[len] != 0) {
            len++;
        }
        return Arrays.copyOf(Arrays.copyOf(passphrase, Math.min(len, LEGACY_KEY_BYTES)), LEGACY_KEY_BYTES);
    }

    private static ImageCipher luks(ImageSource src, Header h, HeaderExtensions extensions, Secret secret) {
        FullDiskEncryption fde = LuksRules.area(src, h, extensions).orElseThrow(() ->
                new ImageException(Rule.EXTENSIONS_FDE_PRESENCE, "full disk encryption header pointer", 32,
                        "crypt_method is 2 and no usable encryption header pointer (16 bytes, inside the file) is present"));
        if (fde.encryptionHeaderLength() < LuksHeader.LENGTH) {
            throw new ImageException(Rule.LUKS_HEADER_LENGTH, "length of encryption header", fde.offset() + 12,
                    Rule.LUKS_HEADER_LENGTH.format(fde.encryptionHeaderLength()));
        }
        LuksHeader l = LuksHeader.read(src, fde);
        List<Finding> faults = new ArrayList<>();
        LuksRules.check(l, fde.encryptionHeaderLength(), faults);
        for (Finding f : faults) {
            if (f.severity() != Severity.WARNING) {
                throw new ImageException(f.rule(), "LUKS header", f.offset(), f.message());
            }
        }
        CipherSpec spec = CipherSpec.parse(l.cipherName(), l.cipherMode()).orElseThrow();
        byte[] raw = new byte[LuksHeader.LENGTH];
        src.read(l.offset(), raw.length, Rule.LUKS_HEADER_LENGTH, "LUKS header").get(raw);
        byte[] key = secret.unlocked(raw);
        if (key == null) {
            key = unlock(src, l, spec, secret.bytes());
            secret.remember(raw, key);
        }
        return new ImageCipher(new SectorCipher(spec, key), true);
    }

    /** Tries the active key slots in order; the master key of the first that the passphrase opens. */
    static byte[] unlock(ImageSource src, LuksHeader l, CipherSpec spec, byte[] passphrase) {
        LuksHash hash = LuksHash.byName(l.hashSpec()).orElseThrow();
        int keyBytes = (int) l.keyBytes();
        int active = 0;
        for (KeySlot s : l.keySlots()) {
            if (!s.active()) {
                continue;
            }
            active++;
            long length = s.materialLength(keyBytes);
            if (s.iterations() > MAX_ITERATIONS || l.mkDigestIterations() > MAX_ITERATIONS || length > MAX_KEY_MATERIAL) {
                throw new ImageException(Rule.LUKS_WORK_LIMIT, "key slot", l.offset() + s.fieldOffset(),
                        Rule.LUKS_WORK_LIMIT.format(s.index(), Math.max(s.iterations(), l.mkDigestIterations()), length));
            }
            byte[] slotKey = Pbkdf2.derive(hash, passphrase, s.salt(), s.iterations(), keyBytes);
            byte[] material = new byte[(int) length];
            // Key material offsets count from the start of the LUKS area (spec: Full disk encryption header pointer).
            ByteBuffer b = src.read(l.offset() + s.keyMaterialOffset() * LuksHeader.SECTOR, material.length,
                    Rule.LUKS_KEY_MATERIAL_IN_AREA, "key material of key slot " + s.index());
            b.get(material);
            new SectorCipher(spec, slotKey).decrypt(material, 0, material.length, 0);
            byte[] mk = AfSplitter.merge(hash, material, keyBytes, (int) s.stripes());
            byte[] digest = Pbkdf2.derive(hash, mk, l.mkDigestSalt(), l.mkDigestIterations(), LuksHeader.DIGEST_LENGTH);
            if (MessageDigest.isEqual(digest, l.mkDigest())) {
                return mk;
            }
        }
        throw new ImageException(Rule.ENCRYPTION_PASSPHRASE_OPENS_KEY, "passphrase", l.offset() + LuksHeader.OFF_SLOTS,
                Rule.ENCRYPTION_PASSPHRASE_OPENS_KEY.format(active + " active"));
    }

    /**
     * Decrypts {@code len} bytes (whole sectors) of {@code buf} in place: data read from host
     * offset {@code hostOffset}, which the guest sees at {@code guestOffset}.
     */
    public void decrypt(byte[] buf, int off, int len, long hostOffset, long guestOffset) {
        cipher.decrypt(buf, off, len, sector(hostOffset, guestOffset));
    }

    /** The inverse of {@link #decrypt}: encrypts guest data to be stored at {@code hostOffset}. */
    public void encrypt(byte[] buf, int off, int len, long hostOffset, long guestOffset) {
        cipher.encrypt(buf, off, len, sector(hostOffset, guestOffset));
    }

    /** The sector number that feeds the IV: of the host offset for LUKS, of the guest offset for AES. */
    private long sector(long hostOffset, long guestOffset) {
        return (hostSectors ? hostOffset : guestOffset) / SectorCipher.SECTOR_SIZE;
    }
}
