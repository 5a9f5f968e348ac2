package io.qcow2conformance.model.io;

import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Read-only, positional access to one image file. Every read names the structure it is
 * for, so that a read past the end of the file becomes a one-line {@link ImageException}
 * naming the rule, the field and the byte offset instead of a bare I/O error.
 */
public final class ImageSource implements Closeable {
    private final Path path;
    private final FileChannel channel;
    private final long size;
    private long metadataBytesRead;

    private ImageSource(Path path, FileChannel channel, long size) {
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    /** Opens a regular file. Device files, folders and missing files are refused. */
    public static ImageSource open(Path path) {
        if (!Files.exists(path)) {
            throw new ImageException(Rule.FILE_READABLE, "file", 0, "no such file: " + path);
        }
        if (!Files.isRegularFile(path)) {
            throw new ImageException(Rule.FILE_READABLE, "file", 0, "not a regular file: " + path);
        }
        try {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
            return new ImageSource(path, ch, ch.size());
        } catch (IOException e) {
            throw new ImageException(Rule.FILE_READABLE, "file", 0, "cannot read " + path + ": " + e.getMessage());
        }
    }

    public Path path() {
        return path;
    }

    /** Length of the file in bytes. */
    public long size() {
        return size;
    }

    /** Total metadata bytes read through {@link #read}; bounded by {@code Limits#maxMetadataBytes}. */
    public long metadataBytesRead() {
        return metadataBytesRead;
    }

    /**
     * Reads exactly {@code length} bytes at {@code offset}, big-endian. The whole range must
     * lie inside the file; otherwise the {@code rule} is reported for {@code field}.
     */
    public ByteBuffer read(long offset, int length, Rule rule, String field) {
        if (offset < 0 || length < 0 || offset > size || size - offset < length) {
            throw new ImageException(rule, field, offset, String.format(
                    "%d bytes at offset 0x%x reach past the end of the file (file size %d)", length, offset, size));
        }
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.BIG_ENDIAN);
        readInto(offset, buf);
        buf.flip();
        metadataBytesRead += length;
        return buf;
    }

    /**
     * Reads up to {@code buf.remaining()} bytes at {@code offset}; bytes past the end of the
     * file are left as they are in {@code buf} (callers pre-fill zeros where the format
     * says a short file reads as zeros). Returns the number of bytes read from the file.
     */
    public int readAvailable(long offset, ByteBuffer buf) {
        if (Long.compareUnsigned(offset, size) >= 0) { // a negative offset is 2^63 or more: past the end
            return 0;
        }
        int want = (int) Math.min(buf.remaining(), size - offset);
        ByteBuffer slice = buf.slice();
        slice.limit(want);
        readInto(offset, slice);
        buf.position(buf.position() + want);
        return want;
    }

    private void readInto(long offset, ByteBuffer buf) {
        try {
            long pos = offset;
            while (buf.hasRemaining()) {
                int n = channel.read(buf, pos);
                if (n < 0) {
                    throw new IOException("unexpected end of file at offset " + pos);
                }
                pos += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only channel: nothing to flush
        }
    }

    /** True when the path names something other than a regular file (a device, a fifo). */
    public static boolean isSpecialFile(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(p) && !Files.isDirectory(p);
    }
}
