package io.qcow2conformance.model.write;

import io.qcow2conformance.model.extensions.HeaderExtension;
import io.qcow2conformance.model.extensions.HeaderExtension.FeatureName;
import io.qcow2conformance.model.io.BigEndian;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A header extension to write, in the order given (spec: Header extensions). Known types
 * have typed records; anything else, including bitmaps and full disk encryption extensions
 * for now, is written as opaque bytes with {@link #raw}.
 */
public sealed interface Extension {
    long type();

    /** The extension's data, before padding to a multiple of 8 bytes. */
    byte[] data();

    static Extension backingFormat(String name) {
        return new Raw(HeaderExtension.TYPE_BACKING_FORMAT, name.getBytes(StandardCharsets.UTF_8));
    }

    /** spec: Header extensions, external data file name (a string extension). */
    static Extension externalDataFile(String name) {
        return new Raw(HeaderExtension.TYPE_EXTERNAL_DATA_FILE, name.getBytes(StandardCharsets.UTF_8));
    }

    static Extension raw(long type, byte[] data) {
        return new Raw(type, data);
    }

    static Extension featureNameTable(List<FeatureName> entries) {
        return new FeatureNameTable(entries);
    }

    /** Any extension as type and data bytes. */
    record Raw(long type, byte[] data) implements Extension {
        public Raw {
            if (type < 0 || type > 0xffffffffL) {
                throw new IllegalArgumentException("extension type 0x" + Long.toHexString(type) + " is not 32 bits");
            }
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }
    }

    /** Spec: Feature name table. 48 bytes per entry: type, bit number, name padded with zeros. */
    record FeatureNameTable(List<FeatureName> entries) implements Extension {
        public static final int ENTRY_SIZE = 48;
        public static final int NAME_SIZE = 46;

        public FeatureNameTable {
            entries = List.copyOf(entries);
        }

        public long type() {
            return HeaderExtension.TYPE_FEATURE_NAME_TABLE;
        }

        public byte[] data() {
            byte[] d = new byte[entries.size() * ENTRY_SIZE];
            for (int i = 0; i < entries.size(); i++) {
                FeatureName f = entries.get(i);
                byte[] name = f.name().getBytes(StandardCharsets.UTF_8);
                if (name.length > NAME_SIZE) {
                    throw new IllegalArgumentException("feature name '" + f.name() + "' is longer than 46 bytes");
                }
                d[i * ENTRY_SIZE] = (byte) f.type();
                d[i * ENTRY_SIZE + 1] = (byte) f.bit();
                System.arraycopy(name, 0, d, i * ENTRY_SIZE + 2, name.length);
            }
            return d;
        }
    }

    /** The on-disk bytes: type, length, data, zero padding to a multiple of 8. */
    static byte[] encode(Extension e) {
        byte[] data = e.data();
        byte[] out = new byte[8 + ((data.length + 7) & ~7)];
        BigEndian.put32(out, 0, e.type());
        BigEndian.put32(out, 4, data.length);
        System.arraycopy(data, 0, out, 8, data.length);
        return out;
    }
}
