package io.qcow2conformance.model.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The passphrase for encrypted images, as raw bytes (QEMU's secret objects hand over bytes
 * too), or {@link #NONE}. It also remembers the master keys it has unlocked, keyed by the
 * LUKS header, so that readers opened on the same image in parallel derive each key once.
 */
public final class Secret {
    public static final Secret NONE = new Secret(null);

    private final byte[] passphrase;
    private final Map<ByteBuffer, byte[]> unlocked = new HashMap<>();

    private Secret(byte[] passphrase) {
        this.passphrase = passphrase;
    }

    public static Secret of(byte[] passphrase) {
        return new Secret(passphrase.clone());
    }

    /** The passphrase as UTF-8 bytes. */
    public static Secret ofText(String passphrase) {
        return new Secret(passphrase.getBytes(StandardCharsets.UTF_8));
    }

    public boolean present() {
        return passphrase != null;
    }

    byte[] bytes() {
        return passphrase.clone();
    }

    synchronized byte[] unlocked(byte[] luksHeader) {
        byte[] k = unlocked.get(ByteBuffer.wrap(luksHeader));
        return k == null ? null : k.clone();
    }

    synchronized void remember(byte[] luksHeader, byte[] masterKey) {
        unlocked.put(ByteBuffer.wrap(luksHeader.clone()), masterKey.clone());
    }

    @Override
    public String toString() {
        return present() ? "Secret[given]" : "Secret[none]"; // never the passphrase itself
    }
}
