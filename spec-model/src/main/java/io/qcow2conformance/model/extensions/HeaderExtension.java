package io.qcow2conformance.model.extensions;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A decoded header extension (spec: Header extensions). Every record carries where it
 * lies in the file ({@code offset} of its 8-byte type/length prefix) and its data length.
 */
public sealed interface HeaderExtension {
    long TYPE_END = 0x00000000L;
    long TYPE_BACKING_FORMAT = 0xe2792acaL;
    long TYPE_FEATURE_NAME_TABLE = 0x6803f857L;
    long TYPE_BITMAPS = 0x23852875L;
    long TYPE_FULL_DISK_ENCRYPTION = 0x0537be77L;
    long TYPE_EXTERNAL_DATA_FILE = 0x44415441L;

    long type();

    long offset();

    int length();

    /** A short name for messages and JSON ("backing-format", "unknown"...). */
    String kind();

    static String kindOf(long type) {
        return switch ((int) type) {
            case (int) TYPE_BACKING_FORMAT -> "backing-format";
            case (int) TYPE_FEATURE_NAME_TABLE -> "feature-name-table";
            case (int) TYPE_BITMAPS -> "bitmaps";
            case (int) TYPE_FULL_DISK_ENCRYPTION -> "full-disk-encryption";
            case (int) TYPE_EXTERNAL_DATA_FILE -> "external-data-file";
            default -> "unknown";
        };
    }

    /** Spec: String header extensions; Header extensions (0xe2792aca). */
    record BackingFormat(long offset, int length, String name) implements HeaderExtension {
        public long type() {
            return TYPE_BACKING_FORMAT;
        }

        public String kind() {
            return "backing-format";
        }
    }

    /** Spec: Header extensions (0x44415441), String header extensions. */
    record ExternalDataFile(long offset, int length, String name) implements HeaderExtension {
        public long type() {
            return TYPE_EXTERNAL_DATA_FILE;
        }

        public String kind() {
            return "external-data-file";
        }
    }

    /** One entry of the feature name table (spec: Feature name table). */
    record FeatureName(int type, int bit, String name) {
        public static final int INCOMPATIBLE = 0;
        public static final int COMPATIBLE = 1;
        public static final int AUTOCLEAR = 2;
    }

    /** Spec: Feature name table. */
    record FeatureNameTable(long offset, int length, List<FeatureName> entries) implements HeaderExtension {
        public FeatureNameTable {
            entries = List.copyOf(entries);
        }

        public long type() {
            return TYPE_FEATURE_NAME_TABLE;
        }

        public String kind() {
            return "feature-name-table";
        }
    }

    /** Spec: Bitmaps extension. Fields are meaningful only when {@code length == 24}. */
    record Bitmaps(long offset, int length, long nbBitmaps, long reserved, long bitmapDirectorySize,
                   long bitmapDirectoryOffset) implements HeaderExtension {
        public long type() {
            return TYPE_BITMAPS;
        }

        public String kind() {
            return "bitmaps";
        }
    }

    /** Spec: Full disk encryption header pointer. Fields are meaningful only when {@code length == 16}. */
    record FullDiskEncryption(long offset, int length, long encryptionHeaderOffset, long encryptionHeaderLength)
            implements HeaderExtension {
        public long type() {
            return TYPE_FULL_DISK_ENCRYPTION;
        }

        public String kind() {
            return "full-disk-encryption";
        }
    }

    /** Any other type: kept as opaque bytes (spec: unknown extensions can be safely ignored). */
    record Unknown(long type, long offset, int length, byte[] data) implements HeaderExtension {
        public Unknown {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        public String kind() {
            return "unknown";
        }
    }

    static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
