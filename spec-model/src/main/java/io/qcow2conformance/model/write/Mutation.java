package io.qcow2conformance.model.write;

import io.qcow2conformance.model.header.HeaderField;
import io.qcow2conformance.model.rules.Rule;
import io.qcow2conformance.model.write.Layout.RefcountSlot;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/**
 * One fault applied to a written image, at offsets taken from its {@link Layout} (never
 * hard-coded). Each mutation names the rule it means to break, for the corpus manifest.
 * Structures are named as in {@link Layout}.
 */
public sealed interface Mutation {

    /** The rule this fault breaks. */
    Rule rule();

    /** A one-line description for the manifest ("l2_entry[3]: set bits 0x2"). */
    String description();

    /** Applies the fault to {@code file}, which {@code layout} describes. */
    void apply(Path file, Layout layout) throws IOException;

    /** The rule's stable ID, for the manifest. */
    default String ruleId() {
        return rule().id();
    }

    /** Sets a header field to {@code value}. */
    static Mutation setHeaderField(Rule rule, HeaderField field, long value) {
        return new FieldEdit(rule, field.regionName(), 0, field.width(), 0, value);
    }

    /** Replaces the 8-byte entry (L1, L2, refcount table) called {@code structure}. */
    static Mutation setEntry(Rule rule, String structure, long value) {
        return new FieldEdit(rule, structure, 0, 8, 0, value);
    }

    /** ORs {@code bits} into the 8-byte entry called {@code structure}. */
    static Mutation setEntryBits(Rule rule, String structure, long bits) {
        return new FieldEdit(rule, structure, 0, 8, -1L, bits);
    }

    /** Clears {@code bits} in the 8-byte entry called {@code structure}. */
    static Mutation clearEntryBits(Rule rule, String structure, long bits) {
        return new FieldEdit(rule, structure, 0, 8, ~bits, 0);
    }

    /** ORs {@code bits} into the L2 entry of guest cluster {@code guestCluster}. */
    static Mutation setL2EntryBits(Rule rule, long guestCluster, long bits) {
        return setEntryBits(rule, Layout.l2Entry(guestCluster), bits);
    }

    /** Sets the stored refcount of the host cluster holding the start of {@code structure}. */
    static Mutation setRefcount(Rule rule, String structure, long value) {
        return new RefcountEdit(rule, structure, value);
    }

    /** Cuts the file {@code relOffset} bytes into {@code structure} (0: at its start). */
    static Mutation truncateAt(Rule rule, String structure, long relOffset) {
        return new Truncate(rule, structure, relOffset);
    }

    /** Overwrites bytes {@code relOffset} into {@code structure}. */
    static Mutation writeBytes(Rule rule, String structure, long relOffset, byte[] bytes) {
        return new WriteBytes(rule, structure, relOffset, bytes);
    }

    /** A big-endian field of {@code width} bytes becomes {@code (old & andMask) | orValue}. */
    record FieldEdit(Rule rule, String structure, long relOffset, int width, long andMask, long orValue)
            implements Mutation {
        public String description() {
            if (andMask == 0) {
                return structure + ": set to 0x" + Long.toHexString(orValue);
            }
            return andMask == -1L ? structure + ": set bits 0x" + Long.toHexString(orValue)
                    : structure + ": clear bits 0x" + Long.toHexString(~andMask);
        }

        public void apply(Path file, Layout layout) throws IOException {
            long at = layout.region(structure).offset() + relOffset;
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                byte[] b = new byte[8];
                f.seek(at);
                f.readFully(b, 0, width);
                long old = 0;
                for (int i = 0; i < width; i++) {
                    old = (old << 8) | (b[i] & 0xff);
                }
                Qcow2Writer.putField(b, 0, width, (old & andMask) | orValue);
                f.seek(at);
                f.write(b, 0, width);
            }
        }
    }

    /** Rewrites one refcount entry, whatever its width (spec: Refcount block entry). */
    record RefcountEdit(Rule rule, String structure, long value) implements Mutation {
        public String description() {
            return "refcount of the cluster holding " + structure + ": set to " + value;
        }

        public void apply(Path file, Layout layout) throws IOException {
            RefcountSlot slot = layout.refcountSlot(layout.hostClusterOf(structure));
            int n = Math.max(1, slot.bits() / 8);
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                byte[] b = new byte[n];
                f.seek(slot.byteOffset());
                f.readFully(b);
                Qcow2Writer.putRefcount(b, slot.bitShift(), slot.bits(), value);
                f.seek(slot.byteOffset());
                f.write(b);
            }
        }
    }

    record Truncate(Rule rule, String structure, long relOffset) implements Mutation {
        public String description() {
            return "file truncated " + relOffset + " bytes into " + structure;
        }

        public void apply(Path file, Layout layout) throws IOException {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.setLength(layout.region(structure).offset() + relOffset);
            }
        }
    }

    record WriteBytes(Rule rule, String structure, long relOffset, byte[] bytes) implements Mutation {
        public WriteBytes {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        public String description() {
            return structure + ": " + bytes.length + " bytes overwritten at +" + relOffset;
        }

        public void apply(Path file, Layout layout) throws IOException {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.seek(layout.region(structure).offset() + relOffset);
                f.write(bytes);
            }
        }
    }
}
