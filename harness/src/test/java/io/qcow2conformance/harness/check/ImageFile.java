package io.qcow2conformance.harness.check;

import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.mapping.L1Entry;
import io.qcow2conformance.model.mapping.L2Entry;
import io.qcow2conformance.model.mapping.MappingDecoder;
import io.qcow2conformance.model.refcount.RefcountDecoder;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Locates structures in an image made by QEMU, from the image's own header, L1 and
 * refcount table (never from layout guesses), and pokes bytes into it.
 */
public final class ImageFile {
    public final Path path;
    public final Header header;
    final long[] l1;
    final long[] refcountTable;

    public ImageFile(Path path) {
        this.path = path;
        try (ImageSource src = ImageSource.open(path)) {
            header = HeaderDecoder.decode(src);
            l1 = MappingDecoder.readL1(src, header.l1TableOffset(), header.l1Size(), Limits.DEFAULT, "active");
            refcountTable = RefcountDecoder.readTable(src, header, Limits.DEFAULT);
        }
    }

    public long clusterSize() {
        return header.clusterSize();
    }

    /** File offset of L1 entry {@code i}. */
    long l1EntryOffset(int i) {
        return header.l1TableOffset() + 8L * i;
    }

    /** File offset of the L2 entry for guest cluster {@code guest} (its L2 table must exist). */
    public long l2EntryOffset(long guest) {
        long perTable = header.l2Entries();
        long l2 = L1Entry.l2Offset(l1[(int) (guest / perTable)]);
        if (l2 == 0) {
            throw new AssertionError("guest cluster " + guest + " has no L2 table");
        }
        return l2 + (guest % perTable) * header.l2EntrySize();
    }

    public long l2Entry(long guest) {
        return readLong(l2EntryOffset(guest));
    }

    /** Host offset of the standard cluster that guest cluster {@code guest} maps to. */
    long dataOffset(long guest) {
        long off = L2Entry.hostOffset(l2Entry(guest));
        if (off == 0) {
            throw new AssertionError("guest cluster " + guest + " is not allocated");
        }
        return off;
    }

    /** File offset of the 16-bit refcount entry of host cluster {@code cluster}. */
    long refcountEntryOffset(long cluster) {
        if (header.refcountBits() != 16) {
            throw new AssertionError("the test pokes 16-bit refcounts only");
        }
        long perBlock = RefcountDecoder.entriesPerBlock(header);
        long block = refcountTable[(int) (cluster / perBlock)] & RefcountDecoder.TABLE_OFFSET_MASK;
        if (block == 0) {
            throw new AssertionError("no refcount block for cluster " + cluster);
        }
        return block + (cluster % perBlock) * 2;
    }

    void putRefcount(long cluster, int value) {
        write(refcountEntryOffset(cluster), new byte[] {(byte) (value >>> 8), (byte) value});
    }

    public long readLong(long offset) {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            f.seek(offset);
            return f.readLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void putLong(long offset, long value) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (value >>> (56 - 8 * i));
        }
        write(offset, b);
    }

    public void write(long offset, byte[] bytes) {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Appends {@code clusters} zero clusters to the file and returns the index of the first. */
    long grow(int clusters) {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            long cs = clusterSize();
            long first = (f.length() + cs - 1) / cs;
            f.setLength((first + clusters) * cs);
            return first;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
