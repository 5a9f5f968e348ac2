package io.qcow2conformance.model.header;

import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Test-only encoder of a qcow2 header and extension area, written straight from the
 * spec's byte offsets (spec: Header; Header extensions) and independent of the model's
 * decoders, so that decoder tests compare against the spec rather than against themselves.
 * Defaults describe a small valid version 3 image with 512-byte clusters.
 */
public final class TestImage {
    public long magic = 0x514649fbL;
    public long version = 3;
    public long backingFileOffset;
    public long backingFileSize;
    public long clusterBits = 9;
    public long size = 1 << 20;
    public long cryptMethod;
    public long l1Size = 1;
    public long l1TableOffset = 3 * 512;
    public long refcountTableOffset = 512;
    public long refcountTableClusters = 1;
    public long nbSnapshots;
    public long snapshotsOffset;
    public long incompatibleFeatures;
    public long compatibleFeatures;
    public long autoclearFeatures;
    public long refcountOrder = 4;
    public long headerLength = 104;
    /** Bytes 104 up to header_length (compression_type first); zero-filled when shorter. */
    public byte[] additional = new byte[0];
    /** The encoded extension area, written right after the header. */
    public final ByteArrayOutputStream extensions = new ByteArrayOutputStream();
    /** Bytes written at backing_file_offset. */
    public byte[] backingName;
    /** Length of the file; 0 means four clusters. Longer files are sparse. */
    public long fileSize;

    /** Header extension (spec: Header extensions): type, length, data, zero padding to 8. */
    public TestImage ext(long type, byte[] data) {
        return rawExt(type, data.length, data);
    }

    /** An extension whose length field may disagree with its data (for overrun tests). */
    public TestImage rawExt(long type, long length, byte[] data) {
        byte[] prefix = new byte[8];
        put32(prefix, 0, type);
        put32(prefix, 4, length);
        extensions.writeBytes(prefix);
        extensions.writeBytes(data);
        extensions.writeBytes(new byte[(8 - data.length % 8) % 8]);
        return this;
    }

    /** The end-of-extensions marker: type 0, length 0. */
    public TestImage end() {
        return ext(0, new byte[0]);
    }

    public TestImage backing(long offset, String name) {
        backingFileOffset = offset;
        backingName = name.getBytes(StandardCharsets.UTF_8);
        backingFileSize = backingName.length;
        return this;
    }

    public TestImage compressionType(int type) {
        if (headerLength < 112) {
            headerLength = 112;
        }
        byte[] a = new byte[(int) (headerLength - 104)];
        System.arraycopy(additional, 0, a, 0, Math.min(additional.length, a.length));
        a[0] = (byte) type;
        additional = a;
        return this;
    }

    public long clusterSize() {
        return 1L << clusterBits;
    }

    /** Where extensions start: after the 72-byte version 2 header, else after header_length. */
    public long extensionsStart() {
        return version == 2 ? 72 : headerLength;
    }

    public byte[] headerBytes() {
        int len = (int) (version == 2 ? 72 : Math.max(104, headerLength));
        byte[] b = new byte[len];
        put32(b, 0, magic);
        put32(b, 4, version);
        put64(b, 8, backingFileOffset);
        put32(b, 16, backingFileSize);
        put32(b, 20, clusterBits);
        put64(b, 24, size);
        put32(b, 32, cryptMethod);
        put32(b, 36, l1Size);
        put64(b, 40, l1TableOffset);
        put64(b, 48, refcountTableOffset);
        put32(b, 56, refcountTableClusters);
        put32(b, 60, nbSnapshots);
        put64(b, 64, snapshotsOffset);
        if (version != 2) {
            put64(b, 72, incompatibleFeatures);
            put64(b, 80, compatibleFeatures);
            put64(b, 88, autoclearFeatures);
            put32(b, 96, refcountOrder);
            put32(b, 100, headerLength);
            System.arraycopy(additional, 0, b, 104, Math.min(additional.length, len - 104));
        }
        return b;
    }

    /** The first bytes of the file: header, extensions and backing name (no sparse tail). */
    public byte[] bytes() {
        byte[] h = headerBytes();
        byte[] e = extensions.toByteArray();
        long end = Math.max(h.length, extensionsStart() + e.length);
        if (backingName != null) {
            end = Math.max(end, backingFileOffset + backingName.length);
        }
        byte[] out = new byte[(int) end];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(e, 0, out, (int) extensionsStart(), e.length);
        if (backingName != null) {
            System.arraycopy(backingName, 0, out, (int) backingFileOffset, backingName.length);
        }
        return out;
    }

    public Path writeTo(Path file) {
        byte[] b = bytes();
        long length = fileSize > 0 ? fileSize : Math.max(4 * clusterSize(), b.length);
        return write(file, b, length);
    }

    /** Writes {@code b} and extends the file (sparsely) or cuts it to {@code length}. */
    public static Path write(Path file, byte[] b, long length) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(0);
            f.write(b, 0, (int) Math.min(b.length, length));
            f.setLength(length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Runs {@code f} on an {@link ImageSource} over a temporary copy of {@code bytes}. */
    public static <T> T withSource(byte[] bytes, long length, Function<ImageSource, T> f) {
        Path p = null;
        try {
            p = Files.createTempFile("qcow2-test", ".qcow2");
            write(p, bytes, length);
            try (ImageSource src = ImageSource.open(p)) {
                return f.apply(src);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (p != null) {
                p.toFile().delete();
            }
        }
    }

    public <T> T withSource(Function<ImageSource, T> f) {
        byte[] b = bytes();
        return withSource(b, fileSize > 0 ? fileSize : Math.max(4 * clusterSize(), b.length), f);
    }

    public Header decodeHeader() {
        return withSource(HeaderDecoder::decode);
    }

    /**
     * Asserts that the default image changed by {@code change} gives exactly one finding, of
     * {@code rule} at {@code offset}, from {@code check}; returns it.
     */
    public static Finding assertOnly(Rule rule, long offset, Consumer<TestImage> change,
                                     Function<TestImage, List<Finding>> check) {
        TestImage t = new TestImage();
        change.accept(t);
        List<Finding> f = check.apply(t);
        assertEquals(1, f.size(), () -> "expected only " + rule.id() + ", got " + f);
        assertEquals(rule, f.get(0).rule());
        assertEquals(offset, f.get(0).offset(), () -> f.get(0).toString());
        return f.get(0);
    }

    public static void put32(byte[] b, int off, long v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (24 - 8 * i));
        }
    }

    public static void put64(byte[] b, int off, long v) {
        put32(b, off, v >>> 32);
        put32(b, off + 4, v);
    }

    public static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }
}
